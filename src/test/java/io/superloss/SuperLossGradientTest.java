package io.superloss;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMAE;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The analytic gradient (sigma times the wrapped loss's gradient, row by row) against central finite differences of
 * the score, in double precision with a constant threshold and per-row masks with 0/1 and fractional weights; with
 * wrapped losses whose ND4J per-example values need {@link PerExampleLoss}'s compensations (LossMAE, LossBinaryXENT
 * under softmax, a one-output loss whose [rows,1] mask ND4J applies twice to the gradient).
 */
class SuperLossGradientTest {
    enum Case {
        MCXENT_SOFTMAX(new LossMCXENT(0.0, null), new ActivationSoftmax(), 4),
        MSE_IDENTITY(new LossMSE(), new ActivationIdentity(), 4),
        MSE_ONE_OUTPUT(new LossMSE(), new ActivationIdentity(), 1),
        MAE_IDENTITY(new LossMAE(), new ActivationIdentity(), 4),
        BINARY_XENT_SIGMOID(new LossBinaryXENT(0.0), new ActivationSigmoid(), 4),
        BINARY_XENT_SOFTMAX(new LossBinaryXENT(0.0), new ActivationSoftmax(), 4);

        final ILossFunction inner;
        final IActivation activation;
        final int cols;

        Case(ILossFunction inner, IActivation activation, int cols) {
            this.inner = inner;
            this.activation = activation;
            this.cols = cols;
        }

        INDArray labels(Random r, int rows, int cols) {
            double[][] y = new double[rows][cols];
            for (int i = 0; i < rows; i++) {
                if (this == MCXENT_SOFTMAX || this == BINARY_XENT_SOFTMAX) {
                    y[i][r.nextInt(cols)] = 1.0;
                } else {
                    for (int j = 0; j < cols; j++) {
                        y[i][j] = this == BINARY_XENT_SIGMOID ? r.nextDouble() : r.nextGaussian();
                    }
                }
            }
            return Nd4j.createFromArray(y);
        }

        /**
         * The base loss of one row (labels and pre-output [1, cols]): the wrapped loss's score of the row alone, for
         * binary cross-entropy under softmax the full binary cross-entropy of the softmax outputs (ND4J's score keeps
         * only its label term).
         */
        double baseLoss(INDArray y, INDArray z) {
            if (this == BINARY_XENT_SOFTMAX) {
                INDArray p = activation.getActivation(z.dup(), false);
                return inner.computeScore(y, p, new ActivationIdentity(), null, false);
            }
            return inner.computeScore(y, z.dup(), activation, null, false);
        }
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void gradientEqualsFiniteDifferenceOfScore(Case c) {
        Random r = new Random(c.ordinal() + 3);
        int rows = 8;
        int cols = c.cols;
        double[][] p = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                p[i][j] = 2.5 * r.nextGaussian();
            }
        }
        INDArray preOut = Nd4j.createFromArray(p);
        INDArray labels = c.labels(r, rows, cols);
        INDArray mask = Nd4j.createFromArray(new double[] {1, 2.5, 0, 1, 0.5, 1, 0, 1}).reshape(rows, 1);

        // Put tau near the median base loss so that rows fall on both sides, and a small lambda so that rows
        // far below tau are clamped (beta < -2/e).
        double[] base = new double[rows];
        for (int i = 0; i < rows; i++) {
            base[i] = c.baseLoss(labels.getRow(i, true), preOut.getRow(i, true));
        }
        double[] sorted = base.clone();
        java.util.Arrays.sort(sorted);
        double tau = sorted[rows / 2];
        SuperLoss loss = SuperLoss.builder(c.inner).threshold(Threshold.constant(tau)).lambda(0.3).build();

        // Some DL4J activations backpropagate in place into preOutput: give the gradient call its own copy.
        INDArray grad = loss.computeGradient(labels, preOut.dup(), c.activation, mask);
        INDArray sigma = loss.lastConfidence();
        double h = 1e-6;
        int clamped = 0;
        for (int i = 0; i < rows; i++) {
            clamped += sigma.getDouble(i, 0) == Math.E ? 1 : 0; // the clamped region's sigma is exactly e
            for (int j = 0; j < cols; j++) {
                double x = preOut.getDouble(i, j);
                preOut.putScalar(i, j, x + h);
                double up = loss.computeScore(labels, preOut, c.activation, mask, false);
                preOut.putScalar(i, j, x - h);
                double down = loss.computeScore(labels, preOut, c.activation, mask, false);
                preOut.putScalar(i, j, x);
                double fd = (up - down) / (2 * h);
                double g = grad.getDouble(i, j);
                // Central differences with h = 1e-6 on O(1) scores: truncation ~h^2, rounding ~1e-16/h = 1e-10.
                assertEquals(fd, g, 1e-6 * Math.max(1.0, Math.abs(fd)), c + " element (" + i + "," + j + ")");
                if (mask.getDouble(i, 0) == 0) {
                    assertTrue(g == 0.0, "masked row gradient " + g);
                }
            }
        }
        assertTrue(clamped > 0,
                "the data should exercise the clamped region for " + c);
    }
}
