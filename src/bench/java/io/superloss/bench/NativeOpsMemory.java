package io.superloss.bench;

import io.superloss.BenchAccess;
import io.superloss.LambertW;
import io.superloss.LambertW0Op;
import io.superloss.NativeOpsStatus;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.AllocationsTracker;
import org.nd4j.linalg.api.memory.enums.AllocationKind;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.custom.Digamma;
import org.nd4j.linalg.api.ops.custom.Igamma;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Map;

/**
 * Whether the native ops leak: the process's resident memory and ND4J's off-heap counters before, during and after
 * many calls of them, eagerly and in a SameDiff graph.
 *
 * <ul>
 *   <li>eager: {@code EAGER} calls of {@code Nd4j.exec(new LambertW0Op(z))} on 32 doubles, then {@code EAGER / 10}
 *       calls each of the rows op, the threshold-update op and the training-rows op on 32 rows (with weights);</li>
 *   <li>graph: {@code GRAPH} executions of one graph that holds all four ops (W0 of a placeholder, the threshold
 *       update of a state of shape [1] and the rows op on its result, the training-rows op on the same state),
 *       through {@code SameDiff.output}, requesting every output.</li>
 * </ul>
 * With {@code builtin} as third argument the same loops run ND4J's own custom ops instead (digamma for W0, igamma for
 * the rows, threshold and training-rows ops, same shapes), as a control: what ND4J's executioner and SameDiff do with memory anyway.
 * Counters, each after full GCs until they settle (native buffers are freed once their Java owners are collected):
 * VmRSS from {@code /proc/self/status}; JavaCPP's {@code Pointer.physicalBytes()} (its own RSS reading),
 * {@code totalBytes()} and {@code totalCount()} (bytes and number of native allocations it tracks); ND4J's
 * AllocationsTracker (GENERAL, WORKSPACE, CONSTANT bytes on device 0); the Java heap in use. A leak shows as steady
 * growth across the progress lines; a constant offset after the first phase is allocator and cache warm-up.
 *
 * <pre>
 * mvn -Pbench -q test-compile exec:exec -Dbench.main=io.superloss.bench.NativeOpsMemory -Dbench.args="1000000 100000"
 * mvn -Pbench -q test-compile exec:exec -Dbench.main=io.superloss.bench.NativeOpsMemory \
 *     -Dbench.args="1000000 100000 builtin"
 * </pre>
 */
public final class NativeOpsMemory {
    private static final int ROWS = 32;

    private NativeOpsMemory() {
    }

