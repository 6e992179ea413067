package io.superloss;

import io.superloss.examples.Digits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.HashMap;
import java.util.Map;

import static io.superloss.TestUtils.column;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SuperLossGraph on plain SameDiff graphs: state variables, the training-call contract, values, gradients, fit. */
// SameDiff prints every op of a gradient function: shown only if a test fails.
@ExtendWith(OutputShownOnFailure.class)
class SuperLossGraphTest {
    /** A graph with a per-example loss placeholder "l" and a mask placeholder "m", both [rows,1] DOUBLE. */
    private static final class Fixture {
        final SameDiff sd = SameDiff.create();
        final SDVariable l = sd.placeHolder("l", DataType.DOUBLE, -1, 1);
        final SDVariable m = sd.placeHolder("m", DataType.DOUBLE, -1, 1);
        final SuperLossGraph graph;

        Fixture(boolean masked, Threshold threshold, double lambda, int warmup) {
            SuperLossGraph.Builder b = SuperLossGraph.builder(sd, l).threshold(threshold).lambda(lambda)
                    .warmupIterations(warmup);
            graph = (masked ? b.mask(m) : b).build();
        }

        Map<String, INDArray> run(double[] loss, double[] mask, SDVariable... outputs) {
            Map<String, INDArray> ph = new HashMap<>();
            ph.put("l", column(loss));
            if (mask != null) {
                ph.put("m", column(mask));
            }
            String[] names = new String[outputs.length];
            for (int i = 0; i < names.length; i++) {
                names[i] = outputs[i].name();
            }
            return sd.output(ph, names);
        }

        double[] train(double[] loss, double[] mask) {
            return run(loss, mask, graph.trainingLoss()).get(graph.trainingLoss().name()).toDoubleVector();
        }

        double tau() {
            return graph.tau().getArr().getDouble(0);
        }

        double calls() {
            return graph.counts().getArr().getDouble(0);
        }
    }

