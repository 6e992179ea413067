package io.superloss;

import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossWasserstein;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

import static io.superloss.TestUtils.column;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rows whose base loss is NaN or infinite never reach the threshold, yet stay visible in the training signal (IEEE
 * propagation, a WARN per training call); batches without a usable row change no state.
 *
 * <p>The wrapped loss is mostly {@link LossWasserstein} with one output, identity activation and label 1: its
 * per-row loss is exactly the pre-output (any sign, NaN and infinities included) and its gradient is 1, so every
 * expected value below follows from the pre-outputs by hand.
 */
// Non-finite rows warn by design: their WARNs show only if a test fails.
@ExtendWith(OutputShownOnFailure.class)
class SuperLossNonFiniteTest {
    private static final ActivationIdentity IDENTITY = new ActivationIdentity();
    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;

    private static INDArray ones(int rows) {
        return Nd4j.ones(DataType.DOUBLE, rows, 1);
    }

    /** The threshold set-ups under test: every moving kind, with and without warm-up. */
    private static List<UnaryOperator<SuperLoss.Builder>> setups() {
        return List.of(
                b -> b,
                b -> b.threshold(Threshold.ema(0.7)).warmupIterations(2),
                b -> b.threshold(Threshold.globalMean()),
                b -> b.threshold(Threshold.globalMean()).warmupIterations(1));
    }

    private static SuperLoss build(SuperLossVariant variant, UnaryOperator<SuperLoss.Builder> setup,
                                   ILossFunction inner) {
        return variant.build(setup.apply(SuperLoss.builder(inner)));
    }

