package io.superloss;

import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A network saved with {@code ModelSerializer} (updater included) after k iterations comes back with the same
 * configuration, outputs and threshold state, and continues exactly as if it had never stopped: after n more iterations its parameters and its threshold equal those of an uninterrupted
 * k+n run on the same batches, within 1e-6 relative (CPU; in practice the runs agree bit for bit).
 */
class SuperLossCheckpointResumeTest {
    private static final int K = 4;
    private static final int N = 6;
    private static final double REL = 1e-6;

    /** Thresholds, network data types and warm-ups; a warm-up of 6 calls straddles the checkpoint after 4. */
    static Stream<Arguments> setups() {
        return Stream.of(
                Arguments.of(Threshold.ema(0.9), 0, DataType.DOUBLE),
                Arguments.of(Threshold.globalMean(), 0, DataType.DOUBLE),
                Arguments.of(Threshold.ema(0.8), 6, DataType.FLOAT),
                Arguments.of(Threshold.globalMean(), 6, DataType.FLOAT));
    }

    private static List<DataSet> batches(DataType dataType) {
        Digits d = Digits.load().shuffled(17).range(0, 32 * (K + N));
        int[] noisy = Digits.withSymmetricNoise(d.labels, Digits.CLASSES, 0.3, 17, new boolean[d.labels.length]);
        DataSet all = d.dataSet(noisy);
        all.setFeatures(all.getFeatures().castTo(dataType));
        all.setLabels(all.getLabels().castTo(dataType));
        return all.batchBy(32);
    }

    private static SuperLoss newLoss(Threshold threshold, int warmup) {
        return SuperLoss.builder(new LossMCXENT()).threshold(threshold).warmupIterations(warmup).build();
    }

    private static SuperLoss lossOf(ComputationGraph graph) {
        LayerVertex v = (LayerVertex) graph.getConfiguration().getVertices().get("out");
        return (SuperLoss) ((BaseOutputLayer) v.getLayerConf().getLayer()).getLossFn();
    }

    private static ComputationGraph graph(SuperLoss loss, DataType dataType) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(23).dataType(dataType)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(Digits.FEATURES).nOut(32)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(loss).nIn(32).nOut(Digits.CLASSES)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    private static void fit(Model model, List<DataSet> batches, int from, int to) {
        for (int i = from; i < to; i++) {
            if (model instanceof MultiLayerNetwork) {
                ((MultiLayerNetwork) model).fit(batches.get(i));
            } else {
                ((ComputationGraph) model).fit(batches.get(i));
            }
        }
    }

    private static void assertSameState(Model uninterrupted, SuperLoss expected, Model resumed, SuperLoss actual) {
        double[] a = uninterrupted.params().dup().data().asDouble();
        double[] b = resumed.params().dup().data().asDouble();
        assertEquals(a.length, b.length);
        double scale = 0;
        for (double v : a) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < a.length; i++) {
            // Relative to the parameter, with a floor of 1e-6 of the largest one for parameters that cross zero.
            double tol = REL * Math.max(Math.abs(a[i]), 1e-6 * scale);
            assertTrue(Math.abs(a[i] - b[i]) <= tol, "parameter " + i + ": " + a[i] + " vs " + b[i]);
        }
        assertEquals(expected.tau(), actual.tau(), REL * Math.abs(expected.tau()), "tau");
        assertEquals(expected.snapshot().calls(), actual.snapshot().calls(), "counted calls");
    }

    /** Right after the restore: the same configuration, outputs, SuperLoss configuration and threshold state. */
    private static void assertRestoredAsSaved(Object savedConf, Object restoredConf, INDArray savedOutput,
                                              INDArray restoredOutput, SuperLoss saved, SuperLoss restored) {
        assertEquals(savedConf, restoredConf, "configuration");
        assertEquals(savedOutput, restoredOutput, "outputs");
        assertEquals(saved, restored, "SuperLoss configuration");
        assertEquals(saved.snapshot(), restored.snapshot(), "threshold state");
        assertTrue(Double.isFinite(restored.tau()));
    }

    @ParameterizedTest
    @MethodSource("setups")
    void multiLayerNetworkResumesExactly(Threshold threshold, int warmup, DataType dataType, @TempDir File dir)
            throws IOException {
        List<DataSet> batches = batches(dataType);
        SuperLoss straightLoss = newLoss(threshold, warmup);
        MultiLayerNetwork straight = DigitsModels.mlp(straightLoss, 29, dataType, new Adam(1e-2), 32);
        fit(straight, batches, 0, K + N);

        MultiLayerNetwork first = DigitsModels.mlp(newLoss(threshold, warmup), 29, dataType, new Adam(1e-2), 32);
        fit(first, batches, 0, K);
        File file = new File(dir, "checkpoint.zip");
        ModelSerializer.writeModel(first, file, true);
        MultiLayerNetwork resumed = ModelSerializer.restoreMultiLayerNetwork(file, true);
        SuperLoss resumedLoss = (SuperLoss) DigitsModels.outputLoss(resumed);
        assertNotSame(DigitsModels.outputLoss(first), resumedLoss, "the state came back through the JSON");
        assertRestoredAsSaved(first.getLayerWiseConfigurations(), resumed.getLayerWiseConfigurations(),
                first.output(batches.get(0).getFeatures()), resumed.output(batches.get(0).getFeatures()),
                (SuperLoss) DigitsModels.outputLoss(first), resumedLoss);
        fit(resumed, batches, K, K + N);
        assertSameState(straight, straightLoss, resumed, resumedLoss);

        // Control: the same continuation from an untrained threshold ends elsewhere, so the check above has teeth.
        MultiLayerNetwork forgetful = ModelSerializer.restoreMultiLayerNetwork(file, true);
        SuperLoss forgetfulLoss = (SuperLoss) DigitsModels.outputLoss(forgetful);
        forgetfulLoss.resetState();
        fit(forgetful, batches, K, K + N);
        assertTrue(Math.abs(forgetfulLoss.tau() - straightLoss.tau()) > 1e-4 * Math.abs(straightLoss.tau()),
                "a reset threshold must give a different tau: " + forgetfulLoss.tau() + " vs " + straightLoss.tau());
    }

    @ParameterizedTest
    @MethodSource("setups")
    void computationGraphResumesExactly(Threshold threshold, int warmup, DataType dataType, @TempDir File dir)
            throws IOException {
        List<DataSet> batches = batches(dataType);
        ComputationGraph straight = graph(newLoss(threshold, warmup), dataType);
        fit(straight, batches, 0, K + N);

        ComputationGraph first = graph(newLoss(threshold, warmup), dataType);
        fit(first, batches, 0, K);
        File file = new File(dir, "checkpoint.zip");
        ModelSerializer.writeModel(first, file, true);
        ComputationGraph resumed = ModelSerializer.restoreComputationGraph(file, true);
        assertNotSame(lossOf(first), lossOf(resumed));
        assertEquals(first.getConfiguration(),
                ComputationGraphConfiguration.fromJson(first.getConfiguration().toJson()), "configuration JSON");
        assertRestoredAsSaved(first.getConfiguration(), resumed.getConfiguration(),
                first.outputSingle(batches.get(0).getFeatures()), resumed.outputSingle(batches.get(0).getFeatures()),
                lossOf(first), lossOf(resumed));
        fit(resumed, batches, K, K + N);
        assertSameState(straight, lossOf(straight), resumed, lossOf(resumed));
    }
}
