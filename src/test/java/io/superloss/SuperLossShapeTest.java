package io.superloss;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossMixtureDensity;
import org.nd4j.linalg.lossfunctions.impl.LossSparseMCXENT;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.superloss.TestUtils.column;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Array shapes ({@link BatchShape}): mismatches are rejected before any state changes, with both shapes in the message
 * (SuperLoss checks ranks, rows and masks; the wrapped loss its label layout); per-row masks ([rows,1]) weight rows,
 * per-output masks ([rows,nOut], 0/1) go to the wrapped loss where it supports them; RNN data (3-D, with time-step
 * masks) works through {@link RnnOutputLayer}.
 *
 * <p>Tolerances: expected values are computed from the same per-row base losses in the same order, so thresholds
 * agree exactly; SuperLoss values against the apfloat oracle agree to 1e-12 relative (see SuperLossValueTest).
 */
class SuperLossShapeTest {
    private static final ActivationIdentity IDENTITY = new ActivationIdentity();
    private static final ActivationSoftmax SOFTMAX = new ActivationSoftmax();

    private static INDArray random(Random r, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        double[] v = new double[(int) a.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian();
        }
        return Nd4j.createFromArray(v).reshape(shape);
    }

    private static INDArray oneHot(Random r, int rows, int classes) {
        INDArray a = Nd4j.zeros(DataType.DOUBLE, rows, classes);
        for (int i = 0; i < rows; i++) {
            a.putScalar(i, r.nextInt(classes), 1.0);
        }
        return a;
    }

