package io.superloss;

import io.superloss.examples.DigitsModels;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetworkThresholds}: which losses it finds (output and loss layers, MultiLayerNetwork and ComputationGraph,
 * shared instances), {@link NetworkThresholds#detach()}, and the merge loss by loss (each loss's merge itself is
 * {@link Threshold#merge}, tested in ThresholdTest).
 */
class NetworkThresholdsTest {
    private static SuperLoss globalMean() {
        return SuperLoss.builder(new LossMSE()).threshold(Threshold.globalMean()).build();
    }

    /** A 4-3 dense layer and an output layer (3-2, identity) whose loss is {@code out}. */
    private static MultiLayerNetwork mlp(SuperLoss out) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(out).nIn(3).nOut(2).activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** A graph with two outputs, "a" and "b", the given losses, and a plain MSE output "c". */
    private static ComputationGraph twoOutputGraph(SuperLoss a, SuperLoss b) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("a", new OutputLayer.Builder(a).nIn(3).nOut(2).activation(Activation.IDENTITY).build(),
                        "hidden")
                .addLayer("b", new LossLayer.Builder(b).activation(Activation.IDENTITY).build(), "hidden")
                .addLayer("c", new OutputLayer.Builder(new LossMSE()).nIn(3).nOut(2)
                        .activation(Activation.IDENTITY).build(), "hidden")
                .setOutputs("a", "b", "c")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    private static DataSet batch(int rows, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new DataSet(Nd4j.randn(rows, 4), Nd4j.randn(rows, 2));
    }

    @Test
    void findsTheSuperLossOfEveryOutputAndLossLayerByLayer() {
        SuperLoss out = globalMean();
        NetworkThresholds mlp = NetworkThresholds.of(mlp(out));
        assertEquals(Set.of("1"), mlp.keys());
        assertSame(out, mlp.loss("1"));

        SuperLoss a = globalMean();
        SuperLoss b = new SuperLoss(new LossMSE());
        NetworkThresholds graph = NetworkThresholds.of(twoOutputGraph(a, b));
        assertEquals(List.of("a", "b"), List.copyOf(graph.keys()), "layer order; the MSE output is not a SuperLoss");
        assertSame(a, graph.loss("a"));
        assertSame(b, graph.loss("b"));

        assertTrue(NetworkThresholds.of(DigitsModels.mlp(new LossMCXENT(), 1)).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> mlp.loss("0"));
    }

    @Test
    void layersSharingOneSuperLossAreOneEntryAndKeepSharingAfterDetach() {
        SuperLoss shared = globalMean();
        ComputationGraph graph = twoOutputGraph(shared, shared);
        NetworkThresholds thresholds = NetworkThresholds.of(graph);
        assertEquals(Set.of("a"), thresholds.keys());

        thresholds.detach();
        SuperLoss copy = thresholds.loss("a");
        assertNotSame(shared, copy);
        assertSame(copy, ((BaseOutputLayer) graph.getLayer("a").conf().getLayer()).getLossFn());
        assertSame(copy, ((LossLayer) graph.getLayer("b").conf().getLayer()).getLossFn());
        assertEquals(Set.of("a"), NetworkThresholds.of(graph).keys());
    }

    @Test
    void detachedNetworkTrainsItsOwnCopyFromTheSameState() {
        SuperLoss original = globalMean();
        MultiLayerNetwork net = mlp(original);
        net.fit(batch(5, 1));
        ThresholdSnapshot trained = original.snapshot();
        // A second network from the same configuration object shares the loss instance until it detaches.
        MultiLayerNetwork twin = new MultiLayerNetwork(net.getLayerWiseConfigurations().clone());
        twin.init();
        NetworkThresholds twinThresholds = NetworkThresholds.of(twin);
        assertSame(original, twinThresholds.loss("1"));

        twinThresholds.detach();
        assertEquals(trained, twinThresholds.loss("1").snapshot(), "the copy starts from the shared state");
        twin.fit(batch(7, 2));
        assertEquals(trained, original.snapshot(), "training the detached twin leaves the original alone");
        assertEquals(trained.calls() + 1, twinThresholds.loss("1").snapshot().calls());
        assertSame(original, NetworkThresholds.of(net).loss("1"));
    }

    @Test
    void mergeCombinesEveryLossWithItsOwnWorkerStatesAndRestoresIt() {
        SuperLoss a = globalMean();
        SuperLoss b = new SuperLoss(new LossMSE());
        ComputationGraph driver = twoOutputGraph(a, b);
        NetworkThresholds thresholds = NetworkThresholds.of(driver);
        Map<String, ThresholdSnapshot> base = thresholds.snapshot();

        // Two workers: copies of the driver's losses, each trained on its own rows (rows of 1 and 3 for "a").
        List<Map<String, ThresholdSnapshot>> workers = List.of(
                Map.of("a", trainedCopy(a, 1.0), "b", trainedCopy(b, 5.0)),
                Map.of("a", trainedCopy(a, 3.0, 3.0, 3.0), "b", trainedCopy(b, 7.0)));
        Map<String, ThresholdSnapshot> merged = thresholds.merge(base, workers);

        assertEquals((1.0 + 3 * 3.0) / 4, a.tau(), 1e-15, "global mean over the workers' four rows");
        assertEquals(6.0, b.tau(), 1e-15, "EMA: the workers' first batch means, one row each");
        assertEquals(Map.of("a", a.snapshot(), "b", b.snapshot()), merged);
        assertEquals(2, b.snapshot().calls());
    }

    @Test
    void aWorkerWithoutAStateForALossIsLeftOutOfThatLossWithAWarning() {
        SuperLoss a = globalMean();
        SuperLoss b = globalMean();
        NetworkThresholds thresholds = NetworkThresholds.of(twoOutputGraph(a, b));
        Map<String, ThresholdSnapshot> base = thresholds.snapshot();
        List<Map<String, ThresholdSnapshot>> workers = List.of(
                Map.of("a", trainedCopy(a, 2.0), "b", trainedCopy(b, 4.0)),
                Map.of("a", trainedCopy(a, 6.0), "unknown", trainedCopy(b, 8.0)));

        List<String> warnings = WarningCapture.warnings(NetworkThresholds.class, () -> thresholds.merge(base, workers));
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("unknown"), warnings.get(0));
        assertTrue(warnings.get(1).contains("key b"), warnings.get(1));
        assertEquals(4.0, a.tau(), 1e-15);
        assertEquals(4.0, b.tau(), 1e-15, "only the first worker has a state for b");
    }

    @Test
    void badArgumentsAreRejectedWithoutChangingState() {
        SuperLoss a = globalMean();
        SuperLoss b = globalMean();
        NetworkThresholds thresholds = NetworkThresholds.of(twoOutputGraph(a, b));
        Map<String, ThresholdSnapshot> partial = Map.of("a", trainedCopy(a, 1.0));
        assertThrows(IllegalArgumentException.class, () -> thresholds.restore(partial));
        assertThrows(IllegalArgumentException.class, () -> thresholds.merge(partial, List.of()));
        assertThrows(IllegalArgumentException.class, () -> thresholds.merge(thresholds.snapshot(), null));
        assertTrue(Double.isNaN(a.tau()), "nothing restored");

        assertThrows(IllegalArgumentException.class, () -> NetworkThresholds.of(null));
        MultiLayerNetwork uninitialised = new MultiLayerNetwork(mlp(globalMean()).getLayerWiseConfigurations());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NetworkThresholds.of(uninitialised));
        assertTrue(e.getMessage().contains("init()"), e.getMessage());
    }

    /** The state of a copy of {@code loss} after one training call on rows with these losses (MSE of one output). */
    private static ThresholdSnapshot trainedCopy(SuperLoss loss, double... rowLosses) {
        SuperLoss copy = loss.withExecution(loss.execution());
        INDArray pre = Nd4j.createFromArray(rowLosses).reshape(rowLosses.length, 1);
        INDArray labels = Nd4j.zeros(pre.dataType(), rowLosses.length, 1);
        // MSE of one output: (pre - 0)^2, so pre = sqrt(loss).
        copy.computeGradient(labels, org.nd4j.linalg.ops.transforms.Transforms.sqrt(pre, true),
                new org.nd4j.linalg.activations.impl.ActivationIdentity(), null);
        return copy.snapshot();
    }
}
