package io.superloss;

import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;


import static io.superloss.TestUtils.column;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training-call contract of SuperLoss: when tau moves, what scoring reads, the gradient, state access and
 * configuration errors. Masks and shapes: {@link SuperLossShapeTest}; non-finite rows and batches without usable rows:
 * {@link SuperLossNonFiniteTest}; threads: {@link SuperLossConcurrencyTest}.
 */
class SuperLossSemanticsTest {
    private static final ActivationIdentity IDENTITY = new ActivationIdentity();

    /** Rows with MSE base losses equal to the squares of {@code v} (one output, zero labels). */
    private static INDArray pre(double... v) {
        return column(v);
    }

    private static INDArray zeros(int rows) {
        return Nd4j.zeros(DataType.DOUBLE, rows, 1);
    }

    @Test
    void emaAdvancesOnlyOnTrainingCalls() {
        SuperLoss loss = new SuperLoss(new LossMSE());
        INDArray p = pre(1, 2, 3);
        loss.computeScore(zeros(3), p, IDENTITY, null, false);
        loss.computeScoreArray(zeros(3), p, IDENTITY, null);
        loss.confidence(zeros(3), p, IDENTITY, null);
        assertTrue(Double.isNaN(loss.tau()), "scoring calls must not initialise tau");
        loss.computeGradient(zeros(3), p, IDENTITY, null);
        assertEquals((1 + 4 + 9) / 3.0, loss.tau(), 1e-15);
        for (int i = 0; i < 3; i++) {
            loss.computeScore(zeros(3), pre(10, 10, 10), IDENTITY, null, true);
        }
        assertEquals((1 + 4 + 9) / 3.0, loss.tau(), 1e-15);
        loss.computeGradient(zeros(1), pre(2), IDENTITY, null);
        assertEquals(0.9 * 14 / 3.0 + 0.1 * 4, loss.tau(), 1e-14);
    }

    @Test
    void computeGradientAndScoreUpdatesOnceThenScoresWithTheNewThreshold() {
        SuperLoss a = new SuperLoss(new LossMSE());
        SuperLoss b = new SuperLoss(new LossMSE());
        INDArray p1 = pre(0.5, 1, 4);
        INDArray p2 = pre(3, 0.1, 2, 1);
        a.computeGradient(zeros(3), p1, IDENTITY, null);
        b.computeGradient(zeros(3), p1, IDENTITY, null);

        Pair<Double, INDArray> both = a.computeGradientAndScore(zeros(4), p2, IDENTITY, null, true);
        INDArray gradient = b.computeGradient(zeros(4), p2, IDENTITY, null);
        double score = b.computeScore(zeros(4), p2, IDENTITY, null, true);
        assertEquals(b.tau(), a.tau(), 0.0, "exactly one update");
        assertEquals(score, both.getFirst(), 0.0, "score computed after the update");
        assertEquals(gradient, both.getSecond());
    }

