package io.superloss.examples;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;

/** The small MLPs used by the demo, the training tests and the experiments (digits and MNIST). */
public final class DigitsModels {
    private DigitsModels() {
    }

    /** A 64-128-10 ReLU/softmax MLP trained with Adam; {@code loss} must be a new instance for every network. */
    public static MultiLayerNetwork mlp(ILossFunction loss, long seed) {
        return mlp(loss, seed, DataType.FLOAT, new Adam(3e-3), 128);
    }

    /**
     * A 64-{@code hidden}-10 ReLU/softmax MLP with the given network data type (DOUBLE, FLOAT or HALF) and updater;
     * {@code loss} must be a new instance for every network.
     */
    public static MultiLayerNetwork mlp(ILossFunction loss, long seed, DataType dataType, IUpdater updater, int hidden) {
        return mlp(Digits.FEATURES, hidden, Digits.CLASSES, loss, seed, dataType, updater);
    }

    /**
     * A {@code features}-{@code hidden}-{@code classes} ReLU/softmax MLP (FLOAT, Adam with learning rate 3e-3);
     * {@code loss} must be a new instance for every network.
     */
    public static MultiLayerNetwork mlp(int features, int hidden, int classes, ILossFunction loss, long seed) {
        return mlp(features, hidden, classes, loss, seed, DataType.FLOAT, new Adam(3e-3));
    }

    private static MultiLayerNetwork mlp(int features, int hidden, int classes, ILossFunction loss, long seed,
                                         DataType dataType, IUpdater updater) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .list()
                .layer(new DenseLayer.Builder().nIn(features).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(loss).nIn(hidden).nOut(classes)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** The loss function of {@code net}'s output layer. */
    public static ILossFunction outputLoss(MultiLayerNetwork net) {
        return ((BaseOutputLayer) net.getLayerWiseConfigurations().getConf(net.getnLayers() - 1).getLayer()).getLossFn();
    }

    /** Trains for {@code epochs} passes in shuffled minibatches of {@code batchSize}. */
    public static void train(MultiLayerNetwork net, DataSet train, int epochs, int batchSize, long seed) {
        train(net, train, epochs, batchSize, seed, epoch -> { });
    }

    /**
     * Trains for {@code epochs} passes in shuffled minibatches of {@code batchSize}, calling {@code afterEpoch} with
     * the number of finished epochs (1 to {@code epochs}) after each pass. Each epoch draws a permutation from
     * {@code seed + epoch} and gathers the minibatches' rows from it ({@code train} itself is never reordered, and
     * unlike {@code DataSet.batchBy} this does not split the data into one DataSet per row, which took longer than the
     * training itself on MNIST).
     */
    public static void train(MultiLayerNetwork net, DataSet train, int epochs, int batchSize, long seed,
                             IntConsumer afterEpoch) {
        INDArray features = train.getFeatures();
        INDArray labels = train.getLabels();
        INDArray featuresMask = train.getFeaturesMaskArray();
        INDArray labelsMask = train.getLabelsMaskArray();
        int n = Math.toIntExact(features.size(0));
        for (int epoch = 0; epoch < epochs; epoch++) {
            int[] order = Digits.permutation(n, new Random(seed + epoch));
            for (int from = 0; from < n; from += batchSize) {
                int[] rows = Arrays.copyOfRange(order, from, Math.min(n, from + batchSize));
                net.fit(new DataSet(features.getRows(rows), labels.getRows(rows),
                        featuresMask == null ? null : featuresMask.getRows(rows),
                        labelsMask == null ? null : labelsMask.getRows(rows)));
            }
            afterEpoch.accept(epoch + 1);
        }
    }

    /** Classification accuracy on {@code test}. */
    public static double accuracy(MultiLayerNetwork net, DataSet test) {
        Evaluation eval = new Evaluation((int) test.getLabels().size(1));
        eval.eval(test.getLabels(), net.output(test.getFeatures(), false));
        return eval.accuracy();
    }

    /** The output layer's pre-activation for {@code features} (the MLP's dense output layer: hidden . W + b). */
    public static INDArray outputPreActivation(MultiLayerNetwork net, INDArray features) {
        List<INDArray> activations = net.feedForward(features, false);
        INDArray hidden = activations.get(activations.size() - 2);
        org.deeplearning4j.nn.api.Layer out = net.getOutputLayer();
        return hidden.mmul(out.getParam("W")).addiRowVector(out.getParam("b"));
    }
}