    public static void main(String[] args) throws Exception {
        int eager = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int graph = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        boolean builtin = args.length > 2 && args[2].equals("builtin");
        NativeOpsStatus status = LambertW.nativeOps();
        System.out.println("native ops: " + status + (builtin ? "; this run: ND4J's built-in ops (control)" : ""));
        if (!status.isNative() && !builtin) {
            throw new IllegalStateException("this benchmark needs the native ops");
        }
        INDArray z = Nd4j.rand(DataType.DOUBLE, ROWS).muli(10).subi(0.3);
        INDArray loss = Nd4j.rand(DataType.DOUBLE, ROWS, 1).muli(3);
        INDArray weight = Nd4j.ones(DataType.DOUBLE, ROWS, 1);
        weight.putScalar(3, 0, 0.0);
        // Igamma's constructor refuses two arrays whose shape() is the same long[] object: a copy for the third call.
        INDArray lossCopy = loss.dup();
        INDArray tau = Nd4j.scalar(1.0);
        INDArray tau0 = Nd4j.scalar(Double.NaN);
        INDArray counts0 = Nd4j.zeros(DataType.DOUBLE, 3);
        Runnable w0 = builtin ? () -> Nd4j.exec(new Digamma(z)) : () -> Nd4j.exec(new LambertW0Op(z));
        Runnable rowsAndUpdate = builtin ? () -> {
            Nd4j.exec(new Igamma(loss, weight));
            Nd4j.exec(new Igamma(weight, loss));
            Nd4j.exec(new Igamma(loss, lossCopy));
        } : () -> {
            BenchAccess.superLossRows(loss, tau, weight, 1.0);
            BenchAccess.emaUpdate(tau0, counts0, loss, weight);
            BenchAccess.emaTrainingRows(tau0, counts0, loss, weight);
        };

        SameDiff sd = SameDiff.create();
        SDVariable zIn = sd.placeHolder("z", DataType.DOUBLE, -1);
        SDVariable lossIn = sd.placeHolder("loss", DataType.DOUBLE, -1, 1);
        SDVariable weightIn = sd.placeHolder("weight", DataType.DOUBLE, -1, 1);
        String[] outputs;
        if (builtin) {
            SDVariable gamma = new Igamma(sd, lossIn, weightIn).outputVariable();
            outputs = new String[] {new Digamma(sd, zIn).outputVariable().name(), gamma.name(),
                new Igamma(sd, gamma, lossIn).outputVariable().name(),
                new Igamma(sd, lossIn, lossIn).outputVariable().name()};
        } else {
            // State of shape [1], not rank 0: SameDiff 1.0.0-M2.1 caches released rank-0 arrays but never hands them
            // out again (ArrayCacheMemoryMgr.allocate skips rank 0), so each rank-0 intermediate stays on the heap.
            SDVariable tauVar = sd.var("tau", Nd4j.valueArrayOf(new long[] {1}, Double.NaN, DataType.DOUBLE));
            SDVariable countsVar = sd.var("counts", Nd4j.zeros(DataType.DOUBLE, 3));
            SDVariable[] next = BenchAccess.emaUpdate(sd, tauVar, countsVar, lossIn, weightIn);
            SDVariable[] rows = BenchAccess.superLossRows(sd, lossIn, next[0], weightIn, 1.0);
            SDVariable[] training = BenchAccess.emaTrainingRows(sd, tauVar, countsVar, lossIn, weightIn);
            // Every output is requested: SameDiff 1.0.0-M2.1 remembers the id of every intermediate array it releases
            // in a set it never clears (InferenceSession.freedArrays), about 65 bytes of heap per released array
            // per call whatever the op; with nothing released, what remains is the ops' own behaviour.
            outputs = new String[] {LambertW.w0(sd, zIn).name(), next[0].name(), next[1].name(), rows[0].name(),
                rows[1].name(), rows[2].name(), training[0].name(), training[1].name(), training[2].name(),
                training[3].name()};
        }
        Map<String, INDArray> feed = Map.of("z", z, "loss", loss, "weight", weight);

        // Warm-up: first calls fill ND4J's and libnd4j's caches (shape buffers, op contexts, session arrays).
        for (int i = 0; i < 1000; i++) {
            w0.run();
            rowsAndUpdate.run();
            sd.output(feed, outputs);
        }
        Snapshot before = Snapshot.take();
        System.out.println(Snapshot.HEADER);
        System.out.println(before.line("before"));

        long start = System.nanoTime();
        for (int i = 1; i <= eager; i++) {
            w0.run();
            if (i % 10 == 0) {
                rowsAndUpdate.run();
            }
            if (i % (eager / 5) == 0) {
                System.out.println(Snapshot.take().line("eager " + i));
            }
        }
        double eagerSeconds = (System.nanoTime() - start) / 1e9;
        start = System.nanoTime();
        for (int i = 1; i <= graph; i++) {
            sd.output(feed, outputs);
            if (i % (graph / 5) == 0) {
                System.out.println(Snapshot.take().line("graph " + i));
            }
        }
        double graphSeconds = (System.nanoTime() - start) / 1e9;
        Snapshot after = Snapshot.take();
        System.out.println(after.line("after"));
        System.out.println(after.difference(before));
        System.out.printf("%d eager W0 calls (+ %d rows, threshold and training-rows calls each) in %.1f s; %d graph "
                + "calls in %.1f s%n", eager, eager / 10, eagerSeconds, graph, graphSeconds);
        System.out.println("in the graph: " + sd.getOps().keySet());
    }

    /** The counters at one moment, after a full GC. */
    record Snapshot(long rssKb, long physical, long javacppBytes, long javacppCount, long general,
                            long workspace, long constant, long heap) {
        static final String HEADER = String.format("%-14s %10s %12s %14s %12s %12s %12s %12s %12s", "", "VmRSS kB",
                "physical MB", "JavaCPP bytes", "JavaCPP n", "GENERAL", "WORKSPACE", "CONSTANT", "heap MB");

        /**
         * After full GCs until the heap in use and the RSS settle (ND4J and JavaCPP free native buffers from their own
         * threads once the collector has found their owners unreachable; on a loaded machine that lags).
         */
        static Snapshot take() throws IOException, InterruptedException {
            Snapshot last = read();
            for (int i = 0; i < 30; i++) {
                System.gc();
                Thread.sleep(200);
                Snapshot next = read();
                boolean settled = Math.abs(next.heap - last.heap) < 256 * 1024
                        && Math.abs(next.rssKb - last.rssKb) < 1024;
                last = next;
                if (settled && i >= 2) {
                    break;
                }
            }
            return last;
        }

        private static Snapshot read() throws IOException {
            AllocationsTracker tracker = AllocationsTracker.getInstance();
            Runtime runtime = Runtime.getRuntime();
            return new Snapshot(readRssKb(), Pointer.physicalBytes(), Pointer.totalBytes(), Pointer.totalCount(),
                    tracker.bytesOnDevice(AllocationKind.GENERAL, 0),
                    tracker.bytesOnDevice(AllocationKind.WORKSPACE, 0),
                    tracker.bytesOnDevice(AllocationKind.CONSTANT, 0), runtime.totalMemory() - runtime.freeMemory());
        }

        private static long readRssKb() throws IOException {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        }

        String line(String label) {
            return String.format("%-14s %10d %12.1f %14d %12d %12d %12d %12d %12.1f", label, rssKb,
                    physical / 1048576.0, javacppBytes, javacppCount, general, workspace, constant, heap / 1048576.0);
        }

        String difference(Snapshot before) {
            return String.format("%-14s %10d %12.1f %14d %12d %12d %12d %12d %12.1f", "after - before",
                    rssKb - before.rssKb, (physical - before.physical) / 1048576.0, javacppBytes - before.javacppBytes,
                    javacppCount - before.javacppCount, general - before.general, workspace - before.workspace,
                    constant - before.constant, (heap - before.heap) / 1048576.0);
        }
    }
}
