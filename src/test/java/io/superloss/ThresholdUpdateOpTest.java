package io.superloss;

import io.superloss.ThresholdUpdateOp.Policy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native op {@link ThresholdUpdateOp} against a reference written here from the rules in its Javadoc, for every
 * policy, with and without warm-up, over sequences of batches with masked rows, NaN and infinite losses, batches with
 * no usable row and empty batches; the state is threaded from one call's outputs to the next call's inputs. Both sum
 * in row order, so the results must be equal bit for bit.
 */
class ThresholdUpdateOpTest {

    @BeforeEach
    void requireNativeOps() {
        NativeOpsTestSupport.assumeNativeOps();
    }

    /** The state (tau, calls, rowWeight, seenWeight). */
    record State(double tau, double calls, double rowWeight, double seenWeight) {
        /** tau (rank 0) and counts [calls, rowWeight, seenWeight]. */
        INDArray[] arrays() {
            return new INDArray[] {Nd4j.scalar(tau), Nd4j.createFromArray(calls, rowWeight, seenWeight)};
        }

        static State of(INDArray[] out) {
            return new State(out[0].getDouble(0), out[1].getDouble(0), out[1].getDouble(1), out[1].getDouble(2));
        }
    }

    /** The update rules, independently of the native code. */
    static State reference(State s, double[] loss, double[] weight, Policy policy, int warmup, double momentum) {
        double sum = 0;
        double total = 0;
        for (int i = 0; i < loss.length; i++) {
            double w = weight == null ? 1.0 : weight[i];
            if (w != 0.0 && !Double.isNaN(loss[i]) && !Double.isInfinite(loss[i])) {
                sum += w * loss[i];
                total += w;
            }
        }
        if (total == 0.0) {
            return s;
        }
        double mean = sum / total;
        boolean warmingUp = s.calls < warmup;
        double tau = s.tau;
        double rowWeight = s.rowWeight;
        if (policy == Policy.EMA) {
            tau = warmingUp || Double.isNaN(tau) || s.calls == warmup ? mean : tau - (1 - momentum) * (tau - mean);
        } else if (policy == Policy.GLOBAL_MEAN) {
            if (warmingUp) {
                tau = mean;
            } else {
                double grown = rowWeight + total;
                tau = rowWeight == 0.0 ? mean : tau + (sum - total * tau) / grown;
                rowWeight = grown;
            }
        }
        return new State(tau, s.calls + 1, rowWeight, s.seenWeight + total);
    }

    private static State update(State s, double[] loss, double[] weight, Policy policy, int warmup, double momentum) {
        INDArray w = weight == null ? null : column(weight);
        INDArray[] state = s.arrays();
        return State.of(Nd4j.exec(new ThresholdUpdateOp(state[0], state[1], column(loss), w, policy, warmup,
                momentum)));
    }

    static INDArray column(double[] values) {
        return values.length == 0 ? Nd4j.create(DataType.DOUBLE, 0, 1)
                : Nd4j.createFromArray(values).reshape(values.length, 1);
    }

    static void assertSameState(State expected, State got, String what) {
        double[] e = {expected.tau, expected.calls, expected.rowWeight, expected.seenWeight};
        double[] g = {got.tau, got.calls, got.rowWeight, got.seenWeight};
        for (int i = 0; i < 4; i++) {
            assertEquals(Double.doubleToLongBits(e[i]), Double.doubleToLongBits(g[i]),
                    what + ": expected " + expected + ", got " + got);
        }
    }

    /**
     * One batch of the sequence: 0-20 rows, of which some masked (weight 0), fractional, NaN or infinite; every
     * fifth batch has no usable row and every seventh is empty.
     */
    static double[][] batch(Random r, int index) {
        int n = index % 7 == 6 ? 0 : 1 + r.nextInt(20);
        double[] loss = new double[n];
        double[] weight = new double[n];
        for (int i = 0; i < n; i++) {
            loss[i] = 3 * r.nextDouble();
            weight[i] = new double[] {0.0, 1.0, 1.0, 0.5, 2.0}[r.nextInt(5)];
            int kind = r.nextInt(10);
            if (kind == 0) {
                loss[i] = Double.NaN;
            } else if (kind == 1) {
                loss[i] = Double.POSITIVE_INFINITY;
            }
            if (index % 5 == 4) {
                weight[i] = i % 2 == 0 ? 0.0 : weight[i];
                loss[i] = i % 2 == 0 ? loss[i] : Double.NaN;
            }
        }
        return new double[][] {loss, weight};
    }

