package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The GRAPH execution of a {@link SuperLoss} in DL4J networks: one SameDiff instance holding a {@link SuperLossGraph}
 * over two DOUBLE placeholders, the per-row base losses and mask weights that {@code SuperLoss} extracts (as for
 * FUSED). Built once per loss and reused for every call; one instance serves every data type, because the rows reach
 * it in double (as they reach FUSED's kernel) and the state must be one.
 *
 * <p>The loss's {@link ThresholdState} stays the single source of truth, so {@code tau()}, the JSON state and
 * {@code withExecution} see one state: every execution first loads it into the graph's state variables; a training
 * execution lets the graph's assign ops advance them and stores the result back, all inside
 * {@link ThresholdState#update}, so concurrent training calls are serialised and never lose an update. Executions are
 * also synchronised on the SameDiff instance, which is not thread-safe.
 */
final class GraphExecution {
    private static final String LOSS = "loss";
    private static final String WEIGHT = "weight";

    private final SameDiff sd;
    private final SuperLossGraph graph;

    // The last training call, guarded by sd: DL4J scores each batch right after training on it (computeGradient, then
    // computeScore), and with the same rows and the state that call left, scoring gives exactly the training call's
    // evaluation, so it is reused instead of executing the graph again.
    private double[] lastLoss;
    private double[] lastWeight;
    private ThresholdState.Snapshot lastState;
    private double[] lastSuperLoss;
    private double[] lastSigma;

    GraphExecution(Threshold threshold, double lambda, int warmupIterations) {
        // Built on the first GRAPH call, which DL4J makes inside its workspaces: the graph's arrays must outlive them.
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            sd = SameDiff.create();
            SDVariable loss = sd.placeHolder(LOSS, DataType.DOUBLE, -1, 1);
            SDVariable weight = sd.placeHolder(WEIGHT, DataType.DOUBLE, -1, 1);
            graph = SuperLossGraph.builder(sd, loss).mask(weight).threshold(threshold).lambda(lambda)
                    .warmupIterations(warmupIterations).build();
        }
    }

    /** The SameDiff instance, with {@code state} loaded into its state variables. */
    SameDiff sameDiff(ThresholdState.Snapshot state) {
        synchronized (sd) {
            load(state);
        }
        return sd;
    }

    /**
     * One training call: advances {@code state} through the graph and evaluates every row with the new threshold.
     *
     * @param loss      per-row base loss (unweighted)
     * @param weight    per-row mask weight, 0 for masked rows
     * @param superLoss out: weight times the row's SuperLoss
     * @param sigma     out: the row's confidence, NaN for masked rows
     */
    void train(double[] loss, double[] weight, ThresholdState state, double[] superLoss, double[] sigma) {
        state.update(current -> {
            synchronized (sd) {
                load(current);
                run(loss, weight, graph.trainingRowLoss(), graph.trainingConfidence(), superLoss, sigma);
                ThresholdState.Snapshot next = new ThresholdState.Snapshot(scalar(graph.tau()),
                        scalar(graph.rowWeight()), (long) scalar(graph.calls()));
                lastLoss = loss.clone();
                lastWeight = weight.clone();
                lastState = next;
                lastSuperLoss = superLoss.clone();
                lastSigma = sigma.clone();
                return next;
            }
        });
    }

    /** Evaluates every row with the threshold of {@code state} (or the batch mean before any training call). */
    void score(double[] loss, double[] weight, ThresholdState.Snapshot state, double[] superLoss, double[] sigma) {
        synchronized (sd) {
            if (lastState != null && same(state, lastState) && Arrays.equals(loss, lastLoss)
                    && Arrays.equals(weight, lastWeight)) {
                System.arraycopy(lastSuperLoss, 0, superLoss, 0, superLoss.length);
                System.arraycopy(lastSigma, 0, sigma, 0, sigma.length);
                return;
            }
            load(state);
            run(loss, weight, graph.loss(), graph.confidence(), superLoss, sigma);
        }
    }

    private static boolean same(ThresholdState.Snapshot a, ThresholdState.Snapshot b) {
        return Double.compare(a.tau(), b.tau()) == 0 && Double.compare(a.rowWeight(), b.rowWeight()) == 0
                && a.calls() == b.calls();
    }

    private void load(ThresholdState.Snapshot state) {
        graph.tau().getArr().assign(state.tau());
        graph.calls().getArr().assign((double) state.calls());
        graph.rowWeight().getArr().assign(state.rowWeight());
    }

    private void run(double[] loss, double[] weight, SDVariable rowLoss, SDVariable rowSigma, double[] superLoss,
                     double[] sigma) {
        // DL4J calls the loss inside its workspaces; the graph's arrays must not be allocated in them.
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            Map<String, INDArray> placeholders = new HashMap<>();
            placeholders.put(LOSS, Nd4j.createFromArray(loss).reshape(loss.length, 1));
            placeholders.put(WEIGHT, Nd4j.createFromArray(weight).reshape(weight.length, 1));
            Map<String, INDArray> out = sd.output(placeholders, rowLoss.name(), rowSigma.name());
            System.arraycopy(out.get(rowLoss.name()).toDoubleVector(), 0, superLoss, 0, superLoss.length);
            System.arraycopy(out.get(rowSigma.name()).toDoubleVector(), 0, sigma, 0, sigma.length);
        }
    }

    private static double scalar(SDVariable v) {
        return v.getArr().getDouble(0);
    }
}