    private static double[] finiteOnly(double[] v) {
        return Arrays.stream(v).filter(Double::isFinite).toArray();
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void nonFiniteRowsMoveTauAsIfTheyWereAbsent(SuperLossVariant variant) {
        double[][] batches = {
            {1.5, NAN, 3.0},          // first call: tau starts from the finite rows only
            {INF, 2.0, -INF, -1.0},
            {NAN, INF, -INF},         // no finite row: not counted at all
            {4.0, 0.5},
            {-2.0, NAN, 7.0, 1.0},
        };
        for (UnaryOperator<SuperLoss.Builder> setup : setups()) {
            SuperLoss loss = build(variant, setup, new LossWasserstein());
            SuperLoss reference = build(variant, setup, new LossWasserstein());
            for (double[] batch : batches) {
                loss.computeGradient(ones(batch.length), column(batch), IDENTITY, null);
                double[] clean = finiteOnly(batch);
                if (clean.length > 0) {
                    reference.computeGradient(ones(clean.length), column(clean), IDENTITY, null);
                }
                // Same rows in the same order: the sums are identical, so the states must be equal exactly.
                assertEquals(reference.tau(), loss.tau(), 0.0, loss + " after " + Arrays.toString(batch));
                assertEquals(reference.snapshot().calls(), loss.snapshot().calls(), loss.toString());
            }
            assertTrue(Double.isFinite(loss.tau()));
        }
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void nonFiniteRowsPropagateThroughSigmaLossAndGradient(SuperLossVariant variant) {
        double tau = 1.0;
        SuperLoss loss = variant.build(SuperLoss.builder(new LossWasserstein()).threshold(Threshold.constant(tau)));
        double[] pre = {0.5, NAN, INF, -INF, 2.0};
        INDArray grad = loss.computeGradient(ones(5), column(pre), IDENTITY, null);
        double[] sigma = loss.lastConfidence().toDoubleVector();
        double[] scores = loss.computeScoreArray(ones(5), column(pre), IDENTITY, null).toDoubleVector();
        for (int i : new int[] {0, 4}) {
            SuperLossOracle.Row ref = SuperLossOracle.row(pre[i], tau, 1.0);
            assertEquals(ref.sigma(), sigma[i], 1e-12 * ref.sigma());
            assertEquals(ref.superLoss(), scores[i], 1e-12 * Math.abs(ref.superLoss()) + 1e-15);
            assertEquals(ref.sigma(), grad.getDouble(i, 0), 1e-12 * ref.sigma(), "sigma times the inner gradient 1");
        }
        // NaN stays NaN; +Inf: sigma -> 0, SuperLoss +Inf; -Inf: sigma = e (the clamp), SuperLoss -Inf.
        assertTrue(Double.isNaN(sigma[1]) && Double.isNaN(scores[1]) && Double.isNaN(grad.getDouble(1, 0)));
        assertEquals(0.0, sigma[2]);
        assertEquals(INF, scores[2]);
        assertEquals(0.0, grad.getDouble(2, 0), "0 x the inner gradient 1");
        assertEquals(Math.E, sigma[3]);
        assertEquals(-INF, scores[3]);
        assertEquals(Math.E, grad.getDouble(3, 0));
        assertTrue(Double.isNaN(loss.computeScore(ones(5), column(pre), IDENTITY, null, false)), "the sum shows it");
        assertEquals(INF, loss.computeScore(ones(2), column(0.5, INF), IDENTITY, null, true));
        assertEquals(-INF, loss.computeScore(ones(2), column(0.5, -INF), IDENTITY, null, true));

        // A wrapped loss whose gradient is NaN on the row keeps it NaN (MSE of a NaN pre-output).
        SuperLoss mse = variant.build(SuperLoss.builder(new LossMSE()));
        INDArray g = mse.computeGradient(Nd4j.zeros(DataType.DOUBLE, 3, 1), column(1, NAN, 2), IDENTITY, null);
        assertTrue(Double.isNaN(g.getDouble(1, 0)));
        assertTrue(Double.isFinite(g.getDouble(0, 0)) && Double.isFinite(g.getDouble(2, 0)));
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void everyTrainingCallWithNonFiniteRowsLogsOneWarningWithTheCount(SuperLossVariant variant) {
        SuperLoss loss = variant.build(SuperLoss.builder(new LossWasserstein()));
        List<String> first = warnings(() -> loss.computeGradient(ones(5), column(1, NAN, 2, INF, 3), IDENTITY, null));
        assertEquals(1, first.size(), first.toString());
        assertTrue(first.get(0).contains("2 of 5 rows"), first.get(0));

        List<String> second = warnings(() -> {
            loss.computeGradient(ones(3), column(-INF, 1, 1), IDENTITY, null);
            loss.computeGradientAndScore(ones(2), column(NAN, NAN), IDENTITY, null, true);
        });
        assertEquals(2, second.size(), "one per occurrence: " + second);
        assertTrue(second.get(0).contains("1 of 3 rows"), second.get(0));
        assertTrue(second.get(1).contains("2 of 2 rows"), second.get(1));

        // Scoring never moves tau, so it does not warn (DL4J scores every training batch right after training on it);
        // clean training calls do not warn either.
        List<String> quiet = warnings(() -> {
            loss.computeScore(ones(2), column(NAN, 1), IDENTITY, null, false);
            loss.computeScoreArray(ones(2), column(INF, 1), IDENTITY, null);
            loss.confidence(ones(2), column(NAN, 1), IDENTITY, null);
            loss.computeGradient(ones(2), column(0.5, 1), IDENTITY, null);
            loss.computeGradient(ones(2), column(NAN, 1), IDENTITY, column(0, 1)); // the NaN row is masked
        });
        assertEquals(List.of(), quiet);
    }

    @Test
    void aNetworkIterationOnABatchWithANaNExampleWarnsOnce() {
        SuperLoss loss = new SuperLoss(new LossMCXENT());
        MultiLayerNetwork net = DigitsModels.mlp(loss, 8);
        Digits d = Digits.load().range(0, 32);
        DataSet batch = d.dataSet(d.labels);
        net.fit(batch);
        double tau = loss.tau();
        batch.getFeatures().getRow(5).assign(Float.NaN);
        batch.getFeatures().getRow(9).assign(Float.NaN);
        // DL4J trains with one computeGradient and scores with one computeScore per iteration: one warning.
        List<String> lines = warnings(() -> net.fit(batch));
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("2 of 32 rows"), lines.get(0));
        assertTrue(Double.isNaN(net.score()), "the NaN examples show in the score");
        assertTrue(Double.isFinite(loss.tau()) && loss.tau() != tau, "tau moved with the 30 finite rows");
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void theNextCleanBatchGivesFiniteOutputs(SuperLossVariant variant) {
        double[] clean = {0.25, 3.0, -1.0, 2.0};
        for (UnaryOperator<SuperLoss.Builder> setup : setups()) {
            SuperLoss loss = build(variant, setup, new LossWasserstein());
            loss.computeGradient(ones(3), column(NAN, INF, -INF), IDENTITY, null);
            loss.computeGradient(ones(4), column(NAN, 1.0, INF, 2.0), IDENTITY, null);
            loss.computeGradient(ones(2), column(-INF, NAN), IDENTITY, null);

            INDArray grad = loss.computeGradient(ones(4), column(clean), IDENTITY, null);
            assertTrue(Double.isFinite(loss.tau()), loss.toString());
            assertAllFinite(grad, "gradient");
            assertAllFinite(loss.lastConfidence(), "confidence");
            assertAllFinite(loss.computeScoreArray(ones(4), column(clean), IDENTITY, null), "score array");
            assertAllFinite(loss.confidence(ones(4), column(clean), IDENTITY, null), "scoring confidence");
            assertTrue(Double.isFinite(loss.computeScore(ones(4), column(clean), IDENTITY, null, true)));
        }
    }

    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void aBatchWithoutUsableRowsLeavesTheStateAndGivesZerosForMaskedRows(SuperLossVariant variant) {
        // Each bad batch: pre-outputs and a per-row mask; masked rows hold NaN and Inf on purpose (padding garbage).
        double[][][] bad = {
            {{1, 2, 3}, {0, 0, 0}},           // all masked
            {{NAN, 5, INF}, {0, 0, 0}},       // all masked, garbage values
            {{NAN, INF, -INF}, {1, 1, 1}},    // all non-finite
            {{NAN, 4, INF}, {1, 0, 1}},       // masked or non-finite
        };
        for (UnaryOperator<SuperLoss.Builder> setup : setups()) {
            for (boolean trainedBefore : new boolean[] {false, true}) {
                for (double[][] b : bad) {
                    for (ILossFunction inner : new ILossFunction[] {new LossWasserstein(), new LossMSE()}) {
                        SuperLoss loss = build(variant, setup, inner);
                        SuperLoss reference = build(variant, setup, inner);
                        INDArray labels = inner instanceof LossMSE ? Nd4j.zeros(DataType.DOUBLE, 3, 1) : ones(3);
                        if (trainedBefore) {
                            for (SuperLoss l : new SuperLoss[] {loss, reference}) {
                                l.computeGradient(ones(2), column(1.0, 2.5), IDENTITY, null);
                            }
                        }
                        INDArray confidenceBefore = loss.lastConfidence();
                        String what = loss + (trainedBefore ? " trained" : " fresh") + ", batch "
                                + Arrays.deepToString(b);

                        INDArray mask = column(b[1]);
                        INDArray grad = loss.computeGradient(labels, column(b[0]), IDENTITY, mask);
                        double[] scores = loss.computeScoreArray(labels, column(b[0]), IDENTITY, mask)
                                .toDoubleVector();
                        for (int i = 0; i < 3; i++) {
                            if (b[1][i] == 0) {
                                assertEquals(0.0, scores[i], what + ": masked row loss");
                                assertEquals(0.0, grad.getDouble(i, 0), what + ": masked row gradient");
                            } else {
                                assertTrue(!Double.isFinite(scores[i]), what + ": non-finite row stays visible");
                            }
                        }
                        assertEquals(reference.tau(), loss.tau(), 0.0, what);
                        assertEquals(reference.snapshot().calls(), loss.snapshot().calls(), what);
                        assertEquals(confidenceBefore, loss.lastConfidence(), what + ": last confidences kept");
                        // Nothing of the bad batch lingers (the global mean's row weight included): the next
                        // batch moves both thresholds identically.
                        for (SuperLoss l : new SuperLoss[] {loss, reference}) {
                            l.computeGradient(ones(2), column(0.75, 4.0), IDENTITY, null);
                        }
                        assertEquals(reference.tau(), loss.tau(), 0.0, what + ", then a clean batch");
                    }
                }
            }
        }
    }

    private static void assertAllFinite(INDArray a, String what) {
        assertNotNull(a, what);
        for (double v : a.dup().data().asDouble()) {
            assertTrue(Double.isFinite(v), what + " " + a);
        }
    }

    /** The WARN lines SuperLoss logs while {@code body} runs. */
    private static List<String> warnings(Executable body) {
        return WarningCapture.warnings(SuperLoss.class, body);
    }

    @Test
    void warningCaptureSeesTheLoggerOutput() {
        // Guards the capture itself: if slf4j-simple stopped writing to System.err, the quiet assertions above would
        // pass vacuously.
        List<String> lines = warnings(() -> org.slf4j.LoggerFactory.getLogger(SuperLoss.class).warn("probe"));
        assertEquals(1, lines.size(), lines.toString());
    }
}
