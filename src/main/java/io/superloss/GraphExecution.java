package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link SuperLoss.Execution#GRAPH}: one SameDiff instance holding a {@link SuperLossGraph} over two DOUBLE
 * placeholders, the per-row base losses and mask weights of a {@link PreparedBatch}; the graph's sigma scales the
 * wrapped loss's gradient ({@link GradientScaling}). Built once per loss and reused for every call; one instance
 * serves every data type, because the rows reach it in double (as they reach FUSED's kernel) and the state must be
 * one.
 *
 * <p>The loss's {@link ThresholdState} stays the single source of truth, so {@code tau()}, the JSON state and
 * {@code withExecution} see one state: every execution first loads it into the graph's state variables; a training
 * execution lets the graph's assign ops advance them and stores the result back, all inside
 * {@link ThresholdState#update}, so concurrent training calls are serialised and never lose an update. Executions are
 * also synchronised on the SameDiff instance, which is not thread-safe.
 */
final class GraphExecution implements SuperLossExecution {
    private static final String LOSS = "loss";
    private static final String WEIGHT = "weight";

    /** How many executions a SameDiff inference session serves before it is dropped (see {@link #run}). */
    static final int EXECUTIONS_PER_SESSION = 10_000;

    private final SameDiff sd;
    private final SuperLossGraph graph;
    /**
     * What a training execution requests: the training rows' SuperLoss and sigma, then the state assigns that the
     * native graph leaves to its owner to request ({@link SuperLossGraph#stateUpdates()}), if any.
     */
    private final String[] trainingOutputs;
    /** What a scoring execution requests: the rows' SuperLoss and sigma at the current threshold. */
    private final String[] scoringOutputs;
    /** Executions of sd, guarded by sd. */
    private long executions;

    // The last training call, guarded by sd: DL4J scores each batch right after training on it (computeGradient, then
    // computeScore), and with the same rows and the state that call left, scoring gives exactly the training call's
    // evaluation, so it is reused instead of executing the graph again.
    private double[] lastLoss;
    private double[] lastWeight;
    private ThresholdSnapshot lastState;
    /** The state the graph's variables hold, as far as this class wrote or read it; guarded by sd. */
    private ThresholdSnapshot loadedState;
    private double[] lastSuperLoss;
    private double[] lastSigma;
    /** The placeholder arrays of the last execution, refilled by the next one of the same rows; guarded by sd. */
    private INDArray lossInput;
    private INDArray weightInput;

    /**
     * @param nativeOps whether the graph uses this library's native ops ({@link SuperLossGraph.Builder#nativeOps})
     */
    GraphExecution(Threshold threshold, double lambda, int warmupIterations, boolean nativeOps) {
        // Built on the first GRAPH call, which DL4J makes inside its workspaces: the graph's arrays must outlive them.
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            sd = SameDiff.create();
            sd.setEnableCache(false);
            SDVariable loss = sd.placeHolder(LOSS, DataType.DOUBLE, -1, 1);
            SDVariable weight = sd.placeHolder(WEIGHT, DataType.DOUBLE, -1, 1);
            graph = SuperLossGraph.builder(sd, loss).mask(weight).threshold(threshold).lambda(lambda)
                    .warmupIterations(warmupIterations).nativeOps(nativeOps).withoutGradients().build();
        }
        List<String> training = new ArrayList<>(List.of(graph.trainingRowLoss().name(),
                graph.trainingConfidence().name()));
        SDVariable[] updates = graph.stateUpdates();
        if (updates != null) {
            for (SDVariable update : updates) {
                training.add(update.name());
            }
        }
        trainingOutputs = training.toArray(new String[0]);
        scoringOutputs = new String[] {graph.scoringRowLoss().name(), graph.scoringConfidence().name()};
    }

    /** The SameDiff instance, with {@code state} loaded into its state variables. */
    SameDiff sameDiff(ThresholdSnapshot state) {
        synchronized (sd) {
            load(state);
            loadedState = null; // whoever executes the instance may change its variables: load again next time
        }
        return sd;
    }

    @Override
    public RowEvaluation train(PreparedBatch batch, ThresholdState state, INDArray gradient) {
        RowEvaluation eval = new RowEvaluation(batch.count);
        state.update(current -> {
            synchronized (sd) {
                load(current);
                run(batch.loss, batch.weight, trainingOutputs, eval);
                double[] counts = HostArrays.toDoubles(graph.counts().getArr());
                ThresholdSnapshot next = ThresholdSnapshot.of(graph.tau().getArr().getDouble(0), (long) counts[0],
                        counts[1], counts[2]);
                lastLoss = batch.loss.clone();
                lastWeight = batch.weight.clone();
                lastState = next;
                loadedState = next;
                lastSuperLoss = eval.superLoss.clone();
                lastSigma = eval.sigma.clone();
                return next;
            }
        });
        GradientScaling.scaleRows(batch.weight, eval.sigma, gradient);
        GradientScaling.zeroMaskedRows(batch.weight, gradient);
        return eval;
    }

    @Override
    public RowEvaluation score(PreparedBatch batch, ThresholdSnapshot state) {
        RowEvaluation eval = new RowEvaluation(batch.count);
        synchronized (sd) {
            if (state.equals(lastState) && Arrays.equals(batch.loss, lastLoss)
                    && Arrays.equals(batch.weight, lastWeight)) {
                System.arraycopy(lastSuperLoss, 0, eval.superLoss, 0, eval.superLoss.length);
                System.arraycopy(lastSigma, 0, eval.sigma, 0, eval.sigma.length);
                return eval;
            }
            load(state);
            run(batch.loss, batch.weight, scoringOutputs, eval);
        }
        return eval;
    }

    /** Writes {@code state} into the graph's state variables, unless they already hold it (guarded by sd). */
    private void load(ThresholdSnapshot state) {
        if (state.equals(loadedState)) {
            return;
        }
        loadedState = state;
        graph.tau().getArr().assign(state.tau());
        graph.counts().getArr().assign(SuperLossGraph.countsOf(state));
    }

    /**
     * Executes the graph once for {@code outputs}: the per-row SuperLoss and sigma, which are copied into {@code into},
     * and whatever else the execution must run. Two memory leaks of SameDiff 1.0.0-M2.1's executions are kept off
     * here: its array cache (disabled in the constructor) keeps every released rank-0 array without ever handing one
     * out again, and each thread's inference session remembers the id of every array it released, forever (tens of KB
     * per call of the composite graph). The sessions are therefore dropped every {@value #EXECUTIONS_PER_SESSION}
     * executions (SameDiff makes a new one on the next call, logging it at INFO). Guarded by sd.
     */
    private void run(double[] loss, double[] weight, String[] outputs, RowEvaluation into) {
        if (++executions % EXECUTIONS_PER_SESSION == 0) {
            sd.getSessions().clear();
        }
        // DL4J calls the loss inside its workspaces; the graph's arrays must not be allocated in them.
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            lossInput = HostArrays.refill(lossInput, loss);
            weightInput = HostArrays.refill(weightInput, weight);
            Map<String, INDArray> placeholders = new HashMap<>();
            placeholders.put(LOSS, lossInput);
            placeholders.put(WEIGHT, weightInput);
            Map<String, INDArray> out = sd.output(placeholders, outputs);
            System.arraycopy(HostArrays.toDoubles(out.get(outputs[0])), 0, into.superLoss, 0, into.superLoss.length);
            System.arraycopy(HostArrays.toDoubles(out.get(outputs[1])), 0, into.sigma, 0, into.sigma.length);
        }
    }
}
