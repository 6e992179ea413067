package io.superloss.bench;

import io.superloss.BenchAccess;
import io.superloss.LambertW;
import io.superloss.SuperLoss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Whether a SuperLoss in GRAPH execution leaks over many training iterations: the counters of
 * {@link NativeOpsMemory} (VmRSS, JavaCPP's and ND4J's off-heap counters, heap in use; each after full GCs until they
 * settle) before and during many iterations (first argument) of computeGradient, computeScore (same batch) and
 * computeScoreArray (another batch) on 32 rows x 10 outputs, for the graph on the native ops and, with
 * {@code composite} as second argument, on ND4J's built-in ops only. A leak shows as steady growth across the progress lines.
 *
 * <pre>
 * mvn -Pbench -q test-compile exec:exec -Dbench.main=io.superloss.bench.GraphExecutionMemory -Dbench.args="100000"
 * mvn -Pbench -q test-compile exec:exec -Dbench.main=io.superloss.bench.GraphExecutionMemory \
 *     -Dbench.args="20000 composite"
 * </pre>
 */
public final class GraphExecutionMemory {
    private GraphExecutionMemory() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        boolean nativeOps = !(args.length > 1 && args[1].equals("composite"));
        System.out.println("native ops: " + LambertW.nativeOps() + "; this run: "
                + (nativeOps ? "the graph on the native ops" : "the composite graph"));
        SuperLoss loss = BenchAccess.graphSuperLoss(nativeOps);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 32, 10);
        INDArray[] preOutputs = new INDArray[4];
        for (int b = 0; b < preOutputs.length; b++) {
            preOutputs[b] = Nd4j.rand(DataType.DOUBLE, 32, 10);
        }
        IActivation identity = new ActivationIdentity();
        Runnable iteration = new Runnable() {
            private int i;

            @Override
            public void run() {
                INDArray pre = preOutputs[i++ % preOutputs.length];
                loss.computeGradient(labels, pre, identity, null);
                loss.computeScore(labels, pre, identity, null, false);
                loss.computeScoreArray(labels, preOutputs[i % preOutputs.length], identity, null);
            }
        };
        for (int i = 0; i < 2000; i++) {
            iteration.run();
        }
        NativeOpsMemory.Snapshot before = NativeOpsMemory.Snapshot.take();
        System.out.println(NativeOpsMemory.Snapshot.HEADER);
        System.out.println(before.line("before"));
        long start = System.nanoTime();
        for (int i = 1; i <= iterations; i++) {
            iteration.run();
            if (i % (iterations / 5) == 0) {
                System.out.println(NativeOpsMemory.Snapshot.take().line("iteration " + i));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        NativeOpsMemory.Snapshot after = NativeOpsMemory.Snapshot.take();
        System.out.println(after.difference(before));
        System.out.printf("%d iterations in %.1f s; tau %.6f%n", iterations, seconds, loss.tau());
    }
}
