package io.superloss.bench;

import io.superloss.SuperLoss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

import javax.management.ObjectName;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * What the loss calls of one DL4J training iteration ({@code computeGradient} then {@code computeScore} on the same
 * batch, in a workspace, as an output layer makes them) cost in countable units, independent of machine load:
 * <ul>
 *   <li>native ND4J ops executed (ND4J's {@link OpProfiler}: every op goes through the executioner's hook);</li>
 *   <li>INDArray and DataBuffer objects created, from class histograms of the heap before and after many
 *       iterations. Run under the Epsilon collector (which never frees anything) the histogram counts every object
 *       created, live or not; a DataBuffer that is not a view is an off-heap allocation;</li>
 *   <li>off-heap bytes: the workspace memory one iteration uses.</li>
 * </ul>
 * For {@code LossMCXENT} and {@code SuperLoss(LossMCXENT)} with softmax, FLOAT, 10 outputs, at several batch sizes
 * (so that it shows what grows with the rows), each iteration on a new pre-output as in training. With
 * {@code -Dcounts.classes=true} in {@code bench.jvmArgs} it lists every class with new instances.
 *
 * <pre>
 * mvn -Pbench -q test-compile exec:exec -Dbench.main=io.superloss.bench.LossCallCounts \
 *     -Dbench.jvmArgs="-XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -Xms2g -Xmx2g"
 * </pre>
 */
public final class LossCallCounts {
    private static final int ITERATIONS = 1000;
    private static final int OUTPUTS = 10;
    private static final int[] ROWS = {64, 128, 1024};

    private LossCallCounts() {
    }

    public static void main(String[] args) throws Exception {
        boolean epsilon = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName).anyMatch(n -> n.contains("Epsilon"));
        Map<String, Supplier<ILossFunction>> losses = new LinkedHashMap<>();
        losses.put("LossMCXENT", LossMCXENT::new);
        losses.put("SuperLoss(LossMCXENT)", () -> new SuperLoss(new LossMCXENT()));
        System.out.printf("Per training iteration (computeGradient + computeScore), softmax, FLOAT, %d outputs, "
                + "mean over %d iterations%n", OUTPUTS, ITERATIONS);
        if (!epsilon) {
            System.out.println("(not running under -XX:+UseEpsilonGC: object counts are omitted)");
        }
        System.out.printf("%-24s %6s %10s %10s %12s %14s%n", "loss", "rows", "native ops", "INDArrays",
                "DataBuffers", "off-heap bytes");
        for (int rows : ROWS) {
            for (Map.Entry<String, Supplier<ILossFunction>> e : losses.entrySet()) {
                Counts c = measure(e.getValue().get(), rows, epsilon);
                System.out.printf("%-24s %6d %10.2f %10s %12s %14d%n", e.getKey(), rows, c.ops,
                        epsilon ? String.format("%.2f", c.arrays) : "-", epsilon ? String.format("%.2f", c.buffers)
                                : "-", c.workspaceBytes);
                System.out.printf("COUNTS\t%s\t%d\t%.2f\t%.2f\t%.2f\t%d%n", e.getKey(), rows, c.ops, c.arrays,
                        c.buffers, c.workspaceBytes);
            }
        }
    }

    private record Counts(double ops, double arrays, double buffers, long workspaceBytes) {
    }

    private static Counts measure(ILossFunction loss, int rows, boolean countObjects) throws Exception {
        INDArray labels = FusedPathBenchmark.oneHot(rows, OUTPUTS, 1);
        // A new pre-output every iteration, as in training (cycling through a few keeps them in memory).
        INDArray[] preOutputs = new INDArray[4];
        for (int k = 0; k < preOutputs.length; k++) {
            preOutputs[k] = Nd4j.randn(DataType.FLOAT, rows, OUTPUTS);
        }
        IActivation softmax = new ActivationSoftmax();
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(0)
                .policyAllocation(AllocationPolicy.OVERALLOCATE).policyLearning(LearningPolicy.FIRST_LOOP).build();
        String workspace = "LossCallCounts-" + rows + "-" + loss.getClass().getSimpleName();
        for (int i = 0; i < 50; i++) { // warm-up: caches of shapes and constants, JIT, the workspace's size
            iteration(loss, labels, preOutputs[i % preOutputs.length], softmax, conf, workspace);
        }
        // Iteration 50 of the cycle: a pre-output that differs from the previous call's.
        long workspaceBytes = iteration(loss, labels, preOutputs[2], softmax, conf, workspace);

        OpProfiler.getInstance().reset();
        Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true)
                .checkWorkspaces(false).build());
        for (int i = 0; i < ITERATIONS; i++) {
            iteration(loss, labels, preOutputs[i % preOutputs.length], softmax, conf, workspace);
        }
        Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().checkWorkspaces(false).build());
        double ops = OpProfiler.getInstance().getInvocationsCount() / (double) ITERATIONS;
        OpProfiler.getInstance().reset();

        double arrays = Double.NaN;
        double buffers = Double.NaN;
        if (countObjects) {
            Map<String, Long> before = histogram();
            for (int i = 0; i < ITERATIONS; i++) {
                iteration(loss, labels, preOutputs[i % preOutputs.length], softmax, conf, workspace);
            }
            Map<String, Long> after = histogram();
            if (Boolean.getBoolean("counts.classes")) {
                after.forEach((name, count) -> {
                    long d = count - before.getOrDefault(name, 0L);
                    if (d >= ITERATIONS / 10) {
                        System.out.printf("    %-70s %8.2f per iteration%n", name, d / (double) ITERATIONS);
                    }
                });
            }
            arrays = delta(before, after, "org.nd4j.linalg.cpu.nativecpu.NDArray") / (double) ITERATIONS;
            buffers = after.entrySet().stream()
                    .filter(x -> x.getKey().startsWith("org.nd4j.linalg.cpu.nativecpu.buffer."))
                    .mapToLong(x -> x.getValue() - before.getOrDefault(x.getKey(), 0L)).sum() / (double) ITERATIONS;
        }
        return new Counts(ops, arrays, buffers, workspaceBytes);
    }

    /** One iteration in a workspace; returns the workspace bytes it used. */
    private static long iteration(ILossFunction loss, INDArray labels, INDArray preOutput, IActivation activation,
                                  WorkspaceConfiguration conf, String workspace) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, workspace)) {
            INDArray gradient = loss.computeGradient(labels, preOutput, activation, null);
            double score = loss.computeScore(labels, preOutput, activation, null, false);
            if (Double.isNaN(score) || gradient.isEmpty()) {
                throw new IllegalStateException("unexpected result");
            }
            return ws.getPrimaryOffset();
        }
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String className) {
        return after.getOrDefault(className, 0L) - before.getOrDefault(className, 0L);
    }

    /** Instances per class of every object on the heap, reachable or not ({@code GC.class_histogram -all}). */
    private static Map<String, Long> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[] {"-all"}}, new String[] {String[].class.getName()});
        Map<String, Long> counts = new TreeMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                counts.put(f[3], Long.parseLong(f[1]));
            }
        }
        return counts;
    }
}
