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
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The analytic gradient (sigma times the wrapped loss's gradient, row by row) against central finite differences of
 * the score, in double precision with a constant threshold and per-row masks.
 */
class SuperLossGradientTest {
    enum Case {
        MCXENT_SOFTMAX(new LossMCXENT(0.0, null), new ActivationSoftmax()),
        MSE_IDENTITY(new LossMSE(), new ActivationIdentity()),
        BINARY_XENT_SIGMOID(new LossBinaryXENT(0.0), new ActivationSigmoid());

        final ILossFunction inner;
        final IActivation activation;

        Case(ILossFunction inner, IActivation activation) {
            this.inner = inner;
            this.activation = activation;
        }

        INDArray labels(Random r, int rows, int cols) {
            double[][] y = new double[rows][cols];
            for (int i = 0; i < rows; i++) {
                if (this == MCXENT_SOFTMAX) {
                    y[i][r.nextInt(cols)] = 1.0;
                } else {
                    for (int j = 0; j < cols; j++) {
                        y[i][j] = this == MSE_IDENTITY ? r.nextGaussian() : r.nextDouble();
                    }
                }
            }
            return Nd4j.createFromArray(y);
        }
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void gradientEqualsFiniteDifferenceOfScore(Case c) {
        Random r = new Random(c.ordinal() + 3);
        int rows = 8;
        int cols = 4;
        double[][] p = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                p[i][j] = 2.5 * r.nextGaussian();
            }
        }
        INDArray preOut = Nd4j.createFromArray(p);
        INDArray labels = c.labels(r, rows, cols);
        INDArray mask = Nd4j.createFromArray(new double[] {1, 1, 0, 1, 1, 1, 0, 1}).reshape(rows, 1);

        // Put tau at the median base loss so that rows fall on both sides, and a small lambda so that rows
        // far below tau are clamped (beta < -2/e).
        double[] base = c.inner.computeScoreArray(labels, preOut, c.activation, null).toDoubleVector();
        double[] sorted = base.clone();
        java.util.Arrays.sort(sorted);
        double tau = sorted[rows / 2];
        SuperLoss loss = SuperLoss.builder(c.inner).threshold(Threshold.constant(tau)).lambda(0.3).build();

        // Some DL4J activations backpropagate in place into preOutput: give the gradient call its own copy.
        INDArray grad = loss.computeGradient(labels, preOut.dup(), c.activation, mask);
        double h = 1e-6;
        int clamped = 0;
        for (int i = 0; i < rows; i++) {
            clamped += mask.getDouble(i, 0) != 0 && (base[i] - tau) / 0.3 < -2 / Math.E ? 1 : 0;
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
