package io.superloss;

import io.superloss.ThresholdUpdateOp.Policy;
import io.superloss.ThresholdUpdateOpTest.State;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.File;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static io.superloss.ThresholdUpdateOpTest.assertSameState;
import static io.superloss.ThresholdUpdateOpTest.column;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native op {@link TrainingRowsOp} against its definition: {@link ThresholdUpdateOp}, then {@link SuperLossRowsOp}
 * at the new threshold (both tested against independent references in their own tests). Same native code paths in the
 * same order, so every output must be equal bit for bit, NaNs included.
 */
class TrainingRowsOpTest {

    @BeforeEach
    void requireNativeOps() {
        NativeOpsTestSupport.assumeNativeOps();
    }

    /**
     * Every policy, with and without warm-up and weights, over a sequence of batches with masked, fractional, NaN and
     * infinite rows, batches without a usable row and empty batches, starting untrained (NaN tau); the state is
     * threaded from one call's outputs to the next. Every third batch reads its loss through a strided view.
     */
    @Test
    void equalsTheUpdateThenTheRowsBitForBit() {
        for (Policy policy : Policy.values()) {
            for (int warmup : new int[] {0, 2}) {
                for (boolean weighted : new boolean[] {true, false}) {
                    Random r = new Random(policy.ordinal() * 10 + warmup);
                    State state = new State(policy == Policy.CONSTANT ? 0.8 : Double.NaN, 0, 0, 0);
                    for (int i = 0; i < 25; i++) {
                        double[][] b = ThresholdUpdateOpTest.batch(r, i);
                        INDArray loss = i % 3 == 1 ? strided(b[0]) : column(b[0]);
                        INDArray weight = weighted ? column(b[1]) : null;
                        String at = policy + " warm-up " + warmup + (weighted ? " weighted" : "") + ", batch " + i;
                        state = assertEqualsTwoOps(state, loss, weight, policy, warmup, 0.9, 0.7, at);
                    }
                }
            }
        }
    }

    /** Runs both forms from {@code state} and compares them; returns the new state. */
    private static State assertEqualsTwoOps(State state, INDArray loss, INDArray weight, Policy policy, int warmup,
                                            double momentum, double lambda, String at) {
        INDArray[] s = state.arrays();
        INDArray[] fused = Nd4j.exec(new TrainingRowsOp(s[0], s[1], loss, weight, policy, warmup, momentum, lambda));
        INDArray[] next = Nd4j.exec(new ThresholdUpdateOp(s[0], s[1], loss, weight, policy, warmup, momentum));
        INDArray[] rows = Nd4j.exec(new SuperLossRowsOp(loss, next[0], weight, lambda));
        assertEquals(4, fused.length, at);
        State expected = State.of(next);
        assertSameState(expected, State.of(new INDArray[] {fused[0], fused[1]}), at + ": state");
        assertArrayEquals(next[0].shape(), fused[0].shape(), at + ": tau shape");
        assertArrayEquals(rows[0].shape(), fused[2].shape(), at + ": rows shape");
        assertArrayEquals(bits(rows[0]), bits(fused[2]), at + ": superLoss");
        assertArrayEquals(bits(rows[1]), bits(fused[3]), at + ": sigma");
        return expected;
    }