    @Test
    void everyPolicyFollowsTheRulesOverASequenceOfBatches() {
        for (Policy policy : Policy.values()) {
            for (int warmup : new int[] {0, 3}) {
                for (boolean weighted : new boolean[] {true, false}) {
                    Random r = new Random(31 * policy.ordinal() + warmup + (weighted ? 7 : 0));
                    State start = policy == Policy.CONSTANT ? new State(2.3, 0, 0, 0) : new State(Double.NaN, 0, 0, 0);
                    State expected = start;
                    State got = start;
                    for (int call = 0; call < 40; call++) {
                        double[][] b = batch(r, call);
                        double[] weight = weighted ? b[1] : null;
                        expected = reference(expected, b[0], weight, policy, warmup, 0.9);
                        got = update(got, b[0], weight, policy, warmup, 0.9);
                        assertSameState(expected, got, policy + " warm-up " + warmup + (weighted ? " weighted" : "")
                                + " call " + call);
                    }
                    assertTrue(got.calls > 20 && got.calls < 40, "batches without usable rows are not counted: "
                            + got.calls);
                }
            }
        }
    }

    /** Hand-derived values: EMA with momentum 0.9 and no warm-up, then the global mean with one warm-up call. */
    @Test
    void handDerivedSequences() {
        State s = new State(Double.NaN, 0, 0, 0);
        s = update(s, new double[] {1.0, 3.0}, null, Policy.EMA, 0, 0.9);
        assertSameState(new State(2.0, 1, 0, 2), s, "first call: the batch mean");
        s = update(s, new double[] {4.0, Double.NaN}, new double[] {1.0, 1.0}, Policy.EMA, 0, 0.9);
        assertEquals(2.2, s.tau, 1e-15, "2 - 0.1 (2 - 4)");
        assertEquals(2.0, s.calls, 0.0);
        assertEquals(3.0, s.seenWeight, 0.0, "the NaN row is not seen");
        s = update(s, new double[] {9.0}, new double[] {0.0}, Policy.EMA, 0, 0.9);
        assertEquals(2.2, s.tau, 1e-15, "a masked batch changes nothing");
        assertEquals(2.0, s.calls, 0.0);

        State g = new State(Double.NaN, 0, 0, 0);
        g = update(g, new double[] {10.0}, null, Policy.GLOBAL_MEAN, 1, 0.0);
        assertSameState(new State(10.0, 1, 0, 1), g, "warm-up: the batch mean, no rows counted");
        g = update(g, new double[] {1.0, 2.0}, new double[] {1.0, 3.0}, Policy.GLOBAL_MEAN, 1, 0.0);
        assertSameState(new State(7.0 / 4.0, 2, 4, 5), g, "first counted call: its weighted mean (1 + 6) / 4");
        g = update(g, new double[] {4.0}, new double[] {4.0}, Policy.GLOBAL_MEAN, 1, 0.0);
        assertEquals(23.0 / 8.0, g.tau, 1e-15, "(7 + 16) / 8");
        assertEquals(8.0, g.rowWeight, 0.0);

        State c = update(new State(0.7, 5, 0, 1), new double[] {100.0}, null, Policy.CONSTANT, 0, 0.0);
        assertSameState(new State(0.7, 6, 0, 2), c, "constant: only the counters move");
    }