    @Test
    void stateVariablesAreNamedTauOrPrefixSlashTau() {
        Fixture f = new Fixture(false, Threshold.ema(0.9), 1, 0);
        assertEquals("tau", f.graph.tau().name());
        assertEquals(VariableType.VARIABLE, f.graph.tau().getVariableType());
        assertEquals(DataType.DOUBLE, f.graph.tau().dataType());
        assertTrue(Double.isNaN(f.tau()), "untrained moving threshold");

        SuperLossGraph second = SuperLossGraph.builder(f.sd, f.l).name("second").threshold(Threshold.constant(2))
                .build();
        assertEquals("second/tau", second.tau().name());
        assertEquals(2.0, second.tau().getArr().getDouble(0), 0.0);
        f.train(new double[] {1, 3}, null);
        assertEquals(2.0, f.tau(), 0.0);
        assertEquals(2.0, second.tau().getArr().getDouble(0), 0.0, "each graph has its own state");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SuperLossGraph.builder(f.sd, f.l).build());
        assertTrue(e.getMessage().contains("'tau'") && e.getMessage().contains("name(prefix)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SuperLossGraph.builder(f.sd, f.l).name("second").build());
    }

    @Test
    void builderNamesBadParametersAndShapes() {
        SameDiff sd = SameDiff.create();
        SDVariable ok = sd.placeHolder("ok", DataType.DOUBLE, -1, 1);
        assertMessage(() -> SuperLossGraph.builder(null, ok).build(), "sd");
        assertMessage(() -> SuperLossGraph.builder(sd, null).build(), "perExampleLoss");
        assertMessage(() -> SuperLossGraph.builder(sd, sd.placeHolder("r1", DataType.DOUBLE, -1)).build(),
                "perExampleLoss", "[rows,1]", "[-1]");
        assertMessage(() -> SuperLossGraph.builder(sd, sd.placeHolder("wide", DataType.DOUBLE, -1, 3)).build(),
                "perExampleLoss", "[-1, 3]");
        assertMessage(() -> SuperLossGraph.builder(sd, sd.placeHolder("int", DataType.INT, -1, 1)).build(),
                "perExampleLoss", "INT");
        assertMessage(() -> SuperLossGraph.builder(sd, ok).mask(sd.placeHolder("mk", DataType.DOUBLE, -1, 2))
                .build(), "mask", "[-1, 2]");
        assertMessage(() -> SuperLossGraph.builder(sd, ok).threshold(null).build(), "threshold");
        assertMessage(() -> SuperLossGraph.builder(sd, ok).lambda(0).build(), "lambda", "0.0");
        assertMessage(() -> SuperLossGraph.builder(sd, ok).lambda(Double.NaN).build(), "lambda", "NaN");
        assertMessage(() -> SuperLossGraph.builder(sd, ok).warmupIterations(-1).build(), "warmupIterations", "-1");
        assertMessage(() -> SuperLossGraph.builder(sd, ok).name("").build(), "name");
        SDVariable foreign = SameDiff.create().placeHolder("f", DataType.DOUBLE, -1, 1);
        assertMessage(() -> SuperLossGraph.builder(sd, foreign).build(), "perExampleLoss", "another SameDiff");
        assertTrue(!sd.hasVariable("tau"), "a rejected configuration adds nothing to the graph");
    }

    @Test
    void eachTrainingExecutionAdvancesTheEmaOnceAndScoringNever() {
        Fixture f = new Fixture(false, Threshold.ema(0.9), 1, 0);
        f.run(new double[] {5, 6}, null, f.graph.loss(), f.graph.confidence());
        assertTrue(Double.isNaN(f.tau()), "scoring outputs do not initialise the threshold");
        assertEquals(0.0, f.calls(), 0.0);

        f.train(new double[] {1, 2, 3}, null);
        assertEquals(2.0, f.tau(), 0.0, "the first training call sets tau to the batch mean");
        f.run(new double[] {10, 10}, null, f.graph.loss(), f.graph.confidence());
        assertEquals(2.0, f.tau(), 0.0);

        // Several outputs in one execution: still one update, and the scoring outputs see the old threshold.
        Map<String, INDArray> out = f.run(new double[] {4}, null, f.graph.trainingLoss(), f.graph.loss(),
                f.graph.confidence());
        assertEquals(0.9 * 2 + 0.1 * 4, f.tau(), 1e-15);
        assertEquals(2.0, f.calls(), 0.0);
        assertEquals(SuperLossOracle.row(4, 2.0, 1).superLoss(), out.get(f.graph.loss().name()).getDouble(0), 1e-14);
        assertEquals(SuperLossOracle.row(4, 2.2, 1).superLoss(), out.get(f.graph.trainingLoss().name()).getDouble(0),
                1e-14);
    }

    /**
     * Values against the apfloat oracle (rows from the clamped region to far above tau, lambda 0.5) and the gradient
     * with respect to the per-example loss: mask value times sigma. The graph's W0 is within a few ulp, so 1e-13
     * relative leaves ample room.
     */
    @Test
    void valuesMatchTheOracleAndTheGradientIsMaskTimesSigma() {
        Fixture f = new Fixture(true, Threshold.constant(2.0), 0.5, 0);
        double[] loss = {0.0, 1.5, 1.9999, 2.0, 2.3, 5.0, 40.0, 0.1};
        double[] mask = {1, 1, 0.5, 1, 0, 1, 1, 2};
        f.graph.trainingLoss().sum("total").markAsLoss();
        f.sd.createGradFunction("l");
        Map<String, INDArray> ph = Map.of("l", column(loss), "m", column(mask));
        INDArray gradient = f.sd.calculateGradients(ph, "l").get("l");
        Map<String, INDArray> out = f.run(loss, mask, f.graph.trainingLoss(), f.graph.confidence(), f.graph.loss());
        double[] training = out.get(f.graph.trainingLoss().name()).toDoubleVector();
        double[] scoring = out.get(f.graph.loss().name()).toDoubleVector();
        double[] sigma = out.get(f.graph.confidence().name()).toDoubleVector();
        for (int i = 0; i < loss.length; i++) {
            SuperLossOracle.Row row = SuperLossOracle.row(loss[i], 2.0, 0.5);
            double expectedLoss = mask[i] * row.superLoss();
            assertEquals(expectedLoss, training[i], 1e-13 * Math.max(1, Math.abs(expectedLoss)), "row " + i);
            assertEquals(expectedLoss, scoring[i], 1e-13 * Math.max(1, Math.abs(expectedLoss)), "row " + i);
            assertEquals(mask[i] * row.sigma(), gradient.getDouble(i, 0), 1e-13, "gradient row " + i);
            if (mask[i] == 0) {
                assertTrue(Double.isNaN(sigma[i]), "masked row: NaN confidence");
            } else {
                assertEquals(row.sigma(), sigma[i], 1e-13 * row.sigma(), "sigma row " + i);
            }
        }
        assertEquals(Math.E, sigma[0], 0.0, "clamped row: sigma = e");
    }

    @Test
    void scoringBeforeTrainingUsesTheBatchMean() {
        Fixture f = new Fixture(false, Threshold.globalMean(), 1, 0);
        double[] loss = {0.5, 1.0, 4.5};
        double[] scores = f.run(loss, null, f.graph.loss()).get(f.graph.loss().name()).toDoubleVector();
        for (int i = 0; i < loss.length; i++) {
            assertEquals(SuperLossOracle.row(loss[i], 2.0, 1).superLoss(), scores[i], 1e-14);
        }
        assertTrue(Double.isNaN(f.tau()));
    }

    @Test
    void maskedAndNonFiniteRowsDoNotMoveTheThreshold() {
        Fixture f = new Fixture(true, Threshold.ema(0.9), 1, 0);
        double[] training = f.train(new double[] {1, 100, Double.NaN, 3}, new double[] {1, 0, 1, 1});
        assertEquals(2.0, f.tau(), 0.0, "mean of the unmasked finite rows");
        assertEquals(0.0, training[1], 0.0, "masked row: 0");
        assertTrue(Double.isNaN(training[2]), "a NaN row stays visible");

        f.train(new double[] {7, 8}, new double[] {0, 0});
        assertEquals(2.0, f.tau(), 0.0, "a batch with no usable row changes no state");
        assertEquals(1.0, f.calls(), 0.0, "and is not counted");
        f.train(new double[] {Double.POSITIVE_INFINITY}, new double[] {1});
        assertEquals(2.0, f.tau(), 0.0);
        assertEquals(1.0, f.calls(), 0.0);
    }

    /** Hand-derived sequences of the global mean with warm-up and of the EMA with warm-up. */
    @Test
    void warmUpFollowsTheRules() {
        Fixture g = new Fixture(true, Threshold.globalMean(), 1, 1);
        g.train(new double[] {2, 4}, new double[] {1, 1});
        assertEquals(3.0, g.tau(), 0.0, "warm-up: the batch mean");
        g.train(new double[] {1, 9}, new double[] {1, 0});
        assertEquals(1.0, g.tau(), 0.0, "first counted call: its mean, the warm-up rows are not counted");
        g.train(new double[] {4, 4}, new double[] {1, 1});
        assertEquals((1 + 4 + 4) / 3.0, g.tau(), 1e-15);
        g.train(new double[] {10}, new double[] {0.5});
        assertEquals((1 + 4 + 4 + 0.5 * 10) / 3.5, g.tau(), 1e-15, "rows weighted by their mask value");

        Fixture e = new Fixture(false, Threshold.ema(0.5), 1, 2);
        e.train(new double[] {2}, null);
        e.train(new double[] {6}, null);
        assertEquals(6.0, e.tau(), 0.0, "warm-up calls reset tau to the batch mean");
        e.train(new double[] {10}, null);
        assertEquals(10.0, e.tau(), 0.0, "the call right after the warm-up too");
        e.train(new double[] {2}, null);
        assertEquals(6.0, e.tau(), 0.0, "then the EMA");
    }

    @Test
    void floatLossGivesFloatOutputsAndKeepsADoubleThreshold() {
        SameDiff sd = SameDiff.create();
        SDVariable l = sd.placeHolder("l", DataType.FLOAT, -1, 1);
        SuperLossGraph g = SuperLossGraph.builder(sd, l).threshold(Threshold.ema(0.9)).build();
        assertEquals(DataType.FLOAT, g.trainingLoss().dataType());
        assertEquals(DataType.FLOAT, g.loss().dataType());
        assertEquals(DataType.FLOAT, g.confidence().dataType());
        assertEquals(DataType.DOUBLE, g.tau().dataType());
        float[] loss = {0.1f, 0.7f, 2.9f};
        INDArray out = sd.output(Map.of("l", Nd4j.createFromArray(loss).reshape(3, 1)), g.trainingLoss().name())
                .get(g.trainingLoss().name());
        double mean = ((double) loss[0] + loss[1] + loss[2]) / 3;
        assertEquals(mean, g.tau().getArr().getDouble(0), 1e-15, "the threshold is computed in double");
        for (int i = 0; i < loss.length; i++) {
            assertEquals((float) SuperLossOracle.row(loss[i], mean, 1).superLoss(), out.getFloat(i, 0), 0f);
        }
    }

    /**
     * A pure SameDiff model (placeholder input, a dense layer, softmax cross-entropy per example, SuperLossGraph)
     * trained with {@code sd.fit}: tau follows the EMA of the batch mean losses exactly (each taken just before the
     * iteration, with the weights that iteration starts from), also with L2 or weight decay configured (they must not
     * reach the state), and the model learns.
     */
    @ParameterizedTest
    @CsvSource({"none, true", "l2, true", "weightDecay, true", "none, false", "l2, false", "weightDecay, false"})
    void pureSameDiffModelTrainsWithFitAndTauFollowsTheEma(String regularization, boolean nativeOps) {
        if (nativeOps) {
            NativeOpsTestSupport.assumeNativeOps();
        }
        Nd4j.getRandom().setSeed(11);
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("in", DataType.DOUBLE, -1, Digits.FEATURES);
        SDVariable labels = sd.placeHolder("labels", DataType.DOUBLE, -1, Digits.CLASSES);
        SDVariable w = sd.var("w", Nd4j.randn(DataType.DOUBLE, Digits.FEATURES, Digits.CLASSES).muli(0.05));
        SDVariable b = sd.var("b", Nd4j.zeros(DataType.DOUBLE, 1, Digits.CLASSES));
        SDVariable logits = in.mmul(w).add(b);
        SDVariable perExample = sd.math.neg(labels.mul(sd.nn.logSoftmax(logits)).sum(true, 1));
        sd.identity("perExample", perExample);
        SuperLossGraph superLoss = SuperLossGraph.builder(sd, perExample).threshold(Threshold.ema(0.9))
                .nativeOps(nativeOps).build();
        superLoss.trainingLoss().mean("loss").markAsLoss();
        TrainingConfig.Builder config = new TrainingConfig.Builder().updater(new Adam(1e-2))
                .dataSetFeatureMapping("in").dataSetLabelMapping("labels");
        if (regularization.equals("l2")) {
            config.l2(1e-2);
        } else if (regularization.equals("weightDecay")) {
            config.weightDecay(1e-2, false);
        }
        sd.setTrainingConfig(config.build());

        Digits digits = Digits.load().shuffled(5).range(0, 128);
        DataSet batch = new DataSet(digits.featureArray().castTo(DataType.DOUBLE),
                Digits.oneHot(digits.labels, Digits.CLASSES).castTo(DataType.DOUBLE));
        Map<String, INDArray> ph = Map.of("in", batch.getFeatures(), "labels", batch.getLabels());
        double firstMean = Double.NaN;
        double lastMean = Double.NaN;
        double expectedTau = Double.NaN;
        for (int iteration = 0; iteration < 12; iteration++) {
            double mean = sd.output(ph, "perExample").get("perExample").meanNumber().doubleValue();
            expectedTau = Double.isNaN(expectedTau) ? mean : expectedTau - 0.1 * (expectedTau - mean);
            if (iteration == 0) {
                firstMean = mean;
            }
            lastMean = mean;
            sd.fit(batch);
            assertEquals(expectedTau, superLoss.tau().getArr().getDouble(0), 1e-12 * expectedTau,
                    "tau after iteration " + iteration + " (" + regularization + ", native ops " + nativeOps + ")");
        }
        assertTrue(lastMean < 0.8 * firstMean, "the model learns: mean loss " + firstMean + " -> " + lastMean);
        assertNotEquals(0.0, b.getArr().norm1Number().doubleValue(), "the parameters were trained");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should mention " + p);
        }
    }