    private static long[] bits(INDArray column) {
        double[] values = column.length() == 0 ? new double[0] : column.toDoubleVector();
        long[] bits = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Double.doubleToLongBits(values[i]);
        }
        return bits;
    }

    /** The values as column 1 of a [n,3] matrix: a view with row stride 3. */
    private static INDArray strided(double[] values) {
        if (values.length == 0) {
            return column(values);
        }
        INDArray matrix = Nd4j.zeros(DataType.DOUBLE, values.length, 3);
        INDArray view = matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2));
        view.assign(column(values));
        return view;
    }

    /**
     * A hand-derived call: EMA (momentum 0.5) from tau 1 after warm-up, rows (0.5, weight 1) and (3, weight 0):
     * the mean over usable rows is 0.5, tau becomes 1 - 0.5 (1 - 0.5) = 0.75; the first row's beta is
     * (0.5 - 0.75) / 1 = -0.25, so sigma = exp(-W0(-0.125)); the masked row gives SuperLoss 0 and sigma NaN.
     */
    @Test
    void handDerivedCall() {
        INDArray[] out = Nd4j.exec(new TrainingRowsOp(Nd4j.scalar(1.0), Nd4j.createFromArray(3.0, 0.0, 6.0),
                column(new double[] {0.5, 3.0}), column(new double[] {1.0, 0.0}), Policy.EMA, 1, 0.5, 1.0));
        assertEquals(0.75, out[0].getDouble(0), 0.0);
        assertArrayEquals(new double[] {4.0, 0.0, 7.0}, out[1].toDoubleVector(), 0.0);
        double w = LambertW.w0(-0.125);
        assertEquals(Math.exp(-w), out[3].getDouble(0), 2 * Math.ulp(Math.exp(-w)));
        assertEquals(-0.25 * Math.exp(-w) + w * w, out[2].getDouble(0), 1e-15);
        assertEquals(0.0, out[2].getDouble(1), 0.0);
        assertTrue(Double.isNaN(out[3].getDouble(1)));
    }

    @Test
    void javaOutputShapesAreTheNativeOnes() {
        INDArray counts = Nd4j.createFromArray(1.0, 2.0, 3.0);
        for (INDArray tau : new INDArray[] {Nd4j.scalar(0.5), Nd4j.createFromArray(0.5)}) {
            for (INDArray weight : new INDArray[] {null, column(new double[] {1, 0, 2})}) {
                SuperLossRowsOpTest.assertSameShapes(new TrainingRowsOp(tau, counts, column(new double[] {1, 2, 3}),
                        weight, Policy.GLOBAL_MEAN, 0, 0.0, 1.0), 4);
            }
        }
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        INDArray[] state = new State(1, 0, 0, 0).arrays();
        INDArray loss = column(new double[] {1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingRowsOp(state[0], state[1], loss, null, Policy.EMA, 0, 0.9, Double.NaN));
        assertTrue(e.getMessage().contains(TrainingRowsOp.OP_NAME) && e.getMessage().contains("'lambda'"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingRowsOp(state[0], state[1], loss, null, Policy.EMA, 0, 1.5, 1.0));
        assertTrue(e.getMessage().contains(TrainingRowsOp.OP_NAME) && e.getMessage().contains("'momentum'"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingRowsOp(state[0], state[1], loss.castTo(DataType.FLOAT), null, Policy.EMA, 0, 0.9,
                        1.0));
        assertTrue(e.getMessage().contains("'loss'") && e.getMessage().contains("FLOAT"), e.getMessage());

        SuperLossRowsOpTest.assertNativeRefusal(TrainingRowsOp.OP_NAME + ": 'weight' has shape [3,1], 'loss' [2,1]",
                new TrainingRowsOp(state[0], state[1], loss, column(new double[] {1, 1, 1}), Policy.EMA, 0, 0.9, 1.0));
        SuperLossRowsOpTest.assertNativeRefusal(TrainingRowsOp.OP_NAME + ": 'counts' (calls, rowWeight, seenWeight) "
                + "must have 3 elements, got shape [2]", new TrainingRowsOp(state[0], Nd4j.createFromArray(0.0, 0.0),
                loss, null, Policy.EMA, 0, 0.9, 1.0));
    }

    /** sd.save / SameDiff.load keep the op (its class and arguments): the loaded graph gives the same outputs. */
    @Test
    void aGraphHoldingTheOpIsSavedAndLoaded(@TempDir File dir) throws Exception {
        SameDiff sd = SameDiff.create();
        SDVariable loss = sd.placeHolder("loss", DataType.DOUBLE, -1, 1);
        SDVariable weight = sd.placeHolder("weight", DataType.DOUBLE, -1, 1);
        SDVariable[] out = new TrainingRowsOp(sd, sd.var("tau", Nd4j.scalar(0.4)),
                sd.var("counts", Nd4j.createFromArray(5.0, 0.0, 9.0)), loss, weight, Policy.EMA, 2, 0.8, 0.3)
                .outputVariables();
        String[] names = new String[4];
        for (int i = 0; i < 4; i++) {
            names[i] = sd.identity("out" + i, out[i]).name();
        }
        Map<String, INDArray> feed = Map.of("loss", column(new double[] {0.1, 2.0, 0.7}),
                "weight", column(new double[] {1.0, 0.5, 0.0}));
        Map<String, INDArray> expected = sd.output(feed, names);
        File file = new File(dir, "training-rows.fb");
        sd.save(file, false);
        Map<String, INDArray> loaded = SameDiff.load(file, false).output(feed, names);
        for (String name : names) {
            assertArrayEquals(bits(expected.get(name).reshape(-1, 1)), bits(loaded.get(name).reshape(-1, 1)), name);
        }
    }

    /** In a graph the op runs like the eager one, and a gradient through it is refused with the reason. */
    @Test
    void inAGraphItRunsAndRefusesGradients() {
        SameDiff sd = SameDiff.create();
        SDVariable loss = sd.placeHolder("loss", DataType.DOUBLE, -1, 1);
        SDVariable tau = sd.var("tau", Nd4j.scalar(Double.NaN));
        SDVariable counts = sd.var("counts", Nd4j.createFromArray(0.0, 0.0, 0.0));
        SDVariable[] out = new TrainingRowsOp(sd, tau, counts, loss, null, Policy.GLOBAL_MEAN, 0, 0.0, 0.5)
                .outputVariables();
        out[2].sum("total").markAsLoss();
        double[] values = {0.5, 1.5, Double.NaN};
        Map<String, INDArray> feed = new HashMap<>(Map.of("loss", column(values)));
        Map<String, INDArray> got = sd.output(feed, out[0].name(), out[2].name(), out[3].name());
        INDArray[] eager = Nd4j.exec(new TrainingRowsOp(Nd4j.scalar(Double.NaN), Nd4j.createFromArray(0.0, 0.0, 0.0),
                column(values), null, Policy.GLOBAL_MEAN, 0, 0.0, 0.5));
        assertEquals(1.0, got.get(out[0].name()).getDouble(0), 0.0, "global mean of the finite rows");
        assertArrayEquals(bits(eager[2]), bits(got.get(out[2].name())));
        assertArrayEquals(bits(eager[3]), bits(got.get(out[3].name())));

        Exception e = assertThrows(Exception.class, () -> sd.calculateGradients(feed, "loss"));
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        assertTrue(all.toString().contains(TrainingRowsOp.OP_NAME + " has no gradient"), all::toString);
    }
}
