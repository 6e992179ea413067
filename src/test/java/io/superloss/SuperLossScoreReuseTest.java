package io.superloss;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * SuperLoss reuses the wrapped loss's per-row values of a training call for the score call that follows on the same
 * arrays (what DL4J does every iteration). The reference for every score here is a new SuperLoss with the same
 * configuration and state, which has nothing to reuse and computes everything again: reuse must never change a value.
 */
class SuperLossScoreReuseTest {
    private static final IActivation SOFTMAX = new ActivationSoftmax();
    private static final IActivation IDENTITY = new ActivationIdentity();

    private static INDArray oneHot(int rows, int classes) {
        INDArray labels = Nd4j.zeros(DataType.FLOAT, rows, classes);
        for (int r = 0; r < rows; r++) {
            labels.putScalar(r, (r * 7) % classes, 1.0);
        }
        return labels;
    }

    /** A SuperLoss with {@code loss}'s configuration and current state and no remembered rows. */
    private static SuperLoss freshCopy(SuperLoss loss, ILossFunction inner) {
        return new SuperLoss(inner, loss.threshold(), loss.lambda(), loss.warmupIterations(), loss.snapshot());
    }

    @Test
    void scoreAfterTrainingOnEqualArraysIsTheFreshScore() {
        SuperLoss loss = new SuperLoss(new LossMCXENT());
        INDArray labels = oneHot(64, 10);
        Nd4j.getRandom().setSeed(7);
        INDArray preOutput = Nd4j.randn(DataType.FLOAT, 64, 10);
        for (int step = 0; step < 3; step++) { // tau moves at every step: the score must use the new one
            preOutput.addi(0.5);
            loss.computeGradient(labels, preOutput, SOFTMAX, null);
            // New arrays with the same values, as DL4J's output layer passes for the score.
            double score = loss.computeScore(labels.dup(), preOutput.dup(), SOFTMAX, null, false);
            INDArray perRow = loss.computeScoreArray(labels.dup(), preOutput.dup(), SOFTMAX, null);
            SuperLoss fresh = freshCopy(loss, new LossMCXENT());
            assertEquals(fresh.computeScore(labels, preOutput, SOFTMAX, null, false), score, 0.0, "step " + step);
            assertEquals(fresh.computeScoreArray(labels, preOutput, SOFTMAX, null), perRow, "step " + step);
        }
    }

    @Test
    void arraysChangedInPlaceAfterTrainingAreScoredAgain() {
        SuperLoss loss = new SuperLoss(new LossMCXENT());
        INDArray labels = oneHot(16, 4);
        float[] values = new float[64];
        for (int i = 0; i < values.length; i++) {
            values[i] = -2f + i / 16f;
        }
        INDArray preOutput = Nd4j.create(values, new long[] {16, 4}, DataType.FLOAT);
        loss.computeGradient(labels, preOutput, SOFTMAX, null);
        double before = loss.computeScore(labels, preOutput, SOFTMAX, null, false);
        preOutput.putScalar(5, 1, preOutput.getFloat(5, 1) + 3f);
        double after = loss.computeScore(labels, preOutput, SOFTMAX, null, false);
        assertNotEquals(before, after);
        assertEquals(freshCopy(loss, new LossMCXENT()).computeScore(labels, preOutput, SOFTMAX, null, false), after,
                0.0);
    }

    @Test
    void maskedBatchesAreReusedOnlyWithTheSameMask() {
        SuperLoss loss = new SuperLoss(new LossMSE());
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 4, 1);
        INDArray preOutput = Nd4j.createFromArray(1.0, 2.0, 3.0, 4.0).reshape(4, 1);
        INDArray mask = Nd4j.createFromArray(1.0, 0.0, 1.0, 0.5).reshape(4, 1);
        loss.computeGradient(labels, preOutput, IDENTITY, mask);
        INDArray otherMask = Nd4j.createFromArray(1.0, 1.0, 0.0, 0.5).reshape(4, 1);
        SuperLoss fresh = freshCopy(loss, new LossMSE());
        assertEquals(fresh.computeScoreArray(labels, preOutput, IDENTITY, otherMask),
                loss.computeScoreArray(labels, preOutput, IDENTITY, otherMask));
        assertEquals(fresh.computeScoreArray(labels, preOutput, IDENTITY, mask),
                loss.computeScoreArray(labels, preOutput, IDENTITY, mask));
    }

    /**
     * A wrapped SuperLoss has state that the training call moves after the per-row values were computed, so reusing
     * them would score with the inner threshold of before the step: they are computed again.
     */
    @Test
    void aWrappedSuperLossIsScoredAgain() {
        SuperLoss inner = new SuperLoss(new LossMSE());
        SuperLoss outer = new SuperLoss(inner);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 3, 1);
        INDArray preOutput = Nd4j.createFromArray(0.5, 2.0, 1.0).reshape(3, 1);
        outer.computeGradient(labels, preOutput, IDENTITY, null);
        inner.computeGradient(labels, Nd4j.createFromArray(3.0, 0.1, 1.0).reshape(3, 1), IDENTITY, null);
        SuperLoss innerBefore = new SuperLoss(new LossMSE());
        innerBefore.computeGradient(labels, preOutput, IDENTITY, null); // the inner state the values were made with
        double stale = freshCopy(outer, innerBefore).computeScore(labels, preOutput, IDENTITY, null, false);

        double score = outer.computeScore(labels.dup(), preOutput.dup(), IDENTITY, null, false);
        double expected = freshCopy(outer, freshCopy(inner, new LossMSE()))
                .computeScore(labels, preOutput, IDENTITY, null, false);
        assertEquals(expected, score, 0.0);
        assertNotEquals(stale, expected, "the test needs the inner threshold to have moved");
    }
}
