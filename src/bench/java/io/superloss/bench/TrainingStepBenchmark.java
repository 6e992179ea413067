package io.superloss.bench;

import io.superloss.SuperLoss;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

/**
 * One DL4J training step ({@code net.fit(batch)}: forward, loss, backward, update) with {@code SuperLoss(LossMCXENT)}
 * next to the same network with plain {@code LossMCXENT}, both with softmax output, on CPU. The two networks start
 * from the same weights (same seed), train on the same random MNIST-shaped batches and take turns round by round
 * (the order alternates too), so that load on the machine hits both alike; each gets its own loss instance.
 *
 * <p>Prints the median milliseconds per step of both, on the thread's CPU clock and on the wall clock, and the median
 * of the per-round ratios (paired, so robust to load changing between rounds) with a 95% confidence interval; with
 * {@code -Dbench.verbose=true} (in {@code bench.jvmArgs}) every round too. Arguments: which networks (default all)
 * and the rounds for the MLP (default 200; the CNN gets a third of them, one step per network each). Both losses sit
 * in the same timing shim ({@link TimedLoss}), which also gives the CPU time of the loss calls within the step.
 * {@code -Dbench.control=true} puts plain LossMCXENT on both sides (the ratio should then be 1 within its interval).
 *
 * <pre>
 * mvn -Pbench -q test-compile exec:exec -Dbench.main=io.superloss.bench.TrainingStepBenchmark \
 *     [-Dbench.args="mlp|cnn|all ROUNDS"]
 * </pre>
 */
public final class TrainingStepBenchmark {
    /** {@code -Dbench.verbose=true} prints every round. */
    private static final boolean VERBOSE = Boolean.getBoolean("bench.verbose");
    private static final boolean CONTROL = Boolean.getBoolean("bench.control");

    private TrainingStepBenchmark() {
    }

    /** What one network case needs: its builder, batch size, steps per timed round and the target ratio. */
    private record Case(String name, BiFunction<ILossFunction, Long, MultiLayerNetwork> builder, int batch,
                        int stepsPerRound, double target) {
    }

    private static final Case MLP = new Case("MLP 784-256-10, batch 128", BenchNetworks::mlp, 128, 4, 1.05);
    private static final Case CNN = new Case("LeNet CNN, batch 64", BenchNetworks::lenet, 64, 1, 1.02);

    public static void main(String[] args) {
        String which = args.length > 0 ? args[0] : "all";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        System.out.printf("Training step, SuperLoss(LossMCXENT) vs LossMCXENT, softmax, FLOAT, OMP_NUM_THREADS=%s, "
                + "%d cores, load average %s%n", System.getenv("OMP_NUM_THREADS"),
                Runtime.getRuntime().availableProcessors(), loadAverage());
        if (!which.equals("cnn")) {
            run(MLP, rounds);
        }
        if (!which.equals("mlp")) {
            run(CNN, Math.max(10, rounds / 3));
        }
        System.out.printf("%nload average at the end: %s%n", loadAverage());
    }

