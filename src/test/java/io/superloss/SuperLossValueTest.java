package io.superloss;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SuperLoss values, confidences and thresholds against the apfloat reference of {@link SuperLossOracle}, with the
 * per-row base loss (MSE) and the threshold sequences computed here by hand.
 *
 * <p>Tolerance: the base loss is computed by ND4J and here in different orders (relative difference ~1e-16), and
 * dL/dl = sigma &lt;= e, so 1e-12 relative (plus 1e-14 absolute for values near zero) is far above rounding noise and far
 * below any modelling error (a wrong tau or a wrong branch changes values by 1e-3 or more).
 */
class SuperLossValueTest {
    private static final double REL = 1e-12;
    private static final double ABS = 1e-14;

    /** Per-row MSE as DL4J defines it: the mean over outputs of the squared error. */
    private static double[] mse(double[][] pre, double[][] labels) {
        double[] l = new double[pre.length];
        for (int i = 0; i < pre.length; i++) {
            double s = 0;
            for (int j = 0; j < pre[i].length; j++) {
                double d = pre[i][j] - labels[i][j];
                s += d * d;
            }
            l[i] = s / pre[i].length;
        }
        return l;
    }

    private static void assertClose(double expected, double actual, String what) {
        TestUtils.assertClose(expected, actual, REL, ABS, what);
    }

