package io.superloss;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossWasserstein;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of SuperLoss over many random cases (seeded, so failures reproduce): random shapes, masks, wrapped losses,
 * thresholds, lambdas and loss magnitudes from 1e-30 to 1e30 of both signs relative to tau.
 * <ul>
 *   <li>sigma lies in (0, e];</li>
 *   <li>sigma is non-increasing in the loss for a fixed tau, above 1 below tau and below 1 above it;</li>
 *   <li>SuperLoss, sigma and the gradient are finite for finite inputs;</li>
 *   <li>gradient rows equal sigma times the row's weight times the wrapped loss's gradient rows (masked rows: zero;
 *       a per-row mask is applied by SuperLoss, the wrapped loss sees per-output masks only).</li>
 * </ul>
 * Each failure message names the seed.
 */
class SuperLossPropertyTest {
    private static final int SEEDS = 300;
    private static final ActivationIdentity IDENTITY = new ActivationIdentity();

    /** +-10^u with u uniform in [-30, 30]. */
    private static double magnitude(Random r) {
        double v = Math.pow(10, -30 + 60 * r.nextDouble());
        return r.nextBoolean() ? v : -v;
    }

    private static double logUniform(Random r, double lo, double hi) {
        return Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * r.nextDouble());
    }

    @Test
    void sigmaIsInZeroToEAndNonIncreasingInTheLossForAFixedTau() {
        for (int seed = 0; seed < SEEDS; seed++) {
            Random r = new Random(seed);
            double tau = seed % 10 == 0 ? 0.0 : magnitude(r);
            double lambda = logUniform(r, 1e-3, 1e3);
            int n = 64;
            double[] loss = new double[n];
            for (int i = 0; i < n; i++) {
                switch (r.nextInt(4)) {
                    case 0: // close to tau on either side, where sigma changes fastest
                        loss[i] = tau + lambda * (r.nextDouble() - 0.5) * Math.pow(10, -r.nextInt(8));
                        break;
                    case 1: // around the clamp at (l - tau) / lambda = -2/e
                        loss[i] = tau + lambda * (-0.7357588823428847 + 0.01 * (r.nextDouble() - 0.5));
                        break;
                    default:
                        loss[i] = magnitude(r);
                }
            }
            loss[0] = tau;
            loss[1] = tau - Math.max(1.0, Math.abs(tau)); // both signs of l - tau in every case
            loss[2] = tau + Math.max(1.0, Math.abs(tau));
            Arrays.sort(loss);
            // LossWasserstein with label 1, one output and identity: the per-row loss is exactly the pre-output.
            SuperLoss superLoss = SuperLoss.builder(new LossWasserstein()).threshold(Threshold.constant(tau))
                    .lambda(lambda).build();
            INDArray preOut = Nd4j.createFromArray(loss).reshape(n, 1);
            double[] sigma = superLoss.confidence(Nd4j.ones(DataType.DOUBLE, n, 1), preOut, IDENTITY, null)
                    .toDoubleVector();
            String where = "seed " + seed + ", tau " + tau + ", lambda " + lambda;
            for (int i = 0; i < n; i++) {
                String row = where + ", loss " + loss[i] + ": sigma " + sigma[i];
                assertTrue(sigma[i] > 0 && sigma[i] <= Math.E, row);
                if (loss[i] < tau) {
                    assertTrue(sigma[i] >= 1, row);
                } else if (loss[i] > tau) {
                    assertTrue(sigma[i] <= 1, row);
                } else {
                    assertEquals(1.0, sigma[i], 0.0, row);
                }
                if (i > 0) {
                    assertTrue(sigma[i] <= sigma[i - 1], row + " after loss " + loss[i - 1] + ": sigma "
                            + sigma[i - 1]);
                }
            }
        }
    }

    /** A wrapped loss with the activation it is used with and how its labels look. */
    private enum Inner {
        MSE(IDENTITY, true),
        L1(IDENTITY, true),
        WASSERSTEIN(IDENTITY, true),
        BINARY_XENT(new ActivationSigmoid(), true),
        SOFTMAX_XENT(new ActivationSoftmax(), false);

        final IActivation activation;
        final boolean perOutputMasks;

        Inner(IActivation activation, boolean perOutputMasks) {
            this.activation = activation;
            this.perOutputMasks = perOutputMasks;
        }

        ILossFunction create() {
            switch (this) {
                case MSE:
                    return new LossMSE();
                case L1:
                    return new LossL1();
                case WASSERSTEIN:
                    return new LossWasserstein();
                case BINARY_XENT:
                    return new LossBinaryXENT();
                default:
                    return new LossMCXENT();
            }
        }

        /**
         * Labels and pre-outputs whose per-row losses span 1e-30..1e30: squared or absolute errors of magnitude
         * 1e-15..1e15 (MSE), 1e-30..1e30 (L1, Wasserstein); logits up to 1e3 for the cross-entropies.
         */
        INDArray[] data(Random r, int rows, int cols) {
            double[][] labels = new double[rows][cols];
            double[][] pre = new double[rows][cols];
            for (int i = 0; i < rows; i++) {
                int hot = r.nextInt(cols);
                for (int j = 0; j < cols; j++) {
                    switch (this) {
                        case MSE:
                            labels[i][j] = r.nextGaussian();
                            pre[i][j] = labels[i][j] + Math.signum(magnitude(r)) * Math.sqrt(Math.abs(magnitude(r)));
                            break;
                        case L1:
                            labels[i][j] = r.nextGaussian();
                            pre[i][j] = magnitude(r);
                            break;
                        case WASSERSTEIN:
                            labels[i][j] = r.nextBoolean() ? 1 : -1;
                            pre[i][j] = magnitude(r);
                            break;
                        case BINARY_XENT:
                            labels[i][j] = r.nextBoolean() ? 1 : 0;
                            pre[i][j] = logUniform(r, 1e-3, 1e3) * (r.nextBoolean() ? 1 : -1);
                            break;
                        default:
                            labels[i][j] = j == hot ? 1 : 0;
                            pre[i][j] = logUniform(r, 1e-3, 1e3) * (r.nextBoolean() ? 1 : -1);
                    }
                }
            }
            return new INDArray[] {Nd4j.createFromArray(labels), Nd4j.createFromArray(pre)};
        }
    }

    @Test
    void randomShapesMasksAndMagnitudesGiveFiniteValuesAndSigmaTimesInnerGradients() {
        Inner[] inners = Inner.values();
        for (int seed = 0; seed < SEEDS; seed++) {
            Random r = new Random(10_000 + seed);
            Inner inner = inners[r.nextInt(inners.length)];
            int rows = 1 + r.nextInt(40);
            // One-output softmax is degenerate, and DL4J treats a [rows,1] mask of it as a per-output mask.
            int cols = (inner == Inner.SOFTMAX_XENT ? 2 : 1) + r.nextInt(6);
            INDArray[] data = inner.data(r, rows, cols);
            INDArray labels = data[0];
            INDArray preOut = data[1];
            INDArray mask = randomMask(r, rows, cols, inner.perOutputMasks);
            double lambda = logUniform(r, 1e-3, 1e3);
            Threshold threshold;
            switch (r.nextInt(3)) {
                case 0:
                    threshold = Threshold.constant(magnitude(r));
                    break;
                case 1:
                    threshold = Threshold.ema(0.9);
                    break;
                default:
                    threshold = Threshold.globalMean();
            }
            SuperLoss loss = SuperLoss.builder(inner.create()).threshold(threshold).lambda(lambda).build();
            String where = "seed " + seed + " (" + inner + ", " + rows + "x" + cols + ", mask "
                    + (mask == null ? "none" : Arrays.toString(mask.shape())) + ", " + threshold + ", lambda "
                    + lambda + ")";

            // The wrapped loss's own values and gradient, on copies (DL4J activations may backprop in place). A per-row
            // mask is SuperLoss's to apply: the wrapped loss sees per-output masks only.
            ILossFunction plain = inner.create();
            INDArray perOutputMask = mask != null && mask.columns() == 1 ? null : mask;
            double[] base = plain.computeScoreArray(labels.dup(), preOut.dup(), inner.activation, perOutputMask)
                    .toDoubleVector();
            INDArray innerGrad = plain.computeGradient(labels.dup(), preOut.dup(), inner.activation, perOutputMask);
            double[] weight = rowWeights(mask, rows);
            for (int i = 0; i < rows; i++) {
                if (weight[i] != 0) {
                    double l = base[i];
                    assertTrue(Double.isFinite(l) && Math.abs(l) <= cols * 1e30, where + ": test data, row loss " + l);
                }
            }

            INDArray gradient = loss.computeGradient(labels.dup(), preOut.dup(), inner.activation, mask);
            double[] scores = loss.computeScoreArray(labels.dup(), preOut.dup(), inner.activation, mask)
                    .toDoubleVector();
            assertTrue(Double.isFinite(loss.computeScore(labels.dup(), preOut.dup(), inner.activation, mask, true)),
                    where + ": score");
            INDArray sigmaArray = loss.lastConfidence();
            boolean counted = Arrays.stream(weight).anyMatch(w -> w != 0);
            for (int i = 0; i < rows; i++) {
                String row = where + ", row " + i;
                if (weight[i] == 0) {
                    assertEquals(0.0, scores[i], 0.0, row + ": masked loss");
                    assertEquals(0.0, gradient.getRow(i).norm1Number().doubleValue(), 0.0, row + ": masked gradient");
                    continue;
                }
                double sigma = sigmaArray.getDouble(i, 0);
                assertTrue(sigma > 0 && sigma <= Math.E, row + ": sigma " + sigma);
                assertTrue(Double.isFinite(scores[i]), row + ": SuperLoss " + scores[i]);
                for (int j = 0; j < cols; j++) {
                    // A fractional row weight scales the wrapped loss's gradient row first, then sigma scales it.
                    double g = innerGrad.getDouble(i, j);
                    double expected = sigma * (weight[i] == 1.0 ? g : weight[i] * g);
                    double actual = gradient.getDouble(i, j);
                    assertTrue(Double.isFinite(actual), row + ": gradient " + actual);
                    assertEquals(expected, actual, 1e-15 * Math.abs(expected), row + ", output " + j);
                }
            }
            if (!counted) {
                assertTrue(sigmaArray == null, where + ": a batch without usable rows leaves no confidences");
            }
        }
    }

    /** No mask, a per-row mask (0, 1 or fractional weights) or, where the wrapped loss allows it, a 0/1 per-output one. */
    private static INDArray randomMask(Random r, int rows, int cols, boolean perOutputAllowed) {
        int kind = r.nextInt(perOutputAllowed ? 3 : 2);
        if (kind == 0) {
            return null;
        }
        if (kind == 1) {
            double[] w = new double[rows];
            for (int i = 0; i < rows; i++) {
                double u = r.nextDouble();
                w[i] = u < 0.25 ? 0.0 : u < 0.5 ? logUniform(r, 1e-3, 1e3) : 1.0;
            }
            return Nd4j.createFromArray(w).reshape(rows, 1);
        }
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = r.nextDouble() < 0.3 ? 0.0 : 1.0;
            }
        }
        return Nd4j.createFromArray(m);
    }

    /** A row's weight as SuperLoss documents it: its per-row mask value, or 0/1 for an all-zero per-output row. */
    private static double[] rowWeights(INDArray mask, int rows) {
        double[] w = new double[rows];
        for (int i = 0; i < rows; i++) {
            if (mask == null) {
                w[i] = 1;
            } else if (mask.columns() == 1) {
                w[i] = mask.getDouble(i, 0);
            } else {
                w[i] = mask.getRow(i).sumNumber().doubleValue() == 0 ? 0 : 1;
            }
        }
        return w;
    }
}