    private static void run(Case c, int rounds) {
        long seed = 42;
        // Both losses are wrapped in the same timing shim (a few CPU-clock reads per step on each side).
        TimedLoss plainLoss = new TimedLoss(new LossMCXENT());
        TimedLoss superLoss = new TimedLoss(CONTROL ? new LossMCXENT() : new SuperLoss(new LossMCXENT()));
        MultiLayerNetwork plainNet = c.builder().apply(plainLoss, seed);
        MultiLayerNetwork superLossNet = c.builder().apply(superLoss, seed);
        List<DataSet> batches = BenchNetworks.randomMnistBatches(8, c.batch(), seed);
        int warmupRounds = Math.max(5, rounds / 10);
        System.out.printf("%n%s: %d warm-up + %d timed rounds of %d steps per network%n", c.name(), warmupRounds,
                rounds, c.stepsPerRound());
        Times plain = new Times(rounds);
        Times withSuperLoss = new Times(rounds);
        int cursor = 0;
        for (int r = -warmupRounds; r < rounds; r++) {
            boolean plainFirst = (r & 1) == 0;
            for (int k = 0; k < 2; k++) {
                boolean isPlain = plainFirst == (k == 0);
                (isPlain ? plain : withSuperLoss).time(r, isPlain ? plainNet : superLossNet,
                        isPlain ? plainLoss : superLoss, batches, cursor, c.stepsPerRound());
            }
            cursor += c.stepsPerRound();
            if (r >= 0 && VERBOSE) {
                System.out.printf("  round %3d  CPU ms/step: plain %8.3f  SuperLoss %8.3f  ratio %.3f   "
                                + "wall ms/step: plain %8.3f  SuperLoss %8.3f  ratio %.3f%n", r, plain.cpu[r],
                        withSuperLoss.cpu[r], withSuperLoss.cpu[r] / plain.cpu[r], plain.wall[r],
                        withSuperLoss.wall[r], withSuperLoss.wall[r] / plain.wall[r]);
            }
        }
        System.out.println(c.name());
        report("CPU time ", c, plain.cpu, withSuperLoss.cpu);
        report("wall time", c, plain.wall, withSuperLoss.wall);
        double plainLossMs = median(plain.lossCpu);
        double superLossMs = median(withSuperLoss.lossCpu);
        System.out.printf("  loss calls (computeGradient + computeScore), CPU ms/step: plain %.3f, SuperLoss %.3f; "
                        + "difference %.3f ms = %.1f%% of the plain step%n", plainLossMs, superLossMs,
                superLossMs - plainLossMs, 100 * (superLossMs - plainLossMs) / median(plain.cpu));
        System.out.printf("RESULT\t%s\tloss calls\t%.3f\t%.3f%n", c.name(), plainLossMs, superLossMs);
    }

    private static void report(String clock, Case c, double[] plain, double[] superLoss) {
        double[] ratio = new double[plain.length];
        for (int r = 0; r < ratio.length; r++) {
            ratio[r] = superLoss[r] / plain[r];
        }
        double plainMedian = median(plain);
        double superMedian = median(superLoss);
        double[] sorted = ratio.clone();
        Arrays.sort(sorted);
        // Distribution-free 95% confidence interval of the median: order statistics n/2 -+ 1.96 sqrt(n)/2.
        int halfWidth = (int) Math.ceil(1.96 * Math.sqrt(sorted.length) / 2);
        double low = sorted[Math.max(0, sorted.length / 2 - halfWidth)];
        double high = sorted[Math.min(sorted.length - 1, (sorted.length - 1) / 2 + halfWidth)];
        System.out.printf("  %s: median ms/step plain %.3f, SuperLoss %.3f (ratio %.3f); median of the paired "
                        + "per-round ratios %.3f, 95%% CI %.3f - %.3f (quartiles %.3f - %.3f); target <= %.2f%n",
                clock, plainMedian, superMedian, superMedian / plainMedian, median(ratio), low, high,
                quantile(ratio, 0.25), quantile(ratio, 0.75), c.target());
        System.out.printf("RESULT\t%s\t%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f%n", c.name(), clock.trim(),
                plainMedian, superMedian, superMedian / plainMedian, median(ratio), low, high, c.target());
    }

    /**
     * Milliseconds per {@code net.fit} per round, on two clocks: the training thread's CPU time (what the step costs,
     * hardly affected by other processes taking the cores: with OMP_NUM_THREADS=1 ND4J computes on the calling thread)
     * and wall time (what a user waits, including time the thread was not running).
     */
    private static final class Times {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
        final double[] cpu;
        final double[] wall;
        final double[] lossCpu;

        Times(int rounds) {
            cpu = new double[rounds];
            wall = new double[rounds];
            lossCpu = new double[rounds];
        }

        void time(int round, MultiLayerNetwork net, TimedLoss loss, List<DataSet> batches, int cursor, int steps) {
            loss.takeNanos();
            long cpuStart = THREADS.getCurrentThreadCpuTime();
            long wallStart = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                net.fit(batches.get((cursor + s) % batches.size()));
            }
            long wallEnd = System.nanoTime();
            long cpuEnd = THREADS.getCurrentThreadCpuTime();
            if (round >= 0) {
                cpu[round] = (cpuEnd - cpuStart) / 1e6 / steps;
                wall[round] = (wallEnd - wallStart) / 1e6 / steps;
                lossCpu[round] = loss.takeNanos() / 1e6 / steps;
            }
        }
    }

    static double median(double[] values) {
        return quantile(values, 0.5);
    }

    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(
                    java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split(" "), 3));
        } catch (java.io.IOException e) {
            return "n/a";
        }
    }
}