    /** The ops a SameDiff instance holds, by op name. */
    private static Map<String, Integer> opCounts(SameDiff sd) {
        Map<String, Integer> counts = new HashMap<>();
        for (org.nd4j.autodiff.functions.DifferentialFunction op : sd.ops()) {
            counts.merge(op.opName(), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * With the native ops loaded, the graph is built on them: one rows op per evaluation (scoring, training) and one
     * threshold update instead of the composite W0 (over a hundred built-in ops per evaluation). Both forms of the same
     * graph agree: the native update follows the same rules in the same row order (tau bit for bit), the rows agree
     * within the composite W0's error (1e-15 relative; its sigma uses ND4J's exp).
     */
    @Test
    void nativeGraphHoldsTheNativeOpsAndAgreesWithTheCompositeGraph() {
        NativeOpsTestSupport.assumeNativeOps();
        Map<Boolean, SameDiff> graphs = new HashMap<>();
        Map<Boolean, SuperLossGraph> superLosses = new HashMap<>();
        for (boolean nativeOps : new boolean[] {true, false}) {
            SameDiff sd = SameDiff.create();
            SDVariable loss = sd.placeHolder("loss", DataType.DOUBLE, -1, 1);
            SDVariable mask = sd.placeHolder("mask", DataType.DOUBLE, -1, 1);
            superLosses.put(nativeOps, SuperLossGraph.builder(sd, loss).mask(mask).threshold(Threshold.globalMean())
                    .warmupIterations(1).lambda(0.5).nativeOps(nativeOps).build());
            graphs.put(nativeOps, sd);
        }
        Map<String, Integer> nativeCounts = opCounts(graphs.get(true));
        Map<String, Integer> compositeCounts = opCounts(graphs.get(false));
        assertEquals(2, nativeCounts.getOrDefault(SuperLossRowsOp.OP_NAME, 0), nativeCounts.toString());
        assertEquals(1, nativeCounts.getOrDefault(ThresholdUpdateOp.OP_NAME, 0), nativeCounts.toString());
        assertTrue(!compositeCounts.containsKey(SuperLossRowsOp.OP_NAME)
                && !compositeCounts.containsKey(ThresholdUpdateOp.OP_NAME), compositeCounts.toString());
        int nativeTotal = graphs.get(true).ops().length;
        int compositeTotal = graphs.get(false).ops().length;
        assertTrue(compositeTotal > 4 * nativeTotal, "ops: native " + nativeTotal + ", composite " + compositeTotal);

        double[][] losses = {{0.5, 2.0, 0.1, 7.0}, {1.5, Double.NaN, 0.2, 3.0}, {0.4, 0.9, 2.5, 0.05}};
        double[][] masks = {{1, 1, 0, 1}, {1, 1, 1, 0.5}, {0, 2, 1, 1}};
        for (int step = 0; step < losses.length; step++) {
            Map<String, INDArray> ph = Map.of("loss", column(losses[step]), "mask", column(masks[step]));
            Map<Boolean, Map<String, INDArray>> out = new HashMap<>();
            for (boolean nativeOps : new boolean[] {true, false}) {
                SuperLossGraph g = superLosses.get(nativeOps);
                out.put(nativeOps, graphs.get(nativeOps).output(ph, g.trainingLoss().name(),
                        g.trainingConfidence().name()));
                assertEquals(superLosses.get(true).tau().getArr().getDouble(0),
                        superLosses.get(nativeOps).tau().getArr().getDouble(0), 0.0, "tau, step " + step);
            }
            for (String name : new String[] {superLosses.get(true).trainingLoss().name(),
                    superLosses.get(true).trainingConfidence().name()}) {
                String other = name.equals(superLosses.get(true).trainingLoss().name())
                        ? superLosses.get(false).trainingLoss().name() : superLosses.get(false).trainingConfidence().name();
                TestUtils.assertClose(out.get(false).get(other), out.get(true).get(name), 1e-15, 1e-300,
                        name + ", step " + step);
            }
        }
    }
}
