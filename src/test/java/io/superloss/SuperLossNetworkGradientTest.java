package io.superloss;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J's own gradient checker on whole networks whose output layer uses SuperLoss: backprop through the network with
 * the SuperLoss gradient must match numerical differentiation of the network score.
 */
@ExtendWith(DoublePrecision.class)
class SuperLossNetworkGradientTest {
    private static INDArray oneHot(Random r, int rows, int classes) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, rows, classes);
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, r.nextInt(classes), 1.0);
        }
        return y;
    }

    @Test
    void multiLayerNetworkPassesGradientCheck() {
        Random r = new Random(1);
        // The wrapped MCXENT's clipping epsilon is 0: GradientCheckUtil only resets it on unwrapped losses.
        SuperLoss loss = SuperLoss.builder(new LossMCXENT(0.0, null)).threshold(Threshold.ema(0.9)).lambda(0.5).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(12).dataType(DataType.DOUBLE)
                .updater(new NoOp()).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(5).nOut(6).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(loss).nIn(6).nOut(3).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 10, 5).subi(0.5).muli(4);
        INDArray y = oneHot(r, 10, 3);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9));
        assertTrue(ok, "MultiLayerNetwork gradient check");
        assertTrue(Double.isFinite(loss.tau()), "the gradient check's training call set tau");
    }

    @Test
    void computationGraphPassesGradientCheck() {
        Random r = new Random(2);
        SuperLoss loss = SuperLoss.builder(new LossMCXENT(0.0, null))
                .threshold(Threshold.constant(Math.log(4))).lambda(0.25).build();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(13).dataType(DataType.DOUBLE)
                .updater(new NoOp()).weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.SIGMOID).build(), "in")
                .addLayer("out", new OutputLayer.Builder(loss).nIn(5).nOut(4).activation(Activation.SOFTMAX).build(),
                        "hidden")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 12, 4).subi(0.5).muli(6);
        INDArray y = oneHot(r, 12, 4);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(graph)
                .inputs(new INDArray[] {x}).labels(new INDArray[] {y})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9));
        assertTrue(ok, "ComputationGraph gradient check");
    }

    @Test
    void rnnOutputLayerWithTimeStepMaskPassesGradientCheck() {
        int batch = 3;
        int steps = 5;
        SuperLoss loss = SuperLoss.builder(new LossMSE()).threshold(Threshold.globalMean()).lambda(0.5).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(14).dataType(DataType.DOUBLE)
                .updater(new NoOp()).weightInit(WeightInit.XAVIER).list()
                .layer(new SimpleRnn.Builder().nIn(3).nOut(4).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(loss).nIn(4).nOut(2).activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = Nd4j.rand(DataType.DOUBLE, batch, 3, steps).subi(0.5).muli(3);
        INDArray y = Nd4j.rand(DataType.DOUBLE, batch, 2, steps).subi(0.5).muli(3);
        // Variable-length sequences: 5, 3 and 2 valid time steps.
        INDArray labelMask = Nd4j.zeros(DataType.DOUBLE, batch, steps);
        int[] lengths = {5, 3, 2};
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < lengths[b]; t++) {
                labelMask.putScalar(b, t, 1.0);
            }
        }
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                .labelMask(labelMask).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9));
        assertTrue(ok, "RnnOutputLayer gradient check with a time-step mask");
        assertTrue(Double.isFinite(loss.tau()));
    }
}
