package io.superloss.bench;

import io.superloss.SuperLoss;
import io.superloss.examples.SameDiffMse;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Per-call cost of SuperLoss in GRAPH execution next to FUSED and to a stock {@code SameDiffLoss} (MSE) on the same
 * batches, as DL4J calls a loss: a training iteration is {@code computeGradient} then {@code computeScore} on the same
 * batch; a scoring call is {@code computeScoreArray} on another batch. A benchmark, not a test: it prints the times
 * side by side, with the ratio to the stock SameDiffLoss.
 *
 * <pre>
 * OMP_NUM_THREADS=1 mvn -q test-compile exec:java -Ddemo.mainClass=io.superloss.bench.GraphModeBenchmark \
 *     [-Dexec.args="warmup reps"]
 * </pre>
 * (The pom's exec configuration takes its main class from the {@code demo.mainClass} property.)
 */
public final class GraphModeBenchmark {
    private static final int OUTPUTS = 10;
    private static final int[] ROWS = {32, 256};
    private static final int ROUNDS = 5;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private GraphModeBenchmark() {
    }

    /**
     * Mean microseconds of the calling thread's CPU time per training iteration and per scoring call of one loss on one
     * batch shape. CPU time rather than wall time, so that other load on a shared machine does not distort the
     * comparison; with OMP_NUM_THREADS=1 ND4J's native ops run on the calling thread.
     */
    public record Cost(double trainMicros, double scoreMicros) {
    }

    public static void main(String[] args) {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        Map<String, Supplier<ILossFunction>> losses = new LinkedHashMap<>();
        losses.put("LossMSE (eager ND4J loss)", LossMSE::new);
        losses.put("stock SameDiffLoss MSE", SameDiffMse::new);
        losses.put("SuperLoss(LossMSE) FUSED", () -> new SuperLoss(new LossMSE()));
        losses.put("SuperLoss(LossMSE) GRAPH",
            () -> SuperLoss.builder(new LossMSE()).execution(SuperLoss.Execution.GRAPH).build());
        losses.put("SuperLoss(SameDiffMse) GRAPH",
            () -> SuperLoss.builder(new SameDiffMse()).execution(SuperLoss.Execution.GRAPH).build());

        System.out.printf("Per-call CPU time, DOUBLE, %d outputs, %d warm-up calls, best of %d rounds of %d (OMP_NUM_THREADS=%s)%n",
                OUTPUTS, warmup, ROUNDS, reps, System.getenv("OMP_NUM_THREADS"));
        for (int rows : ROWS) {
            System.out.printf("%n%d rows%n%-30s %14s %10s %14s %10s%n", rows, "loss", "train us/call", "x stock",
                    "score us/call", "x stock");
            Map<String, Cost> costs = new LinkedHashMap<>();
            for (Map.Entry<String, Supplier<ILossFunction>> e : losses.entrySet()) {
                costs.put(e.getKey(), measure(e.getValue().get(), rows, OUTPUTS, warmup, reps));
            }
            Cost stock = costs.get("stock SameDiffLoss MSE");
            for (Map.Entry<String, Cost> e : costs.entrySet()) {
                Cost c = e.getValue();
                System.out.printf("%-30s %14.1f %10.2f %14.1f %10.2f%n", e.getKey(), c.trainMicros(),
                        c.trainMicros() / stock.trainMicros(), c.scoreMicros(), c.scoreMicros() / stock.scoreMicros());
            }
        }
    }

    /**
     * Times {@code loss} on a fixed random batch of {@code rows} x {@code outputs} (identity activation).
     *
     * @param warmup untimed iterations first (the graph is built and the JIT warms up)
     * @param reps   timed iterations per round (the best of five rounds counts)
     */
    public static Cost measure(ILossFunction loss, int rows, int outputs, int warmup, int reps) {
        Nd4j.getRandom().setSeed(rows);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, rows, outputs);
        INDArray preOutput = Nd4j.rand(DataType.DOUBLE, rows, outputs);
        // Scoring on other rows than the training ones: GRAPH reuses a training call's evaluation for the score of
        // the same batch (as in a DL4J iteration), which the scoring column is not meant to measure.
        INDArray otherPreOutput = Nd4j.rand(DataType.DOUBLE, rows, outputs);
        IActivation identity = new ActivationIdentity();
        for (int i = 0; i < warmup; i++) {
            loss.computeGradient(labels, preOutput, identity, null);
            loss.computeScore(labels, preOutput, identity, null, false);
            loss.computeScoreArray(labels, otherPreOutput, identity, null);
        }
        double train = Double.POSITIVE_INFINITY;
        double score = Double.POSITIVE_INFINITY;
        // The best of several rounds: interference from other processes only ever adds time.
        for (int round = 0; round < ROUNDS; round++) {
            long start = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) {
                loss.computeGradient(labels, preOutput, identity, null);
                loss.computeScore(labels, preOutput, identity, null, false);
            }
            long trained = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) {
                loss.computeScoreArray(labels, otherPreOutput, identity, null);
            }
            long scored = THREADS.getCurrentThreadCpuTime();
            train = Math.min(train, (trained - start) / 1e3 / reps);
            score = Math.min(score, (scored - trained) / 1e3 / reps);
        }
        return new Cost(train, score);
    }
}
