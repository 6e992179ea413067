package io.superloss;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native op {@link SuperLossRowsOp} against {@link SuperLossKernel#forward}. SuperLoss values must be the kernel's
 * bits: both evaluate the same W0 bits and the same products in the same order (lambda W (W + 2), or e (l - tau) +
 * lambda on clamped rows), with no library function involved. sigma = exp(-W) comes from the C library's exp instead of
 * Java's Math.exp: both are faithful (error below 1 ulp), so they differ by at most 1 ulp.
 */
class SuperLossRowsOpTest {

    @BeforeEach
    void requireNativeOps() {
        NativeOpsTestSupport.assumeNativeOps();
    }

    /**
     * Rows around tau (both signs of beta), far below it (beta &lt; -2/e: clamped), exactly at the clamp, far above,
     * NaN and infinite losses; weights 0 (masked), 1, 0.25, 3.
     */
    private static double[][] rows(Random r, int n, double tau, double lambda) {
        double[] loss = new double[n];
        double[] weight = new double[n];
        double[] weights = {0.0, 1.0, 1.0, 0.25, 3.0};
        for (int i = 0; i < n; i++) {
            switch (i % 8) {
                case 0 -> loss[i] = tau + lambda * (4 * r.nextDouble() - 2);
                case 1 -> loss[i] = tau - lambda * (0.7357588823428847 + 10 * r.nextDouble());
                case 2 -> loss[i] = tau + lambda * Math.pow(10, 6 * r.nextDouble());
                case 3 -> loss[i] = tau + lambda * 0.7357588823428847 * (2 * r.nextDouble() - 1);
                case 4 -> loss[i] = i % 3 == 0 ? Double.NaN : i % 3 == 1 ? Double.POSITIVE_INFINITY
                        : Double.NEGATIVE_INFINITY;
                default -> loss[i] = 5 * r.nextDouble();
            }
            weight[i] = weights[r.nextInt(weights.length)];
        }
        loss[0] = tau + lambda * SuperLossKernel.CLAMP_BETA;
        return new double[][] {loss, weight};
    }

    private static INDArray column(double[] values) {
        return Nd4j.createFromArray(values).reshape(values.length, 1);
    }

    private static void assertMatchesTheKernel(double[] loss, double[] weight, double tau, double lambda,
                                               INDArray[] out) {
        int n = loss.length;
        double[] kernelWeight = weight == null ? filled(n, 1.0) : weight;
        double[] superLoss = new double[n];
        double[] sigma = new double[n];
        SuperLossKernel.forward(loss, kernelWeight, tau, lambda, superLoss, sigma);
        assertEquals(3, out.length);
        for (INDArray o : out) {
            assertArrayEquals(new long[] {n, 1}, o.shape());
            assertEquals(DataType.DOUBLE, o.dataType());
        }
        double[] gotLoss = out[0].toDoubleVector();
        double[] gotSigma = out[1].toDoubleVector();
        double[] gotSlope = out[2].toDoubleVector();
        for (int i = 0; i < n; i++) {
            String row = "row " + i + " (loss " + loss[i] + ", weight " + kernelWeight[i] + ")";
            assertEquals(Double.doubleToRawLongBits(superLoss[i]), Double.doubleToRawLongBits(gotLoss[i]),
                    row + ": superLoss " + gotLoss[i] + ", kernel " + superLoss[i]);
            if (Double.isNaN(sigma[i])) {
                assertTrue(Double.isNaN(gotSigma[i]), row + ": sigma " + gotSigma[i]);
            } else {
                assertEquals(sigma[i], gotSigma[i], Math.ulp(sigma[i]), row + ": sigma");
            }
            double expectedSlope = kernelWeight[i] == 0.0 ? 0.0 : kernelWeight[i] * gotSigma[i];
            assertEquals(Double.doubleToRawLongBits(expectedSlope), Double.doubleToRawLongBits(gotSlope[i]),
                    row + ": slope " + gotSlope[i] + ", expected " + expectedSlope);
        }
    }

    private static double[] filled(int n, double value) {
        double[] a = new double[n];
        Arrays.fill(a, value);
        return a;
    }

    @Test
    void rowsMatchTheKernelWithAndWithoutWeights() {
        Random r = new Random(3);
        double[][] settings = {{0.0, 1.0}, {2.3, 0.1}, {-1.5, 7.5}, {1e3, 1e-3}};
        for (double[] setting : settings) {
            double tau = setting[0];
            double lambda = setting[1];
            double[][] batch = rows(r, 20_000, tau, lambda);
            INDArray[] weighted = Nd4j.exec(new SuperLossRowsOp(column(batch[0]), Nd4j.scalar(tau), column(batch[1]),
                    lambda));
            assertMatchesTheKernel(batch[0], batch[1], tau, lambda, weighted);
            INDArray[] unweighted = Nd4j.exec(new SuperLossRowsOp(column(batch[0]), Nd4j.scalar(tau), null, lambda));
            assertMatchesTheKernel(batch[0], null, tau, lambda, unweighted);
        }
    }

    /**
     * An unset (NaN) tau stands for the batch's own mean over its usable rows, as FUSED's {@code PreparedBatch}
     * computes it (same sums in the same order: the kernel's bits); a batch without a usable row keeps NaN.
     */
    @Test
    void aNaNTauIsTheBatchMeanOfTheUsableRows() {
        Random r = new Random(5);
        double lambda = 0.75;
        double[][] batch = rows(r, 1000, 1.0, lambda);
        for (double[] weight : new double[][] {batch[1], null}) {
            double[] w = weight == null ? filled(batch[0].length, 1.0) : weight;
            PreparedBatch prepared = new PreparedBatch(batch[0], w);
            double mean = prepared.scoringTau(Double.NaN);
            assertTrue(Double.isFinite(mean), "the batch has usable rows");
            INDArray[] out = Nd4j.exec(new SuperLossRowsOp(column(batch[0]), Nd4j.scalar(Double.NaN),
                    weight == null ? null : column(weight), lambda));
            assertMatchesTheKernel(batch[0], weight, mean, lambda, out);
        }
        double[] unusable = {Double.NaN, 2.0, Double.POSITIVE_INFINITY};
        double[] masked = {1.0, 0.0, 1.0};
        INDArray[] out = Nd4j.exec(new SuperLossRowsOp(column(unusable), Nd4j.scalar(Double.NaN), column(masked),
                lambda));
        assertMatchesTheKernel(unusable, masked, Double.NaN, lambda, out);
    }

    /** loss and weight as strided column views of larger matrices (one 'c', one 'f'), tau as a [1,1] array. */
    @Test
    void stridedColumnsAreRead() {
        double[][] batch = rows(new Random(4), 500, 1.0, 0.5);
        INDArray lossMatrix = Nd4j.rand(DataType.DOUBLE, 500, 3);
        INDArray loss = lossMatrix.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2));
        loss.assign(column(batch[0]));
        INDArray weightMatrix = Nd4j.rand(DataType.DOUBLE, 4, 500).dup('f');
        INDArray weight = weightMatrix.transpose().get(NDArrayIndex.all(), NDArrayIndex.interval(2, 3));
        weight.assign(column(batch[1]));
        assertTrue(loss.isView() && weight.isView(), "views");
        assertArrayEquals(new long[] {3, 1}, loss.stride());
        assertArrayEquals(new long[] {4, 1}, weight.stride());
        INDArray[] out = Nd4j.exec(new SuperLossRowsOp(loss, Nd4j.scalar(1.0).reshape(1, 1), weight, 0.5));
        assertMatchesTheKernel(batch[0], batch[1], 1.0, 0.5, out);
    }

    @Test
    void anEmptyBatchGivesEmptyOutputs() {
        INDArray[] out = Nd4j.exec(new SuperLossRowsOp(Nd4j.create(DataType.DOUBLE, 0, 1), Nd4j.scalar(1.0),
                Nd4j.create(DataType.DOUBLE, 0, 1), 1.0));
        for (INDArray o : out) {
            assertTrue(o.isEmpty());
            assertArrayEquals(new long[] {0, 1}, o.shape());
        }
    }

    /**
     * In a graph: the same values, and calculateGradients gives d sum(superLoss) / d loss = weight times sigma (the
     * slope output), which central differences of the kernel's SuperLoss confirm (envelope theorem: sigma minimises the
     * SuperLoss, so no term through W), and zero for tau and the weights.
     */
    @Test
    void inAGraphTheGradientIsWeightTimesSigma() {
        double tau = 1.2;
        double lambda = 0.8;
        double[] loss = {0.1, 0.9, 1.2, 1.5, 4.0, 30.0, -2.0};
        double[] weight = {1.0, 0.0, 0.5, 1.0, 2.0, 1.0, 1.0};
        SameDiff sd = SameDiff.create();
        SDVariable l = sd.placeHolder("loss", DataType.DOUBLE, -1, 1);
        SDVariable w = sd.placeHolder("weight", DataType.DOUBLE, -1, 1);
        SDVariable t = sd.var("tau", Nd4j.scalar(tau));
        SDVariable[] out = new SuperLossRowsOp(sd, l, t, w, lambda).outputVariables();
        out[0].sum("total").markAsLoss();
        Map<String, INDArray> feed = Map.of("loss", column(loss), "weight", column(weight));
        Map<String, INDArray> values = sd.output(feed, out[0].name(), out[1].name(), out[2].name());
        assertMatchesTheKernel(loss, weight, tau, lambda, new INDArray[] {values.get(out[0].name()),
            values.get(out[1].name()), values.get(out[2].name())});

        sd.createGradFunction("loss", "weight");
        Map<String, INDArray> gradients = sd.calculateGradients(feed, "loss", "tau", "weight");
        double[] slope = values.get(out[2].name()).toDoubleVector();
        assertArrayEquals(slope, gradients.get("loss").toDoubleVector(), 0.0);
        assertEquals(0.0, gradients.get("tau").getDouble(0), 0.0);
        assertArrayEquals(new double[loss.length], gradients.get("weight").toDoubleVector(), 0.0);
        for (int i = 0; i < loss.length; i++) {
            double h = 1e-6;
            double fd = (rowLoss(loss[i] + h, weight[i], tau, lambda) - rowLoss(loss[i] - h, weight[i], tau, lambda))
                    / (2 * h);
            assertEquals(fd, slope[i], 1e-8 * (1 + Math.abs(fd)), "d superLoss / d loss, row " + i);
        }
    }

    private static double rowLoss(double loss, double weight, double tau, double lambda) {
        double[] superLoss = new double[1];
        SuperLossKernel.forward(new double[] {loss}, new double[] {weight}, tau, lambda, superLoss, new double[1]);
        return superLoss[0];
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        INDArray loss = column(new double[] {1, 2, 3});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SuperLossRowsOp(loss, Nd4j.scalar(1.0), null, 0.0));
        assertTrue(e.getMessage().contains("'lambda'") && e.getMessage().contains("0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new SuperLossRowsOp(loss.castTo(DataType.FLOAT), Nd4j.scalar(1.0), null, 1.0));
        assertTrue(e.getMessage().contains("'loss'") && e.getMessage().contains("FLOAT"), e.getMessage());

        assertNativeRefusal("'loss' must have shape [rows,1], got [3]",
                new SuperLossRowsOp(Nd4j.createFromArray(1.0, 2.0, 3.0), Nd4j.scalar(1.0), null, 1.0));
        assertNativeRefusal("'weight' has shape [2,1], 'loss' [3,1]",
                new SuperLossRowsOp(loss, Nd4j.scalar(1.0), column(new double[] {1, 1}), 1.0));
        assertNativeRefusal("'tau' must have exactly one element, got shape [2]",
                new SuperLossRowsOp(loss, Nd4j.createFromArray(1.0, 2.0), null, 1.0));
    }

    /**
     * The output shapes that the op computes in Java for SameDiff are those of the native shape function, for loss
     * columns of several lengths, with and without weights, and for strided columns.
     */
    @Test
    void javaOutputShapesAreTheNativeOnes() {
        for (int rows : new int[] {1, 7, 300}) {
            INDArray loss = column(new double[rows]);
            INDArray weight = column(new double[rows]);
            assertSameShapes(new SuperLossRowsOp(loss, Nd4j.scalar(0.5), null, 1.0), 3);
            assertSameShapes(new SuperLossRowsOp(loss, Nd4j.scalar(0.5), weight, 1.0), 3);
            INDArray strided = Nd4j.create(DataType.DOUBLE, rows, 3).get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2));
            assertSameShapes(new SuperLossRowsOp(strided, Nd4j.scalar(0.5), null, 1.0), 3);
        }
    }

    /** The op's own (Java) output shapes equal libnd4j's shape function's, which ND4J's eager execution uses. */
    static void assertSameShapes(NativeOp op, int outputs) {
        java.util.List<org.nd4j.linalg.api.shape.LongShapeDescriptor> own = op.outputShapesOf(op.inputArguments());
        assertEquals(outputs, own == null ? 0 : own.size(), "the op computes its shapes in Java: " + op.opName());
        assertEquals(Nd4j.getExecutioner().calculateOutputShape(op), op.calculateOutputShape(), op.opName());
    }

    /**
     * In a graph, SameDiff allocates the outputs by the Java shapes, which do not check the weights; the native
     * execution still refuses a weight column of another length, with the reason.
     */
    @Test
    void inAGraphBadInputIsRefusedWithTheReason() {
        SameDiff sd = SameDiff.create();
        SDVariable l = sd.placeHolder("loss", DataType.DOUBLE, -1, 1);
        SDVariable w = sd.placeHolder("weight", DataType.DOUBLE, -1, 1);
        SDVariable[] out = new SuperLossRowsOp(sd, l, sd.var("tau", Nd4j.scalar(1.0)), w, 1.0).outputVariables();
        Map<String, INDArray> feed = Map.of("loss", column(new double[] {1, 2, 3}), "weight", column(new double[] {1, 1}));
        Exception e = assertThrows(Exception.class, () -> sd.output(feed, out[0].name()));
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        assertTrue(all.toString().contains("'weight' has shape [2,1], 'loss' [3,1]"), all::toString);
    }

    /** The native shape check refuses the op; ND4J's exception carries the message somewhere in its causes. */
    static void assertNativeRefusal(String message, org.nd4j.linalg.api.ops.CustomOp op) {
        Exception e = assertThrows(Exception.class, () -> Nd4j.exec(op));
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        assertTrue(all.toString().contains(message), () -> "expected '" + message + "' in: " + all);
    }
}