    @Test
    void gradientRowsAreSigmaTimesInnerGradientRows() {
        INDArray labels = Nd4j.createFromArray(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 0, 0}});
        INDArray preOut = Nd4j.createFromArray(new double[][] {{2, 0, -1}, {0.1, 0.2, 0.3}, {3, -2, 0}, {-1, 4, 0}});
        LossMCXENT inner = new LossMCXENT();
        SuperLoss loss = SuperLoss.builder(inner).threshold(Threshold.constant(1.0)).build();
        INDArray grad = loss.computeGradient(labels, preOut, new ActivationSoftmax(), null);
        INDArray innerGrad = inner.computeGradient(labels, preOut, new ActivationSoftmax(), null);
        double[] sigma = loss.lastConfidence().toDoubleVector();
        for (int i = 0; i < 4; i++) {
            assertTrue(sigma[i] > 0 && sigma[i] <= Math.E);
            for (int j = 0; j < 3; j++) {
                assertEquals(sigma[i] * innerGrad.getDouble(i, j), grad.getDouble(i, j), 1e-15);
            }
        }
    }

    @Test
    void lastConfidenceIsDetachedFromWorkspaces() {
        SuperLoss loss = SuperLoss.builder(new LossMSE()).threshold(Threshold.constant(2.0)).build();
        assertNull(loss.lastConfidence());
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(10_000_000).build();
        double[] inside;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "SUPERLOSS_TEST_WS")) {
            INDArray p = Nd4j.createFromArray(new double[] {0.5, 1, 2, 4}).reshape(4, 1);
            loss.computeGradient(Nd4j.zeros(DataType.DOUBLE, 4, 1), p, IDENTITY, null);
            inside = loss.lastConfidence().toDoubleVector();
        }
        INDArray after = loss.lastConfidence();
        assertTrue(!after.isAttached(), "lastConfidence must not live in a workspace");
        assertArrayEquals(inside, after.toDoubleVector(), 0.0);
        assertEquals(4, after.size(0));
        assertEquals(1, after.size(1));
        loss.resetState();
        assertNull(loss.lastConfidence());
        assertEquals(2.0, loss.tau(), "resetState keeps the constant");
    }

    @Test
    void resetStateReturnsToUntrained() {
        SuperLoss loss = SuperLoss.builder(new LossMSE()).threshold(Threshold.globalMean()).build();
        loss.computeGradient(zeros(2), pre(1, 2), IDENTITY, null);
        assertTrue(Double.isFinite(loss.tau()));
        loss.resetState();
        assertTrue(Double.isNaN(loss.tau()));
        loss.computeGradient(zeros(2), pre(3, 3), IDENTITY, null);
        assertEquals(9.0, loss.tau(), 0.0, "no memory of the rows before the reset");
    }

    @Test
    void confidenceChangesNoStateAndHasThePreOutputType() {
        SuperLoss loss = new SuperLoss(new LossMSE());
        INDArray p = pre(1, 2, 3).castTo(DataType.FLOAT);
        INDArray c = loss.confidence(zeros(3).castTo(DataType.FLOAT), p, IDENTITY, column(1, 1, 0));
        assertEquals(DataType.FLOAT, c.dataType());
        assertArrayEquals(new long[] {3, 1}, c.shape());
        assertTrue(Double.isNaN(c.getDouble(2, 0)));
        assertTrue(c.getDouble(0, 0) > 1 && c.getDouble(1, 0) < 1, "easy row trusted more than the hard one");
        assertTrue(Double.isNaN(loss.tau()));
        assertNull(loss.lastConfidence());
    }

    @Test
    void badConfigurationNamesTheParameter() {
        assertMessage(() -> new SuperLoss(null), "inner");
        assertMessage(() -> SuperLoss.builder(new LossMSE()).lambda(0).build(), "lambda", "0.0");
        assertMessage(() -> SuperLoss.builder(new LossMSE()).lambda(-1).build(), "lambda", "-1.0");
        assertMessage(() -> SuperLoss.builder(new LossMSE()).lambda(Double.NaN).build(), "lambda", "NaN");
        assertMessage(() -> SuperLoss.builder(new LossMSE()).lambda(Double.POSITIVE_INFINITY).build(), "lambda");
        assertMessage(() -> SuperLoss.builder(new LossMSE()).warmupIterations(-2).build(), "warmupIterations", "-2");
        assertMessage(() -> SuperLoss.builder(new LossMSE()).threshold(null).build(), "threshold");
        assertMessage(() -> Threshold.ema(0), "momentum", "0.0");
        assertMessage(() -> Threshold.ema(1), "momentum", "1.0");
        assertMessage(() -> Threshold.ema(Double.NaN), "momentum", "NaN");
        assertMessage(() -> Threshold.constant(Double.NaN), "tau", "NaN");
        assertMessage(() -> Threshold.constant(Double.NEGATIVE_INFINITY), "tau", "Infinity");
    }

    @Test
    void defineLossOfAPlainWrappedLossNamesIt() {
        SuperLoss loss = new SuperLoss(new LossMSE());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> loss.defineLoss(org.nd4j.autodiff.samediff.SameDiff.create(), null, null));
        assertTrue(e.getMessage().contains("SameDiff") && e.getMessage().contains("LossMSE"), e.getMessage());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should mention " + p);
        }
    }
}
