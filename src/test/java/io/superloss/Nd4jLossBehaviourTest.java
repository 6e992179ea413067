package io.superloss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossFMeasure;
import org.nd4j.linalg.lossfunctions.impl.LossHinge;
import org.nd4j.linalg.lossfunctions.impl.LossKLD;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMAE;
import org.nd4j.linalg.lossfunctions.impl.LossMAPE;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossMSLE;
import org.nd4j.linalg.lossfunctions.impl.LossPoisson;
import org.nd4j.linalg.lossfunctions.impl.LossSquaredHinge;
import org.nd4j.linalg.lossfunctions.impl.LossWasserstein;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Pins the behaviours of ND4J 1.0.0-M2.1's losses that {@link PerExampleLoss} and {@link BatchShape} compensate for or
 * refuse. Every test here asserts the ND4J behaviour itself, against values derived by hand: when a later ND4J release
 * changes it, the test fails, and the compensation it names can be removed knowingly (then delete the test).
 *
 * <p>Tolerances: the hand-derived values use the same double operations up to ordering, so they agree to a few ulp
 * (1e-14 relative); the differences pinned are factors of 2 to 3 or whole terms.
 */
@ExtendWith(DoublePrecision.class)
class Nd4jLossBehaviourTest {
    private static final IActivation IDENTITY = new ActivationIdentity();
    private static final IActivation SOFTMAX = new ActivationSoftmax();
    private static INDArray matrix(double[]... rows) {
        return Nd4j.createFromArray(rows);
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-14 * Math.max(1.0, Math.abs(expected)), what);
    }

    /** Compensated by PerExampleLoss (LossMAE): its values are the score array divided by nOut. */
    @Test
    void lossMaeScoreArrayHoldsRowSumsWhileItsScoreAndGradientUseRowMeans() {
        INDArray labels = matrix(new double[] {0.2, -0.4, 0.9}, new double[] {1.0, 0.0, -1.0});
        INDArray pre = matrix(new double[] {0.5, 0.1, 0.3}, new double[] {0.0, 0.5, 0.0});
        double[] rowSums = {0.3 + 0.5 + 0.6, 1.0 + 0.5 + 1.0};
        LossMAE mae = new LossMAE();
        INDArray scores = mae.computeScoreArray(labels, pre.dup(), IDENTITY, null);
        assertClose(rowSums[0], scores.getDouble(0, 0), "row 0 of the score array: the sum, not the mean");
        assertClose(rowSums[1], scores.getDouble(1, 0), "row 1 of the score array: the sum, not the mean");
        assertClose((rowSums[0] + rowSums[1]) / 3, mae.computeScore(labels, pre.dup(), IDENTITY, null, false),
                "computeScore: the sum of the row means");
        INDArray gradient = mae.computeGradient(labels, pre.dup(), IDENTITY, null);
        double[][] sign = {{1, 1, -1}, {-1, 1, 1}};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                assertClose(sign[i][j] / 3, gradient.getDouble(i, j), "gradient: of the row mean");
            }
        }
    }

    /**
     * Compensated by PerExampleLoss (LossBinaryXENT with softmax): its values are the general branch's score on the
     * softmax outputs.
     */
    @Test
    void lossBinaryXentUnderSoftmaxScoresOnlyTheLabelTermButDifferentiatesBothTerms() {
        double[] z = {0.3, -1.2, 0.8};
        double[] y = {1, 0, 1};
        double[] p = softmax(z);
        LossBinaryXENT xent = new LossBinaryXENT(0.0);
        double score = xent.computeScoreArray(matrix(y), matrix(z), SOFTMAX, null).getDouble(0, 0);
        double labelTerm = -(y[0] * Math.log(p[0]) + y[1] * Math.log(p[1]) + y[2] * Math.log(p[2]));
        assertClose(labelTerm, score, "score: -sum y ln p only");
        // The gradient: dL/dp of -sum y ln p + (1 - y) ln(1 - p), through the softmax's Jacobian.
        double[] dLdp = new double[3];
        for (int j = 0; j < 3; j++) {
            dLdp[j] = (p[j] - y[j]) / (p[j] * (1 - p[j]));
        }
        double[] expected = softmaxBackprop(p, dLdp);
        INDArray gradient = xent.computeGradient(matrix(y), matrix(z), SOFTMAX, null);
        for (int j = 0; j < 3; j++) {
            assertClose(expected[j], gradient.getDouble(0, j), "gradient of the full binary cross-entropy, " + j);
        }
    }

    /** Refused by PerExampleLoss: LossBinaryXENT with weights and softmax. */
    @Test
    void lossBinaryXentUnderSoftmaxAppliesItsWeightsAfterTheSoftmaxDerivative() {
        double[] z = {0.3, -1.2, 0.8};
        double[] y = {1, 0, 1};
        double[] w = {0.5, 1.0, 2.0};
        INDArray unweighted = new LossBinaryXENT(0.0).computeGradient(matrix(y), matrix(z), SOFTMAX, null);
        INDArray weighted = new LossBinaryXENT(0.0, matrix(w)).computeGradient(matrix(y), matrix(z), SOFTMAX, null);
        for (int j = 0; j < 3; j++) {
            assertClose(w[j] * unweighted.getDouble(0, j), weighted.getDouble(0, j),
                    "weights times the gradient, " + j);
        }
    }

    /**
     * Compensated by PerExampleLoss applying per-row masks itself: with one output, ND4J's elementwise losses take a
     * [rows,1] mask for a per-output one and weight the score by its value m but the gradient by m^2 (LossSquaredHinge,
     * which masks before squaring: m^2 and m^3).
     */
    @Test
    void elementwiseLossesWeighAOneOutputMaskOnceInTheScoreAndTwiceInTheGradient() {
        INDArray labels = matrix(new double[] {0.25}, new double[] {0.75});
        INDArray pre = matrix(new double[] {-0.4}, new double[] {0.9});
        INDArray mask = matrix(new double[] {2.0}, new double[] {3.0});
        assertWeighsMaskOnceInScoreTwiceInGradient(labels, pre, mask);
    }

    /** Refused by BatchShape: per-output mask values other than 0 and 1 (weighed as in the test above). */
    @Test
    void elementwiseLossesWeighAPerOutputMaskOnceInTheScoreAndTwiceInTheGradient() {
        INDArray labels = matrix(new double[] {0.25, 0.5}, new double[] {0.75, 0.1});
        INDArray pre = matrix(new double[] {-0.4, 0.2}, new double[] {0.9, -0.3});
        INDArray mask = matrix(new double[] {0.5, 2.0}, new double[] {3.0, 0.25});
        assertWeighsMaskOnceInScoreTwiceInGradient(labels, pre, mask);
    }

    private static void assertWeighsMaskOnceInScoreTwiceInGradient(INDArray labels, INDArray pre, INDArray mask) {
        // Labels and outputs in (0, 1) (sigmoid) suit every one of these losses; LossMAPE and LossMSLE need y > -1.
        List<ILossFunction> losses = List.of(new LossL1(), new LossL2(), new LossMSE(), new LossMAE(), new LossMAPE(),
                new LossMSLE(), new LossHinge(), new LossSquaredHinge(), new LossKLD(), new LossPoisson(),
                new LossBinaryXENT(0.0));
        IActivation sigmoid = new ActivationSigmoid();
        for (ILossFunction loss : losses) {
            INDArray score = loss.computeScoreArray(labels, pre.dup(), sigmoid, null);
            INDArray maskedScore = loss.computeScoreArray(labels, pre.dup(), sigmoid, mask);
            INDArray gradient = loss.computeGradient(labels, pre.dup(), sigmoid, null);
            INDArray maskedGradient = loss.computeGradient(labels, pre.dup(), sigmoid, mask);
            // The powers of the mask value in the score and in the gradient.
            int scorePower = loss instanceof LossSquaredHinge ? 2 : 1;
            int gradientPower = scorePower + 1;
            for (int i = 0; i < labels.rows(); i++) {
                if (mask.columns() == 1) {
                    double m = mask.getDouble(i, 0);
                    assertClose(Math.pow(m, scorePower) * score.getDouble(i, 0), maskedScore.getDouble(i, 0),
                            loss + " score, row " + i);
                }
                for (int j = 0; j < labels.columns(); j++) {
                    double m = mask.getDouble(i, mask.columns() == 1 ? 0 : j);
                    assertClose(Math.pow(m, gradientPower) * gradient.getDouble(i, j), maskedGradient.getDouble(i, j),
                            loss + " gradient (" + i + ", " + j + ")");
                }
            }
        }
    }

    /** Compensated by PerExampleLoss (LossWasserstein): its gradient call gets a masked copy of the labels. */
    @Test
    void lossWassersteinMasksTheCallersLabelsInPlaceInsteadOfTheGradient() {
        double[] z = {0.3, -1.2, 0.8};
        double[] y = {0.5, -1.0, 0.25};
        double[] m = {1, 0, 1};
        INDArray labels = matrix(y);
        INDArray gradient = new LossWasserstein().computeGradient(labels, matrix(z), SOFTMAX, matrix(m));
        for (int j = 0; j < 3; j++) {
            assertEquals(m[j] * y[j], labels.getDouble(0, j), 0.0, "the caller's labels were masked in place, " + j);
        }
        // The gradient: the unmasked dL/dp = y / nOut through the softmax, masked afterwards; the masked score's
        // derivative would take the masked labels through the softmax.
        double[] p = softmax(z);
        double[] dLdp = {y[0] / 3, y[1] / 3, y[2] / 3};
        double[] unmaskedThroughSoftmax = softmaxBackprop(p, dLdp);
        for (int j = 0; j < 3; j++) {
            assertClose(m[j] * unmaskedThroughSoftmax[j], gradient.getDouble(0, j), "gradient, " + j);
        }
    }

    /** Refused by PerExampleLoss when it is built: LossFMeasure has no per-example values. */
    @Test
    void lossFMeasureHasNoScoreArray() {
        INDArray labels = matrix(new double[] {1}, new double[] {0});
        INDArray pre = matrix(new double[] {0.3}, new double[] {-0.2});
        assertThrows(UnsupportedOperationException.class,
                () -> new LossFMeasure().computeScoreArray(labels, pre, new ActivationTanH(), null));
    }

    private static double[] softmax(double[] z) {
        double max = Math.max(z[0], Math.max(z[1], z[2]));
        double[] p = new double[z.length];
        double sum = 0;
        for (int j = 0; j < z.length; j++) {
            p[j] = Math.exp(z[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < z.length; j++) {
            p[j] /= sum;
        }
        return p;
    }

    /** dL/dz_k = p_k (g_k - sum_j g_j p_j) for the softmax p of z and g = dL/dp. */
    private static double[] softmaxBackprop(double[] p, double[] g) {
        double dot = 0;
        for (int j = 0; j < p.length; j++) {
            dot += g[j] * p[j];
        }
        double[] out = new double[p.length];
        for (int k = 0; k < p.length; k++) {
            out[k] = p[k] * (g[k] - dot);
        }
        return out;
    }
}
