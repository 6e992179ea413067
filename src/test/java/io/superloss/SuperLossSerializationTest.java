package io.superloss;

import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configuration JSON and ModelSerializer round trips keep the configuration and the threshold state. */
class SuperLossSerializationTest {
    private static SuperLoss lossOf(MultiLayerNetwork net) {
        return (SuperLoss) ((BaseOutputLayer) net.getLayerWiseConfigurations()
                .getConf(net.getnLayers() - 1).getLayer()).getLossFn();
    }

    private static DataSet digitsBatch() {
        Digits d = Digits.load().shuffled(3).range(0, 64);
        return d.dataSet(d.labels);
    }

    @Test
    void everyConfigurationRoundTripsThroughMultiLayerConfigurationJson() {
        SuperLoss[] losses = {
            new SuperLoss(new LossMCXENT()),
            SuperLoss.builder(new LossNegativeLogLikelihood()).threshold(Threshold.constant(Math.log(10)))
                .lambda(0.25).warmupIterations(3).build(),
            SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).lambda(4).build(),
            SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(0.99)).warmupIterations(10).build(),
        };
        for (SuperLoss loss : losses) {
            MultiLayerNetwork net = DigitsModels.mlp(loss, 5);
            String json = net.getLayerWiseConfigurations().toJson();
            MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
            assertEquals(net.getLayerWiseConfigurations(), back, json);
            ILossFunction restored = ((BaseOutputLayer) back.getConf(1).getLayer()).getLossFn();
            assertEquals(loss, restored);
            assertNotSame(loss, restored);
            SuperLoss s = (SuperLoss) restored;
            assertEquals(loss.threshold(), s.threshold());
            assertEquals(loss.lambda(), s.lambda());
            assertEquals(loss.warmupIterations(), s.warmupIterations());
            assertEquals(loss.inner(), s.inner());
            assertEquals(loss.tau(), s.tau());
        }
    }

    /**
     * Every wrapped loss of the loss matrix ({@link BuiltInLoss}): after training, the configuration JSON and a
     * ModelSerializer round trip give back the wrapped loss's configuration and the threshold, and the restored network
     * scores a batch as the original does.
     */
    @ParameterizedTest
    @EnumSource(BuiltInLoss.class)
    void everyWrappedLossRoundTripsWithItsThreshold(BuiltInLoss builtIn) throws IOException {
        if (builtIn.refused()) {
            return; // LossFMeasure: no SuperLoss to serialise (SuperLossLossMatrixTest)
        }
        Activation activation = builtIn.activations.get(0);
        int nOut = builtIn.nOut(activation);
        SuperLoss loss = new SuperLoss(builtIn.create());
        // ND4J's default data type (FLOAT): LossMixtureDensity and LossMultiLabel create arrays of that type.
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5)
                .dataType(Nd4j.defaultFloatingPointType()).updater(new Sgd(0.05)).list()
                .layer(new OutputLayer.Builder(loss).nIn(2).nOut(nOut).activation(activation).build())
                .validateOutputLayerConfig(false).build());
        net.init();
        Random r = new Random(builtIn.ordinal());
        DataSet batch = new DataSet(Nd4j.rand(6, 2).subi(0.5),
                Nd4j.createFromArray(builtIn.labelRows(r, 6, activation)).castTo(Nd4j.defaultFloatingPointType()));
        net.fit(batch);
        net.fit(batch);
        double tau = loss.tau();
        assertTrue(Double.isFinite(tau), builtIn + ": trained");

        MultiLayerConfiguration json = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        SuperLoss fromJson = (SuperLoss) ((BaseOutputLayer) json.getConf(0).getLayer()).getLossFn();
        assertEquals(loss, fromJson, builtIn + ": JSON configuration");
        assertEquals(loss.inner(), fromJson.inner(), builtIn + ": JSON wrapped loss");
        assertEquals(tau, fromJson.tau(), 0.0, builtIn + ": JSON threshold");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(
                new ByteArrayInputStream(bytes.toByteArray()), true);
        SuperLoss restoredLoss = lossOf(restored);
        assertEquals(loss, restoredLoss, builtIn + ": ModelSerializer configuration");
        assertEquals(loss.inner(), restoredLoss.inner(), builtIn + ": ModelSerializer wrapped loss");
        assertEquals(tau, restoredLoss.tau(), 0.0, builtIn + ": ModelSerializer threshold");
        assertEquals(net.score(batch), restored.score(batch), 0.0, builtIn + ": score of the restored network");
    }

    @Test
    void equalsIgnoresStateButNotConfiguration() {
        SuperLoss a = new SuperLoss(new LossMCXENT());
        SuperLoss b = new SuperLoss(new LossMCXENT());
        MultiLayerNetwork net = DigitsModels.mlp(a, 1);
        net.fit(digitsBatch());
        assertTrue(Double.isFinite(a.tau()));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, SuperLoss.builder(new LossMCXENT()).lambda(2).build());
        assertNotEquals(a, SuperLoss.builder(new LossMCXENT()).warmupIterations(1).build());
        assertNotEquals(a, SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(0.8)).build());
        assertNotEquals(a, new SuperLoss(new org.nd4j.linalg.lossfunctions.impl.LossMSE()));
    }

    @Test
    void trainedThresholdIsWrittenToJson() {
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).build();
        MultiLayerNetwork net = DigitsModels.mlp(loss, 2);
        net.fit(digitsBatch());
        net.fit(digitsBatch());
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        SuperLoss restored = (SuperLoss) ((BaseOutputLayer) back.getConf(1).getLayer()).getLossFn();
        assertEquals(loss.tau(), restored.tau());
        // The restored state continues exactly: the same next batch moves both thresholds the same way.
        DataSet next = Digits.load().shuffled(9).range(0, 32).dataSet(Digits.load().shuffled(9).range(0, 32).labels);
        INDArray pre = DigitsModels.outputPreActivation(net, next.getFeatures());
        org.nd4j.linalg.activations.impl.ActivationSoftmax softmax = new org.nd4j.linalg.activations.impl.ActivationSoftmax();
        loss.computeGradient(next.getLabels(), pre, softmax, null);
        restored.computeGradient(next.getLabels(), pre, softmax, null);
        assertEquals(loss.tau(), restored.tau());
    }

    /** The JSON files of {@code src/test/resources/io/superloss/json} (see the README there), byte for byte. */
    private static String previousVersionJson(String file) throws IOException {
        try (java.io.InputStream in = SuperLossSerializationTest.class.getResourceAsStream("json/" + file)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void configurationJsonOfThePreviousVersionLoadsWithItsState() throws IOException {
        record Expected(String file, SuperLoss config, double tau, double rowWeight) {
        }
        Expected[] cases = {
            new Expected("v0.1-ema-trained.json", new SuperLoss(new LossMCXENT()), 0.22023859101657026, 0.0),
            new Expected("v0.1-constant.json", SuperLoss.builder(new org.nd4j.linalg.lossfunctions.impl.LossMSE())
                    .threshold(Threshold.constant(0.75)).lambda(0.5).build(), 0.75, 0.0),
            new Expected("v0.1-globalmean-warmup-graph.json", SuperLoss.builder(new LossMCXENT())
                    .threshold(Threshold.globalMean()).warmupIterations(1).execution(SuperLoss.Execution.GRAPH)
                    .build(), 0.21033423363068643, 6.0),
            new Expected("v0.1-ema-warmup.json", SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(0.8))
                    .warmupIterations(2).build(), 0.20645994845466056, 0.0),
        };
        for (Expected c : cases) {
            String json = previousVersionJson(c.file());
            MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(json);
            SuperLoss loss = (SuperLoss) ((BaseOutputLayer) conf.getConf(0).getLayer()).getLossFn();
            assertEquals(c.config(), loss, c.file());
            assertEquals(c.config().threshold().kind(), loss.threshold().kind(), c.file());
            assertEquals(c.config().execution(), loss.execution(), c.file());
            // Written before seenWeight existed: it reads as 0, the rest of the state as written.
            assertEquals(ThresholdSnapshot.of(c.tau(), 3, c.rowWeight(), 0.0), loss.snapshot(), c.file());
            // Written again, it keeps the same configuration and state.
            MultiLayerConfiguration again = MultiLayerConfiguration.fromJson(conf.toJson());
            SuperLoss reloaded = (SuperLoss) ((BaseOutputLayer) again.getConf(0).getLayer()).getLossFn();
            assertEquals(loss, reloaded, c.file());
            assertEquals(loss.snapshot(), reloaded.snapshot(), c.file());
        }
    }

    @Test
    void previousVersionGlobalMeanResumesItsRunningMean() throws IOException {
        MultiLayerConfiguration conf =
                MultiLayerConfiguration.fromJson(previousVersionJson("v0.1-globalmean-warmup-graph.json"));
        SuperLoss loss = (SuperLoss) ((BaseOutputLayer) conf.getConf(0).getLayer()).getLossFn();
        // Identity activation and MSE would need another inner loss; LossMCXENT on a softmax: per-row loss -ln p_y.
        INDArray pre = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{0.3, -0.2}, {1.0, 0.5}});
        INDArray labels = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}});
        double[] rowLoss = new double[2];
        for (int r = 0; r < 2; r++) {
            double a = pre.getDouble(r, 0);
            double b = pre.getDouble(r, 1);
            double z = Math.log(Math.exp(a) + Math.exp(b));
            rowLoss[r] = z - (r == 0 ? a : b);
        }
        loss.computeGradient(labels, pre, new org.nd4j.linalg.activations.impl.ActivationSoftmax(), null);
        double expected = (6.0 * 0.21033423363068643 + rowLoss[0] + rowLoss[1]) / 8.0;
        assertEquals(expected, loss.tau(), 1e-14);
        assertEquals(8.0, loss.snapshot().rowWeight());
        assertEquals(4, loss.snapshot().calls());
        assertEquals(2.0, loss.snapshot().seenWeight());
    }

    @Test
    void javaSerializationKeepsConfigurationAndStateAndStaysUsable() throws Exception {
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).build();
        MultiLayerNetwork net = DigitsModels.mlp(loss, 2);
        net.fit(digitsBatch());
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(net.getLayerWiseConfigurations());
        }
        MultiLayerConfiguration back;
        try (java.io.ObjectInputStream in =
                     new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            back = (MultiLayerConfiguration) in.readObject();
        }
        SuperLoss copy = (SuperLoss) ((BaseOutputLayer) back.getConf(1).getLayer()).getLossFn();
        assertEquals(loss, copy);
        assertEquals(loss.snapshot(), copy.snapshot());
        // The copy trains (its caches were rebuilt) and continues from the same state as the original.
        MultiLayerNetwork other = new MultiLayerNetwork(back);
        other.init(net.params().dup(), false);
        DataSet next = Digits.load().shuffled(5).range(0, 32).dataSet(Digits.load().shuffled(5).range(0, 32).labels);
        net.fit(next);
        other.fit(next);
        assertEquals(loss.snapshot(), copy.snapshot());
    }
}
