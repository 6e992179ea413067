package io.superloss;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.CenterLossOutputLayer;
import org.deeplearning4j.nn.conf.layers.Cnn3DLossLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.io.File;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SuperLoss#of}: the SuperLoss a network trains with, found from the network alone (also after a
 * {@code ModelSerializer} restore), and a clear error naming the output layers when there is none or the choice is
 * ambiguous.
 */
class SuperLossOfTest {
    private static final int FEATURES = 4;
    private static final int CLASSES = 3;
    private static final int ROWS = 16;

    private static SuperLoss emaLoss() {
        return SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(0.8)).build();
    }

    private static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray features = Nd4j.randn(DataType.DOUBLE, ROWS, FEATURES);
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, ROWS, CLASSES);
        for (int r = 0; r < ROWS; r++) {
            labels.putScalar(r, (r * 7 + seed) % CLASSES, 1.0);
        }
        return new DataSet(features, labels);
    }

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(new Sgd(0.1))
                .weightInit(WeightInit.XAVIER);
    }

    private static MultiLayerNetwork mlp(ILossFunction loss) {
        MultiLayerConfiguration conf = base().list()
                .layer(new DenseLayer.Builder().nIn(FEATURES).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(loss).nIn(5).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** One input, a hidden layer, and one softmax output layer per loss, named "out0", "out1", ... */
    private static ComputationGraph graph(ILossFunction... losses) {
        ComputationGraphConfiguration.GraphBuilder builder = base().graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(FEATURES).nOut(5).activation(Activation.TANH).build(),
                        "in");
        String[] outputs = new String[losses.length];
        for (int i = 0; i < losses.length; i++) {
            outputs[i] = "out" + i;
            builder.addLayer(outputs[i], new OutputLayer.Builder(losses[i]).nIn(5).nOut(CLASSES)
                    .activation(Activation.SOFTMAX).build(), "hidden");
        }
        ComputationGraph graph = new ComputationGraph(builder.setOutputs(outputs).build());
        graph.init();
        return graph;
    }

    private static void fit(ComputationGraph graph, DataSet batch) {
        INDArray[] labels = new INDArray[graph.getNumOutputArrays()];
        Arrays.fill(labels, batch.getLabels());
        graph.fit(new MultiDataSet(new INDArray[]{batch.getFeatures()}, labels));
    }

    @Test
    void multiLayerNetworkGivesTheInstanceItTrainsWith(@TempDir File dir) throws IOException {
        SuperLoss loss = emaLoss();
        MultiLayerNetwork net = mlp(loss);
        assertSame(loss, SuperLoss.of(net), "before training");
        for (int i = 0; i < 3; i++) {
            net.fit(batch(i));
        }
        assertSame(loss, SuperLoss.of(net), "after training");
        assertTrue(Double.isFinite(loss.tau()));

        File file = new File(dir, "mln.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        SuperLoss restoredLoss = SuperLoss.of(restored);
        assertNotSame(loss, restoredLoss);
        assertEquals(loss, restoredLoss);
        assertEquals(loss.tau(), restoredLoss.tau(), 0.0);
        // It is the restored network's own loss: training the restored network moves it, and only it.
        double tauBefore = loss.tau();
        restored.fit(batch(9));
        assertNotEquals(tauBefore, SuperLoss.of(restored).tau());
        assertEquals(tauBefore, loss.tau(), 0.0);
    }

    @Test
    void computationGraphGivesTheInstanceItTrainsWith(@TempDir File dir) throws IOException {
        SuperLoss loss = emaLoss();
        ComputationGraph graph = graph(loss);
        assertSame(loss, SuperLoss.of(graph), "before training");
        for (int i = 0; i < 3; i++) {
            fit(graph, batch(i));
        }
        assertSame(loss, SuperLoss.of(graph), "after training");
        assertSame(loss, SuperLoss.of(graph, "out0"));
        assertTrue(Double.isFinite(loss.tau()));

        File file = new File(dir, "cg.zip");
        ModelSerializer.writeModel(graph, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        SuperLoss restoredLoss = SuperLoss.of(restored);
        assertNotSame(loss, restoredLoss);
        assertEquals(loss, restoredLoss);
        assertEquals(loss.tau(), restoredLoss.tau(), 0.0);
        assertSame(restoredLoss, SuperLoss.of(restored, "out0"));
        double tauBefore = loss.tau();
        fit(restored, batch(9));
        assertNotEquals(tauBefore, SuperLoss.of(restored).tau());
        assertEquals(tauBefore, loss.tau(), 0.0);
    }

    @Test
    void graphWithSeveralOutputsNeedsTheLayerNameOnlyWhenSeveralHaveASuperLoss(@TempDir File dir)
            throws IOException {
        SuperLoss only = emaLoss();
        ComputationGraph oneOfTwo = graph(new LossMSE(), only);
        assertSame(only, SuperLoss.of(oneOfTwo), "the only output with a SuperLoss");
        assertSame(only, SuperLoss.of(oneOfTwo, "out1"));
        IllegalArgumentException noSuperLoss = assertThrows(IllegalArgumentException.class,
                () -> SuperLoss.of(oneOfTwo, "out0"));
        assertMentions(noSuperLoss, "'out0'", "OutputLayer", "LossMSE");

        SuperLoss first = emaLoss();
        SuperLoss second = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.constant(Math.log(CLASSES)))
                .build();
        ComputationGraph two = graph(first, second);
        IllegalArgumentException ambiguous = assertThrows(IllegalArgumentException.class, () -> SuperLoss.of(two));
        assertMentions(ambiguous, "out0", "out1", "SuperLoss.of(graph, layerName)");
        assertSame(first, SuperLoss.of(two, "out0"));
        assertSame(second, SuperLoss.of(two, "out1"));

        fit(two, batch(1));
        File file = new File(dir, "two.zip");
        ModelSerializer.writeModel(two, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(first.tau(), SuperLoss.of(restored, "out0").tau(), 0.0);
        assertEquals(second, SuperLoss.of(restored, "out1"));
        assertThrows(IllegalArgumentException.class, () -> SuperLoss.of(restored));
    }

    @Test
    void networksWithoutASuperLossAreNamedInTheError() {
        IllegalArgumentException mln = assertThrows(IllegalArgumentException.class,
                () -> SuperLoss.of(mlp(new LossMCXENT())));
        assertMentions(mln, "layer 1", "OutputLayer", "LossMCXENT");

        IllegalArgumentException cg = assertThrows(IllegalArgumentException.class,
                () -> SuperLoss.of(graph(new LossMCXENT(), new LossMSE())));
        assertMentions(cg, "no output layer with a SuperLoss", "'out0'", "'out1'", "LossMCXENT", "LossMSE");

        ComputationGraph graph = graph(emaLoss());
        assertMentions(assertThrows(IllegalArgumentException.class, () -> SuperLoss.of(graph, "hidden")),
                "'hidden'", "not an output layer", "'out0'");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> SuperLoss.of(graph, "missing")),
                "'missing'", "'out0'");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> SuperLoss.of(graph, null)), "layerName");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> SuperLoss.of((MultiLayerNetwork) null)),
                "net");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> SuperLoss.of((ComputationGraph) null)),
                "graph");
    }

    /** Every DL4J layer type that carries a loss function, as the last layer of a two-layer configuration. */
    static Stream<Arguments> outputLayerTypes() {
        return Stream.of(
                Arguments.of("OutputLayer", (Function<SuperLoss, Layer[]>) loss -> new Layer[]{
                        dense(), new OutputLayer.Builder(loss).nIn(5).nOut(CLASSES).build()}),
                Arguments.of("CenterLossOutputLayer", (Function<SuperLoss, Layer[]>) loss -> new Layer[]{
                        dense(), new CenterLossOutputLayer.Builder().lossFunction(loss).nIn(5).nOut(CLASSES).build()}),
                Arguments.of("RnnOutputLayer", (Function<SuperLoss, Layer[]>) loss -> new Layer[]{
                        lstm(), new RnnOutputLayer.Builder(loss).nIn(5).nOut(CLASSES).build()}),
                Arguments.of("LossLayer", (Function<SuperLoss, Layer[]>) loss -> new Layer[]{
                        dense(), new LossLayer.Builder(loss).build()}),
                Arguments.of("RnnLossLayer", (Function<SuperLoss, Layer[]>) loss -> new Layer[]{
                        lstm(), new RnnLossLayer.Builder().lossFunction(loss).build()}),
                Arguments.of("CnnLossLayer", (Function<SuperLoss, Layer[]>) loss -> new Layer[]{
                        new ConvolutionLayer.Builder(1, 1).nIn(1).nOut(CLASSES).build(),
                        new CnnLossLayer.Builder(loss).build()}),
                Arguments.of("Cnn3DLossLayer", (Function<SuperLoss, Layer[]>) loss -> new Layer[]{
                        new Convolution3D.Builder(1, 1, 1).nIn(1).nOut(CLASSES).build(),
                        new Cnn3DLossLayer.Builder(Convolution3D.DataFormat.NCDHW).lossFunction(loss).build()}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outputLayerTypes")
    void everyLayerTypeWithALossFunctionIsFound(String type, Function<SuperLoss, Layer[]> layers) {
        SuperLoss loss = emaLoss();
        Layer[] pair = layers.apply(loss);
        MultiLayerConfiguration mlnConf = base().list().layer(pair[0]).layer(pair[1]).build();
        // Read from the configuration: no init() needed, and JSON round trips keep the layer type.
        assertSame(loss, SuperLoss.of(new MultiLayerNetwork(mlnConf)), type);
        assertEquals(loss, SuperLoss.of(new MultiLayerNetwork(MultiLayerConfiguration.fromJson(mlnConf.toJson()))),
                type + " after JSON");

        Layer[] again = layers.apply(loss);
        ComputationGraphConfiguration cgConf = base().graphBuilder().addInputs("in")
                .addLayer("first", again[0], "in").addLayer("last", again[1], "first").setOutputs("last").build();
        assertSame(loss, SuperLoss.of(new ComputationGraph(cgConf)), type);
        assertSame(loss, SuperLoss.of(new ComputationGraph(cgConf), "last"), type);
    }

    private static Layer dense() {
        return new DenseLayer.Builder().nIn(FEATURES).nOut(5).build();
    }

    private static Layer lstm() {
        return new LSTM.Builder().nIn(FEATURES).nOut(5).build();
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }
}