    /**
     * In a SameDiff graph, next to the rows op: the update's outputs equal the eager ones, and calculateGradients
     * (which rebuilds both ops through FlatBuffers) gives d sum(superLoss) / d loss = the rows op's slope: the update,
     * which also reads the loss, adds a zero gradient.
     */
    @Test
    void inAGraphWithTheRowsOpItAddsNoGradient() {
        SameDiff sd = SameDiff.create();
        SDVariable loss = sd.placeHolder("loss", DataType.DOUBLE, -1, 1);
        SDVariable tau = sd.var("tau", Nd4j.scalar(1.0));
        SDVariable counts = sd.var("counts", Nd4j.createFromArray(4.0, 0.0, 4.0));
        SDVariable[] next = new ThresholdUpdateOp(sd, tau, counts, loss, null, Policy.EMA, 2, 0.9).outputVariables();
        SDVariable[] rows = new SuperLossRowsOp(sd, loss, next[0], null, 1.0).outputVariables();
        rows[0].sum("total").markAsLoss();
        double[] values = {0.5, 1.5, 2.5, Double.POSITIVE_INFINITY};
        Map<String, INDArray> feed = new HashMap<>(Map.of("loss", column(values)));

        Map<String, INDArray> out = sd.output(feed, next[0].name(), next[1].name(), rows[2].name());
        State expected = reference(new State(1.0, 4, 0, 4), values, null, Policy.EMA, 2, 0.9);
        assertSameState(expected, State.of(new INDArray[] {out.get(next[0].name()), out.get(next[1].name())}),
                "graph");
        assertEquals(1.0 - 0.1 * (1.0 - 1.5), expected.tau, 1e-15, "EMA after warm-up: 1 - 0.1 (1 - 1.5)");

        sd.createGradFunction("loss");
        INDArray gradient = sd.calculateGradients(feed, "loss").get("loss");
        assertArrayEquals(out.get(rows[2].name()).toDoubleVector(), gradient.toDoubleVector(), 0.0);
    }

    /** The output shapes that the op computes in Java for SameDiff are the native shape function's. */
    @Test
    void javaOutputShapesAreTheNativeOnes() {
        INDArray counts = Nd4j.createFromArray(1.0, 2.0, 3.0);
        for (INDArray tau : new INDArray[] {Nd4j.scalar(0.5), Nd4j.createFromArray(0.5), Nd4j.createFromArray(
            new double[][] {{0.5}})}) {
            for (INDArray weight : new INDArray[] {null, column(new double[] {1, 0})}) {
                SuperLossRowsOpTest.assertSameShapes(new ThresholdUpdateOp(tau, counts, column(new double[] {1, 2}),
                        weight, Policy.EMA, 0, 0.9), 2);
            }
        }
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        INDArray[] state = new State(1, 0, 0, 0).arrays();
        INDArray tau = state[0];
        INDArray counts = state[1];
        INDArray loss = column(new double[] {1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ThresholdUpdateOp(tau, counts, loss, null, Policy.EMA, 0, 1.0));
        assertTrue(e.getMessage().contains("'momentum'") && e.getMessage().contains("1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ThresholdUpdateOp(tau, counts, loss, null, Policy.CONSTANT, -1, 0.0));
        assertTrue(e.getMessage().contains("'warmupIterations'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ThresholdUpdateOp(tau, null, loss, null, Policy.CONSTANT, 0, 0.0));
        assertTrue(e.getMessage().contains("'counts'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ThresholdUpdateOp(tau,
            Nd4j.createFromArray(0f, 0f, 0f), loss, null, Policy.CONSTANT, 0, 0.0));
        assertTrue(e.getMessage().contains("'counts'") && e.getMessage().contains("FLOAT"), e.getMessage());

        SuperLossRowsOpTest.assertNativeRefusal("'tau' must have exactly one element, got shape [2]",
                new ThresholdUpdateOp(Nd4j.createFromArray(0.0, 0.0), counts, loss, null, Policy.CONSTANT, 0, 0.0));
        SuperLossRowsOpTest.assertNativeRefusal("'counts' (calls, rowWeight, seenWeight) must have 3 elements, got "
                + "shape [2]", new ThresholdUpdateOp(tau, Nd4j.createFromArray(0.0, 0.0), loss, null, Policy.CONSTANT,
                0, 0.0));
        SuperLossRowsOpTest.assertNativeRefusal("'weight' has shape [3,1], 'loss' [2,1]",
                new ThresholdUpdateOp(tau, counts, loss, column(new double[] {1, 1, 1}), Policy.CONSTANT, 0, 0.0));
    }
}