    private static double[][] randomMatrix(Random r, int rows, int cols, double scale) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = scale * r.nextGaussian();
            }
        }
        return m;
    }

    @Test
    void constantThresholdMatchesReferenceIncludingClampedAndMaskedRows() {
        // Rows chosen to cover: far below tau (clamped, beta < -2/e), near tau, above tau, far above, masked.
        double[][] pre = {{0.0, 0.0}, {1.0, 1.2}, {2.0, -1.0}, {3.0, 4.0}, {10.0, -7.0}, {5.0, 5.0}};
        double[][] lab = new double[pre.length][2];
        double[] mask = {1, 1, 1, 1, 1, 0};
        double tau = 1.5;
        double lambda = 0.7;
        SuperLoss loss = SuperLoss.builder(new LossMSE()).threshold(Threshold.constant(tau)).lambda(lambda).build();
        INDArray labels = Nd4j.createFromArray(lab);
        INDArray preOut = Nd4j.createFromArray(pre);
        INDArray m = Nd4j.createFromArray(mask).reshape(mask.length, 1);

        double[] base = mse(pre, lab);
        double[] scores = loss.computeScoreArray(labels, preOut, new ActivationIdentity(), m).toDoubleVector();
        double[] sigma = loss.confidence(labels, preOut, new ActivationIdentity(), m).toDoubleVector();
        double sum = 0;
        boolean sawClamped = false;
        for (int i = 0; i < pre.length; i++) {
            if (mask[i] == 0) {
                assertEquals(0.0, scores[i], "masked row loss");
                assertTrue(Double.isNaN(sigma[i]), "masked row confidence is NaN");
                continue;
            }
            SuperLossOracle.Row ref = SuperLossOracle.row(base[i], tau, lambda);
            sawClamped |= (base[i] - tau) / lambda < -2 / Math.E;
            assertClose(ref.superLoss(), scores[i], "SuperLoss row " + i);
            assertClose(ref.sigma(), sigma[i], "sigma row " + i);
            sum += ref.superLoss();
        }
        assertTrue(sawClamped, "the data must include a clamped row");
        assertClose(sum, loss.computeScore(labels, preOut, new ActivationIdentity(), m, false), "sum");
        assertClose(sum / pre.length, loss.computeScore(labels, preOut, new ActivationIdentity(), m, true),
                "average over all rows, masked ones included");
        assertEquals(tau, loss.tau());
    }

    /** The EMA rule with warm-up k = 2, written out independently of ThresholdState. */
    @Test
    void emaWithWarmupAndMaskFollowsFastEstimatorRule() {
        Random r = new Random(7);
        int warmup = 2;
        double momentum = 0.9;
        double lambda = 1.0;
        SuperLoss loss = SuperLoss.builder(new LossMSE()).threshold(Threshold.ema(momentum)).lambda(lambda)
                .warmupIterations(warmup).build();
        double tauRef = Double.NaN;
        for (int call = 1; call <= 7; call++) {
            int rows = 5 + call;
            double[][] pre = randomMatrix(r, rows, 3, call);
            double[][] lab = randomMatrix(r, rows, 3, 1.0);
            double[] mask = new double[rows];
            for (int i = 0; i < rows; i++) {
                mask[i] = i % 4 == 1 ? 0.0 : 1.0;
            }
            double[] base = mse(pre, lab);
            double s = 0;
            int n = 0;
            for (int i = 0; i < rows; i++) {
                if (mask[i] != 0) {
                    s += base[i];
                    n++;
                }
            }
            double batchMean = s / n;
            tauRef = call <= warmup + 1 ? batchMean : momentum * tauRef + (1 - momentum) * batchMean;

            INDArray labels = Nd4j.createFromArray(lab);
            INDArray preOut = Nd4j.createFromArray(pre);
            INDArray m = Nd4j.createFromArray(mask).reshape(rows, 1);
            INDArray grad = loss.computeGradient(labels, preOut, new ActivationIdentity(), m);
            assertClose(tauRef, loss.tau(), "tau after call " + call);
            double[] scores = loss.computeScoreArray(labels, preOut, new ActivationIdentity(), m).toDoubleVector();
            double[] lastSigma = loss.lastConfidence().toDoubleVector();
            for (int i = 0; i < rows; i++) {
                if (mask[i] == 0) {
                    assertEquals(0.0, scores[i]);
                    assertTrue(Double.isNaN(lastSigma[i]));
                    assertEquals(0.0, grad.getRow(i).norm2Number().doubleValue());
                    continue;
                }
                SuperLossOracle.Row ref = SuperLossOracle.row(base[i], tauRef, lambda);
                assertClose(ref.superLoss(), scores[i], "call " + call + " row " + i);
                assertClose(ref.sigma(), lastSigma[i], "call " + call + " sigma row " + i);
            }
            assertClose(tauRef, loss.tau(), "scoring must not move tau (call " + call + ")");
        }
    }

    @Test
    void globalMeanIsTheMaskWeightedMeanOfAllCountedRowsAfterWarmup() {
        Random r = new Random(11);
        int warmup = 1;
        SuperLoss loss = SuperLoss.builder(new LossMSE()).threshold(Threshold.globalMean())
                .warmupIterations(warmup).lambda(2.0).build();
        double weightedSum = 0;
        double totalWeight = 0;
        for (int call = 1; call <= 6; call++) {
            int rows = 4 + call;
            double[][] pre = randomMatrix(r, rows, 2, 2.0);
            double[][] lab = randomMatrix(r, rows, 2, 1.0);
            double[] mask = new double[rows];
            for (int i = 0; i < rows; i++) {
                mask[i] = i % 3 == 0 ? 0.0 : (i % 3 == 1 ? 1.0 : 0.5); // fractional mask values weight rows
            }
            double[] base = mse(pre, lab);
            double s = 0;
            double w = 0;
            for (int i = 0; i < rows; i++) {
                s += mask[i] * base[i];
                w += mask[i];
            }
            double expectedTau;
            if (call <= warmup) {
                expectedTau = s / w;
            } else {
                weightedSum += s;
                totalWeight += w;
                expectedTau = weightedSum / totalWeight;
            }
            INDArray labels = Nd4j.createFromArray(lab);
            INDArray preOut = Nd4j.createFromArray(pre);
            INDArray m = Nd4j.createFromArray(mask).reshape(rows, 1);
            loss.computeGradient(labels, preOut, new ActivationIdentity(), m);
            assertClose(expectedTau, loss.tau(), "tau after call " + call);
            double[] scores = loss.computeScoreArray(labels, preOut, new ActivationIdentity(), m).toDoubleVector();
            for (int i = 0; i < rows; i++) {
                double expected = mask[i] == 0 ? 0.0 : mask[i] * SuperLossOracle.row(base[i], expectedTau, 2.0).superLoss();
                assertClose(expected, scores[i], "call " + call + " row " + i);
            }
        }
    }

    @Test
    void scoringBeforeTrainingUsesTheBatchMeanWithoutStoringIt() {
        double[][] pre = {{0.5}, {1.5}, {3.0}, {-2.0}};
        double[][] lab = {{0.0}, {0.0}, {0.0}, {0.0}};
        double[] base = mse(pre, lab);
        double mean = (base[0] + base[1] + base[2] + base[3]) / 4;
        SuperLoss loss = new SuperLoss(new LossMSE());
        double[] scores = loss.computeScoreArray(Nd4j.createFromArray(lab), Nd4j.createFromArray(pre),
                new ActivationIdentity(), null).toDoubleVector();
        for (int i = 0; i < base.length; i++) {
            assertClose(SuperLossOracle.row(base[i], mean, 1.0).superLoss(), scores[i], "row " + i);
        }
        assertTrue(Double.isNaN(loss.tau()), "no training call yet");
    }

    @Test
    void floatPreOutputGivesFloatResultsOfTheSameValues() {
        double[][] pre = {{0.25, -1.0}, {2.0, 0.5}, {-3.0, 1.0}};
        double[][] lab = {{0.0, 0.0}, {1.0, 1.0}, {0.0, 1.0}};
        SuperLoss loss = SuperLoss.builder(new LossMSE()).threshold(Threshold.constant(1.0)).build();
        INDArray f = loss.computeScoreArray(Nd4j.createFromArray(lab).castTo(DataType.FLOAT),
                Nd4j.createFromArray(pre).castTo(DataType.FLOAT), new ActivationIdentity(), null);
        assertEquals(DataType.FLOAT, f.dataType());
        double[] base = mse(pre, lab);
        double[] got = f.toDoubleVector();
        for (int i = 0; i < base.length; i++) {
            double expected = SuperLossOracle.row(base[i], 1.0, 1.0).superLoss();
            // float resolution: 2^-23 relative on the inputs, amplified by at most sigma <= e.
            assertEquals(expected, got[i], 1e-6 * (1 + Math.abs(expected)), "row " + i);
        }
    }
}
