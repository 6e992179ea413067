package io.superloss;

import io.superloss.SuperLoss.Execution;
import io.superloss.examples.Digits;
import io.superloss.examples.SameDiffMse;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static io.superloss.TestUtils.column;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SuperLoss in GRAPH execution: the same results as FUSED (within 1e-9 absolute plus relative, DOUBLE), one state
 * shared by {@code tau()}, the SameDiff {@code tau} variable, JSON and {@link SuperLoss#withExecution}, safe under
 * concurrent calls; and {@link SuperLoss#defineLoss} as the symbolic form of a SameDiff wrapped loss.
 */
// Non-finite-row WARNs and SameDiff's gradient printout show only if a test fails.
@ExtendWith(OutputShownOnFailure.class)
class SuperLossGraphExecutionTest {
    /** FUSED and GRAPH both compute in double from the same per-row values; only W0 and summation order differ. */
    private static final double TOLERANCE = 1e-9;
    private static final IActivation SOFTMAX = new ActivationSoftmax();
    private static final int CLASSES = 3;

    /** One batch: labels, preOutput and an optional mask (per row or per output). */
    private record Batch(INDArray labels, INDArray preOutput, INDArray mask) {
    }

    /**
     * Seven batches: no mask, 0/1 row masks, fractional row weights, another 0/1 mask, a batch with every row masked
     * (no usable row), a wide spread of losses (clamped rows), a row with a NaN loss. (Per-output masks: see
     * {@link #graphAgreesWithFusedWithPerOutputMasks}; LossMCXENT with softmax does not support them.)
     */
    private static List<Batch> batches() {
        Random r = new Random(42);
        List<Batch> b = new ArrayList<>();
        b.add(batch(r, 6, 2, null));
        b.add(batch(r, 5, 2, column(1, 0, 1, 1, 0)));
        b.add(batch(r, 7, 3, column(1, 0.5, 2, 0, 1, 1, 0.25)));
        b.add(batch(r, 4, 2, column(0, 1, 1, 1)));
        b.add(batch(r, 3, 2, column(0, 0, 0)));
        b.add(batch(r, 8, 8, null));
        Batch withNaN = batch(r, 5, 2, column(1, 1, 0, 1, 1));
        withNaN.preOutput.putScalar(3, 1, Double.NaN);
        b.add(withNaN);
        return b;
    }

    private static Batch batch(Random r, int rows, double scale, INDArray mask) {
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, rows, CLASSES);
        INDArray pre = Nd4j.zeros(DataType.DOUBLE, rows, CLASSES);
        for (int i = 0; i < rows; i++) {
            labels.putScalar(i, r.nextInt(CLASSES), 1.0);
            for (int j = 0; j < CLASSES; j++) {
                pre.putScalar(i, j, scale * r.nextGaussian());
            }
        }
        return new Batch(labels, pre, mask);
    }

    /** Each configuration with each form of the graph: this library's native ops, and ND4J's built-in ops only. */
    static Stream<Arguments> configurations() {
        return Stream.of(true, false).flatMap(nativeOps -> Stream.of(
            SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(0.9)).build(),
            SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(0.8)).warmupIterations(2).lambda(0.25).build(),
            SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).lambda(0.25).build(),
            SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).warmupIterations(2).build(),
            SuperLoss.builder(new LossMCXENT()).threshold(Threshold.constant(Math.log(CLASSES))).lambda(0.5).build())
                .map(fused -> Arguments.of(fused, nativeOps)));
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void graphAgreesWithFusedOverMaskedBatches(SuperLoss fused, boolean nativeOps) {
        SuperLoss graph = fused.withExecution(Execution.GRAPH).withGraphOps(nativeOps);
        assertEquals(Execution.GRAPH, graph.execution());
        int step = 0;
        for (Batch b : batches()) {
            String at = fused.threshold() + " warm-up " + fused.warmupIterations() + ", batch " + step++;
            // Scoring with the current threshold (before the first training call: the batch mean).
            assertClose(fused.computeScoreArray(b.labels, b.preOutput, SOFTMAX, b.mask),
                    graph.computeScoreArray(b.labels, b.preOutput, SOFTMAX, b.mask), at + " score array");
            assertClose(fused.confidence(b.labels, b.preOutput, SOFTMAX, b.mask),
                    graph.confidence(b.labels, b.preOutput, SOFTMAX, b.mask), at + " confidence");
            // Training.
            if (step % 2 == 0) {
                Pair<Double, INDArray> f = fused.computeGradientAndScore(b.labels, b.preOutput, SOFTMAX, b.mask, true);
                Pair<Double, INDArray> g = graph.computeGradientAndScore(b.labels, b.preOutput, SOFTMAX, b.mask, true);
                assertClose(f.getFirst(), g.getFirst(), at + " training score");
                assertClose(f.getSecond(), g.getSecond(), at + " gradient");
            } else {
                assertClose(fused.computeGradient(b.labels, b.preOutput, SOFTMAX, b.mask),
                        graph.computeGradient(b.labels, b.preOutput, SOFTMAX, b.mask), at + " gradient");
            }
            assertClose(fused.tau(), graph.tau(), at + " tau");
            assertEquals(graph.tau(), graph.sameDiff().getVariable("tau").getArr().getDouble(0), 0.0,
                    at + ": the SameDiff tau variable equals tau()");
            ThresholdSnapshot fs = fused.snapshot();
            ThresholdSnapshot gs = graph.snapshot();
            assertEquals(fs.calls(), gs.calls(), at + " calls");
            assertEquals(fs.rowWeight(), gs.rowWeight(), 1e-12 * fs.rowWeight(), at + " rowWeight");
            assertEquals(fs.seenWeight(), gs.seenWeight(), 1e-12 * fs.seenWeight(), at + " seenWeight");
            assertClose(fused.lastConfidence(), graph.lastConfidence(), at + " last confidence");
            assertClose(fused.computeScore(b.labels, b.preOutput, SOFTMAX, b.mask, false),
                    graph.computeScore(b.labels, b.preOutput, SOFTMAX, b.mask, false), at + " score");
        }
        assertTrue(Double.isFinite(graph.tau()));
    }

    /**
     * On the native ops, GRAPH execution runs one op for a training call's update and rows ({@link TrainingRowsOp})
     * with the two assigns that write the state, and one rows op for scoring: no separate update, no composite W0, no
     * detach (ND4J's op profiler counts what each execution runs). Its instance also holds the identities that name
     * the public outputs, which it does not execute.
     */
    @Test
    void nativeGraphExecutionRunsOneOpPerEvaluation() {
        NativeOpsTestSupport.assumeNativeOps();
        GraphExecution execution = new GraphExecution(Threshold.ema(0.9), 1.0, 0, true);
        ThresholdState state = new ThresholdState(Threshold.ema(0.9), 0, Threshold.ema(0.9).untrained());
        INDArray gradient = Nd4j.ones(DataType.DOUBLE, 3, 2);
        // The first call also loads the state into the graph's variables (as does a call after another writer).
        execution.train(new PreparedBatch(new double[] {0.5, 1.0, 3.0}, new double[] {1.0, 0.0, 1.0}), state, gradient);
        assertEquals(1.75, state.snapshot().tau(), 0.0, "EMA from untrained: the mean of the usable rows");
        PreparedBatch batch = new PreparedBatch(new double[] {0.75, 2.75, 1.0}, new double[] {1.0, 1.0, 1.0});
        long trainingOps = executedOps(() -> execution.train(batch, state, gradient));
        long scoringOps = executedOps(() -> execution.score(new PreparedBatch(new double[] {0.7, 0.2},
                new double[] {1.0, 1.0}), state.snapshot()));
        assertEquals(3, trainingOps, "training: the training-rows op and two assigns");
        assertEquals(1, scoringOps, "scoring: the rows op");
        assertEquals(1.75 - 0.1 * (1.75 - 1.5), state.snapshot().tau(), 1e-15, "EMA: tau - 0.1 (tau - mean)");

        Map<String, Integer> ops = new java.util.TreeMap<>();
        for (org.nd4j.autodiff.functions.DifferentialFunction op : execution.sameDiff(state.snapshot()).ops()) {
            ops.merge(op.opName(), 1, Integer::sum);
        }
        assertEquals(Map.of(TrainingRowsOp.OP_NAME, 1, SuperLossRowsOp.OP_NAME, 1, "assign", 2, "identity", 3), ops);
    }

    /** The number of ND4J ops {@code call} executes. */
    private static long executedOps(Runnable call) {
        OpProfiler.getInstance().reset();
        Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).build());
        try {
            call.run();
            return OpProfiler.getInstance().getInvocationsCount();
        } finally {
            Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().build());
            OpProfiler.getInstance().reset();
        }
    }

    /** Per-output masks ([rows, nOut]): a row whose mask is all zero is masked out, the others go to the inner loss. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void graphAgreesWithFusedWithPerOutputMasks(boolean nativeOps) {
        SuperLoss fused = SuperLoss.builder(new LossMSE()).threshold(Threshold.ema(0.9)).warmupIterations(1).build();
        SuperLoss graph = fused.withExecution(Execution.GRAPH).withGraphOps(nativeOps);
        IActivation identity = new ActivationIdentity();
        Random r = new Random(8);
        for (int step = 0; step < 5; step++) {
            Batch b = batch(r, 4, 2, Nd4j.createFromArray(new double[][] {
                {1, 1, 0}, {0, 0, 0}, {1, 1, 1}, {step % 2, 1, 0}}));
            assertClose(fused.computeGradient(b.labels, b.preOutput, identity, b.mask),
                    graph.computeGradient(b.labels, b.preOutput, identity, b.mask), "gradient, batch " + step);
            assertClose(fused.tau(), graph.tau(), "tau, batch " + step);
            assertClose(fused.lastConfidence(), graph.lastConfidence(), "confidence, batch " + step);
            assertClose(fused.computeScoreArray(b.labels, b.preOutput, identity, b.mask),
                    graph.computeScoreArray(b.labels, b.preOutput, identity, b.mask), "scores, batch " + step);
        }
    }

    @Test
    void withExecutionKeepsTheStateBothWays() {
        List<Batch> batches = batches();
        SuperLoss reference = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).build();
        SuperLoss fused = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).build();
        for (int i = 0; i < 3; i++) {
            train(reference, batches.get(i));
            train(fused, batches.get(i));
        }
        SuperLoss graph = fused.withExecution(Execution.GRAPH);
        assertEquals(fused.tau(), graph.tau(), 0.0);
        assertEquals(fused.tau(), graph.sameDiff().getVariable("tau").getArr().getDouble(0), 0.0);
        assertClose(fused.lastConfidence(), graph.lastConfidence(), "last confidence");
        for (int i = 3; i < 5; i++) {
            assertClose(train(reference, batches.get(i)), train(graph, batches.get(i)), "graph batch " + i);
        }
        SuperLoss back = graph.withExecution(Execution.FUSED);
        assertEquals(graph.tau(), back.tau(), 0.0);
        for (int i = 5; i < 7; i++) {
            assertClose(train(reference, batches.get(i)), train(back, batches.get(i)), "fused again, batch " + i);
        }
        assertClose(reference.tau(), back.tau(), "tau after the round trip");
        assertEquals(fused.withExecution(Execution.FUSED), fused);
        assertNotEquals(graph, fused, "the execution is part of the configuration");
        assertThrows(IllegalArgumentException.class, () -> fused.withExecution(null));
        assertThrows(IllegalArgumentException.class, () -> SuperLoss.builder(new LossMSE()).execution(null).build());
    }

    private static INDArray train(SuperLoss loss, Batch b) {
        return loss.computeGradient(b.labels, b.preOutput, SOFTMAX, b.mask);
    }

    @Test
    void resetStateReachesTheGraph() {
        SuperLoss graph = SuperLoss.builder(new LossMCXENT()).execution(Execution.GRAPH).build();
        Batch b = batches().get(0);
        train(graph, b);
        graph.resetState();
        assertTrue(Double.isNaN(graph.tau()));
        assertTrue(Double.isNaN(graph.sameDiff().getVariable("tau").getArr().getDouble(0)));
        SuperLoss fresh = SuperLoss.builder(new LossMCXENT()).build();
        assertClose(fresh.computeScoreArray(b.labels, b.preOutput, SOFTMAX, b.mask),
                graph.computeScoreArray(b.labels, b.preOutput, SOFTMAX, b.mask),
                "scoring the last training batch after a reset uses the batch mean, not the training call's tau");
        train(graph, batches().get(1));
        train(fresh, batches().get(1));
        assertClose(fresh.tau(), graph.tau(), "no memory of the batch before the reset");
    }

    @Test
    void executionRoundTripsThroughJson() {
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(0.7)).execution(Execution.GRAPH)
                .build();
        train(loss, batches().get(0));
        MultiLayerConfiguration conf = mlp(loss, 1).getLayerWiseConfigurations();
        String json = conf.toJson();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back);
        SuperLoss restored = (SuperLoss) ((BaseOutputLayer) back.getConf(1).getLayer()).getLossFn();
        assertEquals(Execution.GRAPH, restored.execution());
        assertEquals(loss.tau(), restored.tau(), 0.0);

        // A configuration saved before the execution existed reads as FUSED.
        String old = json.replaceAll("\"execution\"\\s*:\\s*\"GRAPH\"\\s*,?", "");
        assertTrue(!old.contains("execution"), old);
        SuperLoss legacy = (SuperLoss) ((BaseOutputLayer) MultiLayerConfiguration.fromJson(old).getConf(1)
                .getLayer()).getLossFn();
        assertEquals(Execution.FUSED, legacy.execution());
        assertEquals(loss.tau(), legacy.tau(), 0.0);
    }

    /** A whole DL4J network trains identically (DOUBLE) in both executions. */
    @Test
    void networkTrainsTheSameInBothExecutions() {
        SuperLoss fusedLoss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(0.9)).build();
        SuperLoss graphLoss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(0.9))
                .execution(Execution.GRAPH).build();
        MultiLayerNetwork fused = mlp(fusedLoss, 7);
        MultiLayerNetwork graph = mlp(graphLoss, 7);
        Digits digits = Digits.load().shuffled(1).range(0, 96);
        DataSet data = new DataSet(digits.featureArray().castTo(DataType.DOUBLE),
                Digits.oneHot(digits.labels, Digits.CLASSES).castTo(DataType.DOUBLE));
        for (DataSet batch : data.batchBy(32)) {
            fused.fit(batch);
            graph.fit(batch);
        }
        assertClose(fusedLoss.tau(), graphLoss.tau(), "tau");
        assertClose(fused.params(), graph.params(), "parameters after three iterations");
        assertClose(fused.score(data), graph.score(data), "score");
    }

    private static MultiLayerNetwork mlp(ILossFunction loss, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(Digits.FEATURES).nOut(16).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(loss).nIn(16).nOut(Digits.CLASSES).activation(Activation.SOFTMAX)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * defineLoss inlines a SameDiff wrapped loss: executing the graph gives the FUSED SuperLoss of the same rows
     * (wrapping the equivalent eager LossMSE), and autodiff through the whole loss gives the FUSED gradient.
     */
    @Test
    void defineLossInlinesASameDiffWrappedLoss() {
        SuperLoss symbolic = SuperLoss.builder(new SameDiffMse()).threshold(Threshold.ema(0.9)).lambda(0.5).build();
        SuperLoss eager = SuperLoss.builder(new LossMSE()).threshold(Threshold.ema(0.9)).lambda(0.5).build();
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("layerInput", DataType.DOUBLE, -1, -1);
        SDVariable labels = sd.placeHolder("labels", DataType.DOUBLE, -1, -1);
        SDVariable perRow = symbolic.defineLoss(sd, in, labels);
        perRow.sum("total").markAsLoss();
        sd.createGradFunction("layerInput");

        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 4).muli(3);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 6, 4);
        Map<String, INDArray> ph = Map.of("layerInput", x, "labels", y);
        INDArray gradient = sd.calculateGradients(ph, "layerInput").get("layerInput");
        INDArray expectedGradient = eager.computeGradient(y, x, new ActivationIdentity(), null);
        assertClose(expectedGradient, gradient, "gradient of the symbolic SuperLoss");
        assertClose(eager.tau(), sd.getVariable("tau").getArr().getDouble(0), "tau");
        // A second training execution on the same batch leaves an EMA threshold where it is.
        INDArray values = sd.output(ph, perRow.name()).get(perRow.name());
        assertClose(eager.computeScoreArray(y, x, new ActivationIdentity(), null), values, "per-row SuperLoss");
        assertTrue(Double.isNaN(symbolic.tau()), "the graph has its own state");
    }

    /** The SameDiffLoss seam: rank-2 placeholders, the symbolic SuperLoss marked as the loss. */
    @Test
    void createSameDiffInstanceUsesRank2Placeholders() {
        Probe probe = new Probe(new SameDiffMse());
        probe.createSameDiffInstance(DataType.DOUBLE);
        assertArrayEquals(new long[] {-1, -1}, probe.sameDiffOfStock().getVariable("layerInput").getShape());
        assertArrayEquals(new long[] {-1, -1}, probe.sameDiffOfStock().getVariable("labels").getShape());
        assertEquals(List.of(probe.scoreVariable().name()), probe.sameDiffOfStock().getLossVariables());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 2);
        INDArray y = Nd4j.rand(DataType.DOUBLE, 3, 2);
        INDArray values = probe.sameDiffOfStock().output(Map.of("layerInput", x, "labels", y),
                probe.scoreVariable().name()).get(probe.scoreVariable().name());
        SuperLoss eager = new SuperLoss(new LossMSE());
        eager.computeGradient(y, x, new ActivationIdentity(), null);
        assertClose(eager.computeScoreArray(y, x, new ActivationIdentity(), null), values, "per-row SuperLoss");
    }

    /** Exposes SameDiffLoss's protected instance for the test. */
    private static final class Probe extends SuperLoss {
        Probe(ILossFunction inner) {
            super(inner);
        }

        SameDiff sameDiffOfStock() {
            return sd;
        }

        SDVariable scoreVariable() {
            return scorePerExampleVariable;
        }
    }

    private static void assertClose(double expected, double actual, String what) {
        TestUtils.assertClose(expected, actual, TOLERANCE, TOLERANCE, what);
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        TestUtils.assertClose(expected, actual, TOLERANCE, TOLERANCE, what);
    }
}
