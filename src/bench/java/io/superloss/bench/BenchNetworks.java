package io.superloss.bench;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The networks and data of the training-step benchmarks: DL4J's own MNIST examples (an MLP 784-256-10 with Nesterov
 * momentum, LeNet with Adam), FLOAT (DL4J's default), with a loss given per network, on random data shaped like MNIST.
 */
public final class BenchNetworks {
    /** MNIST: 28 x 28 grey images, 10 classes. */
    public static final int SIDE = 28;
    public static final int CLASSES = 10;

    private BenchNetworks() {
    }

    /** 784-256-10, ReLU hidden layer, softmax output: the MLP of DL4J's MLPMnistSingleLayerExample (256 units). */
    public static MultiLayerNetwork mlp(ILossFunction loss, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Nesterovs(0.006, 0.9))
                .l2(1e-4)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(SIDE * SIDE).nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(loss).nIn(256).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * LeNet as in DL4J's LeNetMNIST example: conv 5x5x20, max-pool 2x2, conv 5x5x50, max-pool 2x2, dense 500 ReLU,
     * softmax output; input flat [batch, 784].
     */
    public static MultiLayerNetwork lenet(ILossFunction loss, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(1e-3))
                .l2(5e-4)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).nIn(1).stride(1, 1).nOut(20)
                        .activation(Activation.IDENTITY).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(5, 5).stride(1, 1).nOut(50).activation(Activation.IDENTITY)
                        .build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().activation(Activation.RELU).nOut(500).build())
                .layer(new OutputLayer.Builder(loss).nOut(CLASSES).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(SIDE, SIDE, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** {@code count} minibatches of {@code batch} random images (uniform [0,1)) with random one-hot labels. */
    public static List<DataSet> randomMnistBatches(int count, int batch, long seed) {
        Random random = new Random(seed);
        List<DataSet> batches = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            float[] pixels = new float[batch * SIDE * SIDE];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = random.nextFloat();
            }
            INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, CLASSES);
            for (int r = 0; r < batch; r++) {
                labels.putScalar(r, random.nextInt(CLASSES), 1.0);
            }
            batches.add(new DataSet(Nd4j.create(pixels, new long[] {batch, SIDE * SIDE}, DataType.FLOAT), labels));
        }
        return batches;
    }
}
