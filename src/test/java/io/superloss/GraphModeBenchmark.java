package io.superloss;

import io.superloss.examples.SameDiffMse;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Per-call cost of SuperLoss in GRAPH execution, on this library's native ops and on the composite graph of ND4J's
 * built-in ops, next to FUSED and to a stock {@code SameDiffLoss} (MSE) on the same batches, as DL4J calls a loss: a
 * training iteration is {@code computeGradient} then {@code computeScore} on the same batch; a scoring call is
 * {@code computeScoreArray} on another batch. A benchmark, not a test: it prints the times side by side, with the ratio
 * to the stock SameDiffLoss, and the number of ND4J ops each call executes (ND4J's {@link OpProfiler}: the wrapped
 * loss's eager ops and SameDiff's). The native rows need the native ops ({@link LambertW#nativeOps()}).
 *
 * <pre>
 * OMP_NUM_THREADS=1 mvn -q test-compile exec:java -Ddemo.mainClass=io.superloss.GraphModeBenchmark \
 *     [-Dexec.args="warmup reps"]
 * </pre>
 * (The pom's exec configuration takes its main class from the {@code demo.mainClass} property.)
 */
public final class GraphModeBenchmark {
    private static final int OUTPUTS = 10;
    private static final int[] ROWS = {32, 256};
    private static final int ROUNDS = 5;
    private static final int BATCHES = 4;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private GraphModeBenchmark() {
    }

    /**
     * Mean microseconds of the calling thread's CPU time per training iteration and per scoring call of one loss on one
     * batch shape (the best round), and the ND4J ops each executes. CPU time rather than wall time, so that other load
     * on a shared machine does not distort the comparison; with OMP_NUM_THREADS=1 ND4J's native ops run on the calling
     * thread.
     */
    public record Cost(double trainMicros, double scoreMicros, double trainOps, double scoreOps) {
    }

    public static void main(String[] args) {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        Map<String, Supplier<ILossFunction>> losses = new LinkedHashMap<>();
        losses.put("LossMSE (eager ND4J loss)", LossMSE::new);
        losses.put("stock SameDiffLoss MSE", SameDiffMse::new);
        losses.put("SuperLoss(LossMSE) FUSED", () -> new SuperLoss(new LossMSE()));
        losses.put("SuperLoss(LossMSE) GRAPH composite",
            () -> SuperLoss.builder(new LossMSE()).execution(SuperLoss.Execution.GRAPH).build().withGraphOps(false));
        if (LambertW.nativeOps().isNative()) {
            losses.put("SuperLoss(LossMSE) GRAPH native",
                () -> SuperLoss.builder(new LossMSE()).execution(SuperLoss.Execution.GRAPH).build());
            losses.put("SuperLoss(SameDiffMse) GRAPH native",
                () -> SuperLoss.builder(new SameDiffMse()).execution(SuperLoss.Execution.GRAPH).build());
        }

        System.out.printf("Per-call CPU time, DOUBLE, %d outputs, %d warm-up calls, best of %d rounds of %d "
                + "(OMP_NUM_THREADS=%s); native ops: %s%n", OUTPUTS, warmup, ROUNDS, reps,
                System.getenv("OMP_NUM_THREADS"), LambertW.nativeOps());
        for (int rows : ROWS) {
            System.out.printf("%n%d rows%n%-36s %13s %8s %7s %13s %8s %7s%n", rows, "loss", "train us/call", "x stock",
                    "ops", "score us/call", "x stock", "ops");
            Map<String, Timed> timed = new LinkedHashMap<>();
            for (Map.Entry<String, Supplier<ILossFunction>> e : losses.entrySet()) {
                timed.put(e.getKey(), new Timed(e.getValue().get(), rows));
            }
            for (Timed t : timed.values()) {
                t.run(warmup);
            }
            // Rounds alternate between the losses, so that JIT warm-up and load changes reach every loss alike.
            for (int round = 0; round < ROUNDS; round++) {
                for (Timed t : timed.values()) {
                    t.round(reps);
                }
            }
            Cost stock = timed.get("stock SameDiffLoss MSE").cost();
            for (Map.Entry<String, Timed> e : timed.entrySet()) {
                Cost c = e.getValue().cost();
                System.out.printf("%-36s %13.1f %8.2f %7.0f %13.1f %8.2f %7.0f%n", e.getKey(), c.trainMicros(),
                        c.trainMicros() / stock.trainMicros(), c.trainOps(), c.scoreMicros(),
                        c.scoreMicros() / stock.scoreMicros(), c.scoreOps());
            }
        }
    }

    /**
     * One loss on random batches of {@code rows} x {@link #OUTPUTS} (identity activation). A new batch for every
     * training iteration and every scoring call, as in training (cycling through a few): SuperLoss reuses a training
     * call's per-row values (FUSED) or evaluation (GRAPH) for the score of the same batch, as in a DL4J iteration, but
     * a call on the same arrays as the previous call would be reused as well. Scoring runs on other rows than the
     * training ones, which the scoring column is meant to measure.
     */
    private static final class Timed {
        private final ILossFunction loss;
        private final INDArray labels;
        private final INDArray[] preOutputs = new INDArray[BATCHES];
        private final INDArray[] otherPreOutputs = new INDArray[BATCHES];
        private final IActivation identity = new ActivationIdentity();
        private double train = Double.POSITIVE_INFINITY;
        private double score = Double.POSITIVE_INFINITY;

        Timed(ILossFunction loss, int rows) {
            this.loss = loss;
            Nd4j.getRandom().setSeed(rows);
            labels = Nd4j.rand(DataType.DOUBLE, rows, OUTPUTS);
            for (int b = 0; b < BATCHES; b++) {
                preOutputs[b] = Nd4j.rand(DataType.DOUBLE, rows, OUTPUTS);
                otherPreOutputs[b] = Nd4j.rand(DataType.DOUBLE, rows, OUTPUTS);
            }
        }

        void trainingIteration(int i) {
            loss.computeGradient(labels, preOutputs[i % BATCHES], identity, null);
            loss.computeScore(labels, preOutputs[i % BATCHES], identity, null, false);
        }

        void scoringCall(int i) {
            loss.computeScoreArray(labels, otherPreOutputs[i % BATCHES], identity, null);
        }

        /** Untimed calls (the graph is built and the JIT warms up). */
        void run(int iterations) {
            for (int i = 0; i < iterations; i++) {
                trainingIteration(i);
                scoringCall(i);
            }
        }

        /** One timed round; the best round counts (interference from other processes only ever adds time). */
        void round(int reps) {
            long start = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) {
                trainingIteration(i);
            }
            long trained = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) {
                scoringCall(i);
            }
            long scored = THREADS.getCurrentThreadCpuTime();
            train = Math.min(train, (trained - start) / 1e3 / reps);
            score = Math.min(score, (scored - trained) / 1e3 / reps);
        }

        /** The best round's times, and the ops of one training iteration and of one scoring call. */
        Cost cost() {
            int counted = 2 * BATCHES;
            OpProfiler.getInstance().reset();
            Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).build());
            for (int i = 0; i < counted; i++) {
                trainingIteration(i);
            }
            long trainOps = OpProfiler.getInstance().getInvocationsCount();
            for (int i = 0; i < counted; i++) {
                scoringCall(i);
            }
            long allOps = OpProfiler.getInstance().getInvocationsCount();
            Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().build());
            OpProfiler.getInstance().reset();
            return new Cost(train, score, trainOps / (double) counted, (allOps - trainOps) / (double) counted);
        }
    }
}
