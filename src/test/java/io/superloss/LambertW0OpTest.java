package io.superloss;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.File;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native op {@link LambertW0Op} against the Java kernel it is generated from: the same bits as
 * {@link LambertW#w0(double)} / {@link LambertW#w0(float)} on a million arguments of each type over the whole domain,
 * on every array layout, eagerly and in SameDiff graphs, from several threads; its gradient; a graph holding it saved
 * and loaded. Skipped where the native ops are not loaded ({@link NativeOpsTestSupport}).
 */
class LambertW0OpTest {
    private static final int N = 1_000_000;
    private static final double INV_E = 0.36787944117144233;
    private static final float INV_E_FLOAT = 0.36787945f;

    @BeforeEach
    void requireNativeOps() {
        NativeOpsTestSupport.assumeNativeOps();
    }

    /**
     * A million doubles: uniformly random bit patterns (every exponent: subnormals, huge values, NaNs, infinities,
     * negatives below -1/e), the branch point's neighbourhood (q = z + 1/e log-uniform from 1e-17 to 1), (-1/e, 0),
     * |z| from 1e-320 to 1 of both signs, [1, 1e308], (0, 20], and the special values.
     */
    static double[] doubleArguments(Random r) {
        double[] special = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, -Double.MIN_NORMAL,
            Math.nextDown(Double.MIN_NORMAL), -INV_E, Math.nextDown(-INV_E), Math.nextUp(-INV_E), -1.0, -0.25,
            Double.MAX_VALUE, -Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
            Double.longBitsToDouble(0x7ff0000000000001L), Double.longBitsToDouble(0xfff8000000000123L), 1.0, Math.E,
            18.0, Math.nextDown(18.0), 0x1p-26, -0x1p-26};
        double[] z = new double[N];
        System.arraycopy(special, 0, z, 0, special.length);
        for (int i = special.length; i < N; i++) {
            switch (i % 6) {
                case 0 -> z[i] = Double.longBitsToDouble(r.nextLong());
                case 1 -> z[i] = -INV_E + Math.pow(10, -17 + 17 * r.nextDouble());
                case 2 -> z[i] = -INV_E * r.nextDouble();
                case 3 -> z[i] = (r.nextBoolean() ? 1 : -1) * Math.pow(10, -320 + 320 * r.nextDouble());
                case 4 -> z[i] = Math.pow(10, 308 * r.nextDouble());
                default -> z[i] = 20 * r.nextDouble();
            }
        }
        return z;
    }

    /** A million floats, spread as {@link #doubleArguments}, with the float special values. */
    static float[] floatArguments(Random r) {
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -INV_E_FLOAT,
            Math.nextDown(-INV_E_FLOAT), Math.nextUp(-INV_E_FLOAT), (float) -INV_E, -1f, Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7f800001), 1f, 18f,
            Math.nextDown(18f), -0.3222656f};
        float[] z = new float[N];
        System.arraycopy(special, 0, z, 0, special.length);
        for (int i = special.length; i < N; i++) {
            switch (i % 6) {
                case 0 -> z[i] = Float.intBitsToFloat(r.nextInt());
                case 1 -> z[i] = (float) (-INV_E + Math.pow(10, -8 + 8 * r.nextDouble()));
                case 2 -> z[i] = (float) (-INV_E * r.nextDouble());
                case 3 -> z[i] = (float) ((r.nextBoolean() ? 1 : -1) * Math.pow(10, -45 + 45 * r.nextDouble()));
                case 4 -> z[i] = (float) Math.pow(10, 38.5 * r.nextDouble());
                default -> z[i] = (float) (20 * r.nextDouble());
            }
        }
        return z;
    }

    private static void assertSameBits(double[] z, double[] w) {
        for (int i = 0; i < z.length; i++) {
            long expected = Double.doubleToRawLongBits(LambertW.w0(z[i]));
            if (expected != Double.doubleToRawLongBits(w[i])) {
                assertEquals(LambertW.w0(z[i]), w[i], 0.0, "W0(" + z[i] + ") at index " + i);
                throw new AssertionError("W0(" + z[i] + "): bits " + Long.toHexString(Double.doubleToRawLongBits(w[i]))
                        + ", expected " + Long.toHexString(expected));
            }
        }
    }

    private static void assertSameBits(float[] z, float[] w) {
        for (int i = 0; i < z.length; i++) {
            int expected = Float.floatToRawIntBits(LambertW.w0(z[i]));
            if (expected != Float.floatToRawIntBits(w[i])) {
                throw new AssertionError("W0(" + z[i] + "f) at index " + i + ": " + w[i] + " (bits "
                        + Integer.toHexString(Float.floatToRawIntBits(w[i])) + "), expected " + LambertW.w0(z[i]));
            }
        }
    }

    private static INDArray exec(INDArray z) {
        return Nd4j.exec(new LambertW0Op(z))[0];
    }

    private static INDArray graphW0(INDArray z) {
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("z", z.dataType(), z.shape());
        SDVariable w = LambertW.w0(sd, in);
        return sd.outputSingle(Map.of("z", z), w.name());
    }

    @Test
    void doublesGiveTheJavaKernelsBitsEagerlyAndInAGraph() {
        double[] z = doubleArguments(new Random(11));
        INDArray array = Nd4j.createFromArray(z);
        assertSameBits(z, exec(array).toDoubleVector());
        assertSameBits(z, graphW0(array).toDoubleVector());
    }

    @Test
    void floatsGiveTheJavaKernelsBitsEagerlyAndInAGraph() {
        float[] z = floatArguments(new Random(12));
        INDArray array = Nd4j.createFromArray(z);
        assertSameBits(z, exec(array).toFloatVector());
        assertSameBits(z, graphW0(array).toFloatVector());
    }

    /** The elements of {@code a} in 'c' order, as doubles (exact for FLOAT). */
    private static double[] cOrder(INDArray a) {
        return a.dup('c').data().asDouble();
    }

    /** W0 of every element, from the Java kernel. */
    private static double[] expected(INDArray z) {
        double[] in = cOrder(z);
        double[] w = new double[in.length];
        for (int i = 0; i < in.length; i++) {
            w[i] = z.dataType() == DataType.FLOAT ? LambertW.w0((float) in[i]) : LambertW.w0(in[i]);
        }
        return w;
    }

    private static void assertLayoutWorks(String what, INDArray z) {
        INDArray w = exec(z);
        assertEquals(z.dataType(), w.dataType(), what);
        assertArrayEquals(z.shape(), w.shape(), what);
        assertArrayEquals(expected(z), cOrder(w), 0.0, what + ": eager");
        assertArrayEquals(expected(z), cOrder(graphW0(z)), 0.0, what + ": graph");
        if (z.rank() > 0 && !z.isEmpty()) {
            INDArray intoF = Nd4j.create(z.dataType(), z.shape(), 'f');
            Nd4j.exec(new LambertW0Op(z, intoF));
            assertArrayEquals(expected(z), cOrder(intoF), 0.0, what + ": into an 'f' output");
        }
    }

    @Test
    void everyLayoutGivesTheSameValues() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            INDArray m = Nd4j.rand(DataType.DOUBLE, 40, 30).muli(6).subi(0.5).castTo(type);
            INDArray cube = Nd4j.rand(DataType.DOUBLE, 4, 5, 6).muli(100).castTo(type);
            assertLayoutWorks(type + " 'c' matrix", m);
            assertLayoutWorks(type + " 'f' matrix", m.dup('f'));
            assertLayoutWorks(type + " strided view", m.get(NDArrayIndex.interval(3, 2, 33), NDArrayIndex.interval(1, 3,
                    25)));
            assertLayoutWorks(type + " transposed view", m.transpose());
            assertLayoutWorks(type + " column view", m.getColumn(7));
            assertLayoutWorks(type + " row view", m.getRow(11));
            assertLayoutWorks(type + " permuted rank-3 view", cube.permute(2, 0, 1));
            assertLayoutWorks(type + " rank 0", Nd4j.scalar(type, 1.5));
            assertLayoutWorks(type + " vector", Nd4j.createFromArray(0.5, -0.3, 7.0).castTo(type));
            for (INDArray empty : new INDArray[] {Nd4j.create(type, 0), Nd4j.create(type, 0, 3), Nd4j.empty(type)}) {
                INDArray w = exec(empty);
                assertTrue(w.isEmpty(), "empty in, empty out");
                assertArrayEquals(empty.shape(), w.shape());
                assertEquals(type, w.dataType());
                INDArray g = graphW0(empty);
                assertTrue(g.isEmpty());
                assertArrayEquals(empty.shape(), g.shape());
            }
        }
    }

    @Test
    void inPlaceOnAView() {
        INDArray m = Nd4j.rand(DataType.DOUBLE, 8, 9).muli(5);
        INDArray original = m.dup();
        INDArray view = m.get(NDArrayIndex.interval(1, 2, 8), NDArrayIndex.interval(0, 3, 9));
        double[] expected = expected(view);
        Nd4j.exec(new LambertW0Op(view, view));
        assertArrayEquals(expected, cOrder(view), 0.0);
        // Elements outside the view are untouched.
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 9; j++) {
                if (i % 2 == 0 || j % 3 != 0) {
                    assertEquals(original.getDouble(i, j), m.getDouble(i, j), 0.0, "(" + i + "," + j + ")");
                }
            }
        }
    }

    /**
     * HALF and BFLOAT16 variables (every value of both types) go through the op in double: the bits of the eager
     * {@link LambertW#w0(INDArray)}, which maps the HALF value nearest -1/e (below it) to -1 too.
     */
    @Test
    void halfAndBFloat16GiveTheEagerBits() {
        for (DataType type : new DataType[] {DataType.HALF, DataType.BFLOAT16}) {
            // Every 16-bit pattern, as a value of the type (exact in double, so the cast back is exact).
            double[] all = new double[65536];
            for (int bits = 0; bits < all.length; bits++) {
                all[bits] = sixteenBitValue(type, bits);
            }
            INDArray values = Nd4j.createFromArray(all).castTo(type);
            INDArray expected = LambertW.w0(values);
            INDArray got = graphW0(values);
            assertEquals(type, got.dataType());
            double[] e = expected.castTo(DataType.DOUBLE).toDoubleVector();
            double[] g = got.castTo(DataType.DOUBLE).toDoubleVector();
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], g[i], 0.0, type + " W0(" + all[i] + ")");
            }
        }
    }

    /** The value of a 16-bit pattern of HALF (IEEE binary16) or BFLOAT16 (the high half of a float). */
    private static double sixteenBitValue(DataType type, int bits) {
        if (type == DataType.BFLOAT16) {
            return Float.intBitsToFloat(bits << 16);
        }
        double sign = (bits & 0x8000) != 0 ? -1 : 1;
        int exponent = (bits >> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return mantissa == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        return exponent == 0 ? sign * mantissa * 0x1p-24 : sign * (1024 + mantissa) * Math.scalb(1.0, exponent - 25);
    }

    /**
     * calculateGradients through the op: against central differences of the scalar W0 (relative 1e-6: step h =
     * 1e-5 |z| leaves an error of about h^2 |W'''/W'| / 6, far below it away from the branch point) and the closed
     * forms at 0 (1) and at the branch point (infinite; {@code Double.MAX_VALUE} by contract), for DOUBLE and FLOAT.
     */
    @Test
    void gradientMatchesFiniteDifferences() {
        double[] z = {-0.3, -0.2, -0.05, 1e-3, 0.5, 1.0, 3.0, 50.0, 1e6, 1e200};
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            SameDiff sd = SameDiff.create();
            SDVariable in = sd.placeHolder("z", type, -1);
            LambertW.w0(sd, in).sum("total").markAsLoss();
            assertEquals(1, countNativeOps(sd), "one W0 op in the forward graph");
            sd.createGradFunction("z");
            double[] withSpecial = new double[z.length + 2];
            System.arraycopy(z, 0, withSpecial, 0, z.length);
            withSpecial[z.length] = 0.0;
            withSpecial[z.length + 1] = type == DataType.DOUBLE ? -INV_E : -INV_E_FLOAT;
            INDArray input = Nd4j.createFromArray(withSpecial).castTo(type);
            double[] g = sd.calculateGradients(Map.of("z", input), "z").get("z").castTo(DataType.DOUBLE)
                    .toDoubleVector();
            for (int i = 0; i < z.length; i++) {
                double x = type == DataType.DOUBLE ? z[i] : (float) z[i];
                if (Double.isInfinite(x)) {
                    continue; // 1e200 as a float
                }
                double h = 1e-5 * Math.abs(x);
                double fd = (LambertW.w0(x + h) - LambertW.w0(x - h)) / (2 * h);
                double tolerance = type == DataType.DOUBLE ? 1e-6 : 1e-6 + 2 * Math.ulp((float) fd) / Math.abs(fd);
                assertEquals(fd, g[i], tolerance * Math.abs(fd), type + " dW0/dz at " + x);
            }
            assertEquals(1.0, g[z.length], 0.0, type + " dW0/dz at 0");
            double atBranch = type == DataType.DOUBLE ? Double.MAX_VALUE : Float.POSITIVE_INFINITY;
            assertEquals(atBranch, g[z.length + 1], 0.0, type + " at the branch point (Double.MAX_VALUE in double)");
        }
    }

    private static long countNativeOps(SameDiff sd) {
        return sd.getOps().values().stream().filter(op -> op.getOp() instanceof LambertW0Op).count();
    }

    /** The graph of LambertW.w0 holds one native op where the composite form holds about a hundred. */
    @Test
    void theGraphHoldsOneNativeOp() {
        SameDiff sd = SameDiff.create();
        LambertW.w0(sd, sd.placeHolder("z", DataType.DOUBLE, -1));
        assertEquals(1, sd.getOps().size(), () -> "ops: " + sd.getOps().keySet());
        SameDiffOp op = sd.getOps().values().iterator().next();
        assertTrue(op.getOp() instanceof LambertW0Op, op.getOp().getClass().getName());

        SameDiff composite = SameDiff.create();
        LambertWGraph.w0(composite, composite.placeHolder("z", DataType.DOUBLE, -1));
        assertTrue(composite.getOps().size() > 100, "composite form: " + composite.getOps().size() + " ops");
        assertEquals(0, countNativeOps(composite));
    }

    /** 8 threads x 1000 calls each, eager and through one shared graph, every result checked bit for bit. */
    @Test
    void concurrentCallsGiveTheJavaKernelsBits() throws Exception {
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("z", DataType.DOUBLE, -1);
        String out = LambertW.w0(sd, in).name();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = 100 + t;
                results.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    int checked = 0;
                    for (int call = 0; call < 1000; call++) {
                        double[] z = new double[1 + r.nextInt(64)];
                        for (int i = 0; i < z.length; i++) {
                            z[i] = -INV_E + Math.pow(10, -17 + 19 * r.nextDouble());
                        }
                        INDArray array = Nd4j.createFromArray(z);
                        assertSameBits(z, exec(array).toDoubleVector());
                        assertSameBits(z, sd.outputSingle(Map.of("z", array), out).toDoubleVector());
                        checked += 2;
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get();
            }
            assertEquals(8 * 1000 * 2, total);
        } finally {
            pool.shutdownNow();
        }
    }

    /** sd.save / SameDiff.load and the FlatBuffers round trip keep the op, its values and its gradient. */
    @Test
    void aGraphHoldingTheOpIsSavedAndLoaded(@TempDir File dir) throws Exception {
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("z", DataType.DOUBLE, -1);
        SDVariable scale = sd.var("scale", Nd4j.scalar(2.0));
        SDVariable w = LambertW.w0(sd, in.mul(scale));
        sd.identity("w", w);
        w.sum("total").markAsLoss();
        INDArray z = Nd4j.createFromArray(-0.15, 0.0, 0.7, 12.0, -0.1);
        INDArray expected = sd.outputSingle(Map.of("z", z), "w");

        File file = new File(dir, "w0.fb");
        sd.save(file, false);
        SameDiff loaded = SameDiff.load(file, false);
        assertEquals(1, countNativeOps(loaded));
        assertArrayEquals(expected.toDoubleVector(), loaded.outputSingle(Map.of("z", z), "w").toDoubleVector(), 0.0);
        loaded.createGradFunction("z");
        INDArray gradient = loaded.calculateGradients(Map.of("z", z), "z").get("z");
        for (int i = 0; i < z.length(); i++) {
            double x = 2 * z.getDouble(i);
            double wx = LambertW.w0(x);
            double analytic = 2 * Math.exp(-wx) / (1 + wx);
            assertEquals(analytic, gradient.getDouble(i), 1e-15 * analytic, "d/dz W0(2z) at z = " + z.getDouble(i));
        }

        ByteBuffer buffer = sd.asFlatBuffers(false);
        SameDiff copy = SameDiff.fromFlatBuffers(buffer, false);
        assertArrayEquals(expected.toDoubleVector(), copy.outputSingle(Map.of("z", z), "w").toDoubleVector(), 0.0);
    }

    /**
     * In a new JVM, ND4J cannot load the saved graph until the op class is registered: SameDiff.load rebuilds each op
     * by FlatBuffersMapper.fromFlatNode, which finds a custom op's class through
     * DifferentialFunctionClassHolder.customOpClassForHashAndName, and that knows only ND4J's own ops and the op-name
     * map that {@link LambertW#nativeOps()} adds this library's ops to. After that call the graph loads and runs.
     */
    @Test
    void aSavedGraphLoadsInANewJvmAfterLambertWNativeOps(@TempDir File dir) throws Exception {
        SameDiff sd = SameDiff.create();
        sd.identity("w", LambertW.w0(sd, sd.placeHolder("z", DataType.DOUBLE, -1)));
        File file = new File(dir, "w0.fb");
        sd.save(file, false);
        double[] z = {-0.2, 0.0, 1.0, 100.0};

        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-D" + NativeOps.PROPERTY + "=required", LoadSavedGraph.class.getName(), file.getPath(),
                "-0.2", "0.0", "1.0", "100.0").redirectErrorStream(true);
        child.environment().put("OMP_NUM_THREADS", "1");
        Process process = child.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), output);
        assertTrue(output.contains("before: java.lang.IllegalStateException: No op known for hash: ")
                && output.contains(" and name " + LambertW0Op.OP_NAME), output);
        assertTrue(output.contains("status: NATIVE"), output);
        double[] w = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            w[i] = LambertW.w0(z[i]);
        }
        assertTrue(output.contains("w: " + Arrays.toString(w)), output);
    }

    /**
     * The output shapes that the op computes in Java for SameDiff are the native shape function's: FLOAT and DOUBLE,
     * rank 0 to 3, 'f' order and views (the output is always a new 'c' array of the input's dimensions).
     */
    @Test
    void javaOutputShapesAreTheNativeOnes() {
        INDArray cube = Nd4j.rand(DataType.DOUBLE, 4, 3, 2);
        INDArray[] inputs = {Nd4j.scalar(0.5), Nd4j.createFromArray(1.0, 2.0), cube, cube.dup('f'),
            cube.permute(2, 0, 1), cube.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all(), NDArrayIndex.point(1))};
        for (INDArray z : inputs) {
            for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                SuperLossRowsOpTest.assertSameShapes(new LambertW0Op(type == DataType.DOUBLE ? z : z.castTo(type)), 1);
            }
        }
    }

    @Test
    void rejectsUnsupportedInputWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LambertW0Op(Nd4j.createFromArray(1, 2, 3)));
        assertTrue(e.getMessage().contains("INT") && e.getMessage().contains("FLOAT or DOUBLE"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LambertW0Op((INDArray) null));
        assertTrue(e.getMessage().contains("'z'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new LambertW0Op(Nd4j.zeros(DataType.DOUBLE, 3), Nd4j.zeros(DataType.DOUBLE, 4)));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new LambertW0Op(Nd4j.zeros(DataType.DOUBLE, 3), Nd4j.zeros(DataType.FLOAT, 3)));
        assertTrue(e.getMessage().contains("FLOAT"), e.getMessage());
        SameDiff sd = SameDiff.create();
        SDVariable longs = sd.placeHolder("l", DataType.LONG, -1);
        e = assertThrows(IllegalArgumentException.class, () -> new LambertW0Op(sd, longs));
        assertTrue(e.getMessage().contains("LONG"), e.getMessage());
    }
}