    /** 1e-12 relative (1e-15 absolute near zero): far above rounding, far below any wrong weight or threshold. */
    private static void assertClose(double expected, double actual, String what) {
        TestUtils.assertClose(expected, actual, 1e-12, 1e-15, what);
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void mismatchedShapesThrowNamingBothShapesAndChangeNoState(SuperLossVariant variant) {
        SuperLoss loss = variant.build(SuperLoss.builder(new LossMSE()).threshold(Threshold.globalMean()));
        loss.computeGradient(Nd4j.zeros(DataType.DOUBLE, 2, 3), Nd4j.ones(DataType.DOUBLE, 2, 3), IDENTITY, null);
        ThresholdSnapshot before = loss.snapshot();
        INDArray confidenceBefore = loss.lastConfidence();

        long[] pre = {4, 3};
        // {labels shape, preOutput shape, mask shape or null}: each violates one rule (LossMSE's own labels rule for
        // the first: the wrapped loss checks the label layout, SuperLoss names the shapes).
        long[][][] cases = {
            {{4, 2}, pre, null},            // labels with another nOut
            {{5, 3}, pre, null},            // labels with more rows
            {{12}, pre, null},              // rank-1 labels
            {{3, 4}, pre, null},            // transposed labels
            {{2, 3, 4}, {2, 3, 4}, null},   // 3-D arrays (RnnOutputLayer passes 2-D views)
            {pre, pre, {5, 1}},             // per-row mask with more rows
            {pre, pre, {4, 2}},             // per-output mask with another nOut
            {pre, pre, {1, 4}},             // a row vector as mask
            {pre, pre, {4}},                // rank-1 mask
            {pre, pre, {4, 3, 1}},          // rank-3 mask
        };
        for (long[][] c : cases) {
            INDArray labels = Nd4j.zeros(DataType.DOUBLE, c[0]);
            INDArray preOut = Nd4j.ones(DataType.DOUBLE, c[1]);
            INDArray mask = c[2] == null ? null : Nd4j.ones(DataType.DOUBLE, c[2]);
            long[] other = c[2] == null ? c[0] : c[2];
            List<Executable> calls = List.of(
                () -> loss.computeGradient(labels, preOut, IDENTITY, mask),
                () -> loss.computeGradientAndScore(labels, preOut, IDENTITY, mask, true),
                () -> loss.computeScore(labels, preOut, IDENTITY, mask, false),
                () -> loss.computeScoreArray(labels, preOut, IDENTITY, mask),
                () -> loss.confidence(labels, preOut, IDENTITY, mask));
            for (Executable call : calls) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call,
                        Arrays.deepToString(c));
                assertTrue(e.getMessage().contains(Arrays.toString(other))
                        && e.getMessage().contains(Arrays.toString(c[1])),
                        "'" + e.getMessage() + "' should name " + Arrays.toString(other) + " and "
                                + Arrays.toString(c[1]));
            }
        }
        assertEquals(before.tau(), loss.tau(), 0.0);
        assertEquals(before.calls(), loss.snapshot().calls());
        assertEquals(confidenceBefore, loss.lastConfidence());
    }

    /** The reproduction: class-index labels [rows,1] (LossSparseMCXENT), labels narrower than the output. */
    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void labelLayoutsOtherThanThePreOutputShapeAreTheWrappedLossesToCheck(SuperLossVariant variant) {
        double tau = 0.7;
        double lambda = 0.5;
        LossMixtureDensity mdn = LossMixtureDensity.builder().gaussians(2).labelWidth(3).build();
        record Case(ILossFunction inner, INDArray labels, INDArray preOutput, IActivation activation) {
        }
        Random r = new Random(4);
        List<Case> cases = List.of(
            new Case(new LossSparseMCXENT(), Nd4j.createFromArray(new double[][] {{2}, {0}, {3}}), random(r, 3, 4),
                    SOFTMAX),
            new Case(new LossSparseMCXENT(), Nd4j.createFromArray(new int[][] {{1}, {3}, {0}}), random(r, 3, 4),
                    SOFTMAX),
            new Case(mdn, random(r, 3, 3), random(r, 3, 10), IDENTITY));
        for (Case c : cases) {
            SuperLoss loss = variant.build(SuperLoss.builder(c.inner).threshold(Threshold.constant(tau))
                    .lambda(lambda));
            INDArray mask = column(1, 0, 1);
            double[] base = c.inner.computeScoreArray(c.labels, c.preOutput.dup(), c.activation, null)
                    .toDoubleVector();
            INDArray innerGrad = c.inner.computeGradient(c.labels, c.preOutput.dup(), c.activation, null);
            INDArray g = loss.computeGradient(c.labels, c.preOutput.dup(), c.activation, mask);
            INDArray s = loss.computeScoreArray(c.labels, c.preOutput.dup(), c.activation, mask);
            for (int i = 0; i < 3; i++) {
                double w = mask.getDouble(i, 0);
                SuperLossOracle.Row ref = SuperLossOracle.row(base[i], tau, lambda);
                assertClose(w * ref.superLoss(), s.getDouble(i, 0), c.inner + " row " + i);
                for (int j = 0; j < c.preOutput.columns(); j++) {
                    // LossMixtureDensity's gradient has ND4J's default data type (FLOAT here): sigma and the product
                    // are rounded to float (2 x 2^-24 relative).
                    double expected = w * ref.sigma() * innerGrad.getDouble(i, j);
                    double tolerance = g.dataType() == DataType.DOUBLE ? 1e-12 : 1.2e-7;
                    assertEquals(expected, g.getDouble(i, j), tolerance * Math.abs(expected), c.inner + " gradient");
                }
            }
        }
        // A label layout the wrapped loss rejects: both shapes named, the wrapped loss's reason as the cause.
        SuperLoss loss = variant.build(SuperLoss.builder(mdn));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loss.computeGradient(random(r, 3, 10), random(r, 3, 10), IDENTITY, null));
        assertTrue(e.getMessage().contains("[3, 10]") && e.getMessage().contains("LossMixtureDensity")
                && e.getCause() != null, e.getMessage());
        assertTrue(Double.isNaN(loss.tau()));
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void perOutputMaskValuesOtherThanZeroOrOneAreRejected(SuperLossVariant variant) {
        // ND4J's losses weigh them once in the score and twice in the gradient (Nd4jLossBehaviourTest).
        SuperLoss loss = variant.build(SuperLoss.builder(new LossMSE()).threshold(Threshold.globalMean()));
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 3, 2);
        INDArray preOut = Nd4j.ones(DataType.DOUBLE, 3, 2);
        INDArray mask = Nd4j.ones(DataType.DOUBLE, 3, 2);
        mask.putScalar(1, 0, 0.5);
        for (Executable call : List.<Executable>of(
                () -> loss.computeGradient(labels, preOut, IDENTITY, mask),
                () -> loss.computeScoreArray(labels, preOut, IDENTITY, mask))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertTrue(e.getMessage().contains("0 or 1") && e.getMessage().contains("0.5")
                    && e.getMessage().contains("[1, 0]") && e.getMessage().contains("[rows,1]"), e.getMessage());
        }
        assertTrue(Double.isNaN(loss.tau()));
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void negativeOrNonFiniteMaskValuesAreRejectedBeforeTheyReachTheThreshold(SuperLossVariant variant) {
        // Mask values weight rows in the threshold's mean: a negative weight could even cancel the total weight.
        SuperLoss loss = variant.build(SuperLoss.builder(new LossMSE()).threshold(Threshold.globalMean()));
        loss.computeGradient(Nd4j.zeros(DataType.DOUBLE, 2, 1), column(1, 2), IDENTITY, null);
        double tau = loss.tau();
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 3, 2);
        INDArray preOut = Nd4j.ones(DataType.DOUBLE, 3, 2);
        double[] bad = {-1.0, Double.NaN, Double.POSITIVE_INFINITY};
        for (double v : bad) {
            INDArray perRow = column(1, v, 1);
            INDArray perOutput = Nd4j.ones(DataType.DOUBLE, 3, 2);
            perOutput.putScalar(2, 1, v);
            for (INDArray mask : new INDArray[] {perRow, perOutput}) {
                String at = mask == perRow ? "[1, 0]" : "[2, 1]";
                for (Executable call : List.<Executable>of(
                        () -> loss.computeGradient(labels, preOut, IDENTITY, mask),
                        () -> loss.computeScoreArray(labels, preOut, IDENTITY, mask))) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
                    assertTrue(e.getMessage().contains("mask") && e.getMessage().contains(String.valueOf(v))
                            && e.getMessage().contains(at), e.getMessage());
                }
            }
        }
        assertEquals(tau, loss.tau(), 0.0);
        assertEquals(1, loss.snapshot().calls());
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void zeroOnePerRowMaskEqualsTrainingOnTheUnmaskedRowsAlone(SuperLossVariant variant) {
        Random r = new Random(5);
        for (Threshold threshold : new Threshold[] {Threshold.ema(0.9), Threshold.globalMean()}) {
            SuperLoss masked = variant.build(SuperLoss.builder(new LossMCXENT()).threshold(threshold));
            SuperLoss alone = variant.build(SuperLoss.builder(new LossMCXENT()).threshold(threshold));
            for (int step = 0; step < 3; step++) {
                INDArray labels = oneHot(r, 6, 4);
                INDArray preOut = random(r, 6, 4);
                double[] mask = {1, 0, 1, 1, 0, 1};
                int[] kept = {0, 2, 3, 5};
                INDArray keptLabels = Nd4j.pullRows(labels, 1, kept);
                INDArray keptPre = Nd4j.pullRows(preOut, 1, kept);

                INDArray g = masked.computeGradient(labels, preOut, SOFTMAX, column(mask));
                INDArray gAlone = alone.computeGradient(keptLabels, keptPre, SOFTMAX, null);
                assertEquals(alone.tau(), masked.tau(), 0.0, "same rows, same order");
                INDArray s = masked.computeScoreArray(labels, preOut, SOFTMAX, column(mask));
                INDArray sAlone = alone.computeScoreArray(keptLabels, keptPre, SOFTMAX, null);
                for (int k = 0; k < kept.length; k++) {
                    assertEquals(sAlone.getDouble(k, 0), s.getDouble(kept[k], 0), 1e-15);
                    for (int j = 0; j < 4; j++) {
                        assertEquals(gAlone.getDouble(k, j), g.getDouble(kept[k], j), 1e-15);
                    }
                }
                for (int i : new int[] {1, 4}) {
                    assertEquals(0.0, s.getDouble(i, 0));
                    assertEquals(0.0, g.getRow(i).norm1Number().doubleValue());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void fractionalPerRowMaskWeightsEveryRowAndTheThreshold(SuperLossVariant variant) {
        Random r = new Random(6);
        double lambda = 0.8;
        SuperLoss loss = variant.build(SuperLoss.builder(new LossMCXENT()).lambda(lambda));
        INDArray labels = oneHot(r, 5, 3);
        INDArray preOut = random(r, 5, 3);
        double[] w = {0.5, 2.0, 0.0, 1.0, 0.25};
        double[] base = new LossMCXENT().computeScoreArray(labels.dup(), preOut.dup(), SOFTMAX, null)
                .toDoubleVector();
        INDArray innerGrad = new LossMCXENT().computeGradient(labels.dup(), preOut.dup(), SOFTMAX, null);
        double sum = 0;
        double total = 0;
        for (int i = 0; i < 5; i++) {
            sum += w[i] * base[i];
            total += w[i];
        }
        double tau = sum / total; // the first EMA call sets tau to the weighted batch mean

        INDArray g = loss.computeGradient(labels, preOut, SOFTMAX, column(w));
        INDArray s = loss.computeScoreArray(labels, preOut, SOFTMAX, column(w));
        assertClose(tau, loss.tau(), "weighted batch mean");
        for (int i = 0; i < 5; i++) {
            SuperLossOracle.Row ref = SuperLossOracle.row(base[i], tau, lambda);
            assertClose(w[i] * ref.superLoss(), s.getDouble(i, 0), "row " + i);
            for (int j = 0; j < 3; j++) {
                assertClose(w[i] * ref.sigma() * innerGrad.getDouble(i, j), g.getDouble(i, j), "gradient " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void perOutputMasksGoToWrappedLossesThatSupportThem(SuperLossVariant variant) {
        Random r = new Random(7);
        record Case(ILossFunction inner, IActivation activation, boolean binaryLabels) {
        }
        List<Case> cases = List.of(new Case(new LossMSE(), IDENTITY, false), new Case(new LossL1(), IDENTITY, false),
                new Case(new LossBinaryXENT(), new ActivationSigmoid(), true));
        INDArray mask = Nd4j.createFromArray(new double[][] {
            {1, 1, 1}, {1, 0, 1}, {0, 0, 0}, {0, 1, 0}, {1, 0, 0}});
        double tau = 0.4;
        double lambda = 1.5;
        for (Case c : cases) {
            INDArray labels = c.binaryLabels ? oneHot(r, 5, 3) : random(r, 5, 3);
            INDArray preOut = random(r, 5, 3);
            SuperLoss loss = variant.build(SuperLoss.builder(c.inner).threshold(Threshold.constant(tau))
                    .lambda(lambda));
            // DL4J's activations backprop in place on the pre-output (sigmoid does): give the reference copies.
            double[] base = c.inner.computeScoreArray(labels.dup(), preOut.dup(), c.activation, mask)
                    .toDoubleVector();
            INDArray innerGrad = c.inner.computeGradient(labels.dup(), preOut.dup(), c.activation, mask);

            INDArray g = loss.computeGradient(labels, preOut.dup(), c.activation, mask);
            INDArray s = loss.computeScoreArray(labels, preOut.dup(), c.activation, mask);
            assertTrue(Double.isNaN(loss.lastConfidence().getDouble(2, 0)), "a row whose mask is all zero");
            // The same batch moves a global mean by the rows whose mask is not all zero (row 2 is masked out).
            SuperLoss mean = variant.build(SuperLoss.builder(c.inner).threshold(Threshold.globalMean()));
            mean.computeGradient(labels, preOut.dup(), c.activation, mask);
            assertClose((base[0] + base[1] + base[3] + base[4]) / 4, mean.tau(), c.inner + " global mean");
            for (int i = 0; i < 5; i++) {
                boolean rowMasked = mask.getRow(i).sumNumber().doubleValue() == 0;
                SuperLossOracle.Row ref = SuperLossOracle.row(base[i], tau, lambda);
                assertClose(rowMasked ? 0.0 : ref.superLoss(), s.getDouble(i, 0), c.inner + " row " + i);
                for (int j = 0; j < 3; j++) {
                    double expected = rowMasked ? 0.0 : ref.sigma() * innerGrad.getDouble(i, j);
                    assertClose(expected, g.getDouble(i, j), c.inner + " gradient " + i + "," + j);
                    if (mask.getDouble(i, j) == 0) {
                        assertEquals(0.0, g.getDouble(i, j), 0.0, "masked output");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void perOutputMaskWithSoftmaxCrossEntropyFailsInTheWrappedLossAndChangesNoState(SuperLossVariant variant) {
        SuperLoss loss = variant.build(SuperLoss.builder(new LossMCXENT()));
        Random r = new Random(8);
        INDArray labels = oneHot(r, 3, 4);
        INDArray preOut = random(r, 3, 4);
        loss.computeGradient(labels, preOut, SOFTMAX, null);
        double tau = loss.tau();
        long calls = loss.snapshot().calls();
        INDArray perOutput = Nd4j.ones(DataType.DOUBLE, 3, 4);
        perOutput.putScalar(1, 2, 0.0);
        // DL4J's LossMCXENT refuses per-output masks with softmax (the softmax couples the outputs).
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> loss.computeGradient(labels, preOut, SOFTMAX, perOutput));
        assertTrue(e.getMessage().contains("MCXENT"), e.getMessage());
        assertEquals(tau, loss.tau(), 0.0);
        assertEquals(calls, loss.snapshot().calls());
    }

    @Test
    void rnnOutputLayerWithTimeStepMasksCountsOnlyUnmaskedSteps() {
        int examples = 3;
        int nIn = 3;
        int classes = 4;
        int steps = 6;
        int[] lengths = {6, 4, 2};
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(12).dataType(DataType.DOUBLE)
                .updater(new Adam(1e-2)).list()
                .layer(new SimpleRnn.Builder().nIn(nIn).nOut(5).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(loss).nIn(5).nOut(classes).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        Random r = new Random(12);
        INDArray features = random(r, examples, nIn, steps);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, examples, classes, steps);
        int[][] label = new int[examples][steps];
        INDArray labelMask = Nd4j.zeros(DataType.DOUBLE, examples, steps);
        for (int ex = 0; ex < examples; ex++) {
            for (int t = 0; t < steps; t++) {
                // Masked steps get labels too: they must not count.
                label[ex][t] = r.nextInt(classes);
                labels.putScalar(new int[] {ex, label[ex][t], t}, 1.0);
                labelMask.putScalar(ex, t, t < lengths[ex] ? 1.0 : 0.0);
            }
        }
        DataSet data = new DataSet(features, labels, null, labelMask);

        double sum = 0;
        int counted = 0;
        for (int fit = 0; fit < 2; fit++) {
            // The reference: the cross-entropy of every unmasked (example, step) from the current parameters.
            INDArray probabilities = net.output(features, false);
            double[] stepLoss = new double[examples * steps];
            double batchSum = 0;
            for (int ex = 0; ex < examples; ex++) {
                for (int t = 0; t < lengths[ex]; t++) {
                    double l = -Math.log(probabilities.getDouble(ex, label[ex][t], t));
                    stepLoss[ex * steps + t] = l;
                    batchSum += l;
                }
            }
            sum += batchSum;
            counted += Arrays.stream(lengths).sum();
            net.fit(data);
            assertClose(sum / counted, loss.tau(), "global mean over the unmasked steps after fit " + fit);

            // DL4J's score: the SuperLoss summed over the unmasked steps, divided by the number of examples.
            double superLoss = 0;
            for (int ex = 0; ex < examples; ex++) {
                for (int t = 0; t < lengths[ex]; t++) {
                    superLoss += SuperLossOracle.row(stepLoss[ex * steps + t], loss.tau(), 1.0).superLoss();
                }
            }
            assertEquals(superLoss / examples, net.score(), 1e-10 * Math.abs(superLoss), "score of fit " + fit);

            // Rows are (example, step) pairs in DL4J's 2-D layout: row = example + examples * step.
            INDArray sigma = loss.lastConfidence();
            assertEquals(examples * steps, sigma.length());
            for (int ex = 0; ex < examples; ex++) {
                for (int t = 0; t < steps; t++) {
                    double s = sigma.getDouble(ex + (long) examples * t, 0);
                    assertEquals(t >= lengths[ex], Double.isNaN(s), "confidence of example " + ex + " step " + t);
                }
            }
        }
    }
}
