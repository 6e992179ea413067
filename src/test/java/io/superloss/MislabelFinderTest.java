package io.superloss;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MislabelFinder against rankings computed by hand: pre-activations from the network's parameters in plain Java
 * doubles, cross-entropy by log-sum-exp, sigma from the apfloat oracle, sorted by ascending sigma.
 */
class MislabelFinderTest {
    /** ND4J's double matrix products and the plain Java sums differ by rounding only (~1e-15 relative). */
    private static final double TOL = 1e-10;
    private static final double TAU = Math.log(3);
    private static final double LAMBDA = 0.5;
    private static final int ROWS = 9;
    private static final Comparator<MislabelFinder.Suspect> BY_RANK =
            Comparator.comparingDouble(MislabelFinder.Suspect::sigma)
                    .thenComparing(Comparator.comparingDouble(MislabelFinder.Suspect::loss).reversed());

    private static SuperLoss constantSuperLoss() {
        return SuperLoss.builder(new LossMCXENT()).threshold(Threshold.constant(TAU)).lambda(LAMBDA).build();
    }

    /** 3 inputs, a tanh hidden layer of 4, a softmax output of 3 classes; DOUBLE so the hand reference is exact. */
    private static MultiLayerNetwork mlp(SuperLoss loss) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.DOUBLE).updater(new Sgd(0.5)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(loss).nIn(4).nOut(3).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // Larger weights than Xavier's so that the losses spread well beyond tau on both sides.
        net.setParams(net.params().mul(3.0));
        return net;
    }

    private static DataSet data(long seed) {
        Random random = new Random(seed);
        double[][] x = new double[ROWS][3];
        double[][] y = new double[ROWS][3];
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < 3; j++) {
                x[i][j] = 2 * random.nextDouble() - 1;
            }
            y[i][random.nextInt(3)] = 1.0;
        }
        return new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
    }

    private static double[][] matrix(INDArray a) {
        return a.toDoubleMatrix();
    }

    private static double[] affine(double[] in, double[][] w, double[] b) {
        double[] out = b.clone();
        for (int j = 0; j < out.length; j++) {
            for (int k = 0; k < in.length; k++) {
                out[j] += in[k] * w[k][j];
            }
        }
        return out;
    }

    private static double crossEntropy(double[] z, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0.0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum) - z[label];
    }

    private static int argmax(double[] row) {
        int best = 0;
        for (int j = 1; j < row.length; j++) {
            if (row[j] > row[best]) {
                best = j;
            }
        }
        return best;
    }

    /** The MLP's per-example cross-entropy, computed from its parameters without ND4J arithmetic. */
    private static double[] handLosses(MultiLayerNetwork net, DataSet data) {
        double[][] w0 = matrix(net.getParam("0_W"));
        double[] b0 = net.getParam("0_b").toDoubleVector();
        double[][] w1 = matrix(net.getParam("1_W"));
        double[] b1 = net.getParam("1_b").toDoubleVector();
        double[][] x = matrix(data.getFeatures());
        double[][] y = matrix(data.getLabels());
        double[] losses = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double[] h = affine(x[i], w0, b0);
            for (int j = 0; j < h.length; j++) {
                h[j] = Math.tanh(h[j]);
            }
            losses[i] = crossEntropy(affine(h, w1, b1), argmax(y[i]));
        }
        return losses;
    }

    /** Expected suspects: every row not excluded, sigma from the oracle, ascending sigma, then descending loss. */
    private static List<MislabelFinder.Suspect> expected(double[] losses, boolean[] excluded, double tau) {
        List<MislabelFinder.Suspect> out = new ArrayList<>();
        for (int i = 0; i < losses.length; i++) {
            if (excluded == null || !excluded[i]) {
                out.add(new MislabelFinder.Suspect(i, -1, SuperLossOracle.row(losses[i], tau, LAMBDA).sigma(),
                        losses[i]));
            }
        }
        out.sort(BY_RANK);
        return out;
    }

    private static void assertSuspects(List<MislabelFinder.Suspect> expected, List<MislabelFinder.Suspect> actual) {
        assertEquals(expected.size(), actual.size(), "number of suspects");
        for (int k = 0; k < expected.size(); k++) {
            MislabelFinder.Suspect e = expected.get(k);
            MislabelFinder.Suspect a = actual.get(k);
            assertEquals(e.index(), a.index(), "index at rank " + k);
            assertEquals(e.timeStep(), a.timeStep(), "time step at rank " + k);
            assertEquals(e.sigma(), a.sigma(), TOL * Math.max(1.0, e.sigma()), "sigma at rank " + k);
            assertEquals(e.loss(), a.loss(), TOL * Math.max(1.0, e.loss()), "loss at rank " + k);
        }
    }

    @Test
    void ranksExamplesByAscendingSigmaAsComputedByHand() {
        SuperLoss loss = constantSuperLoss();
        MultiLayerNetwork net = mlp(loss);
        DataSet data = data(1);
        List<MislabelFinder.Suspect> expected = expected(handLosses(net, data), null, TAU);

        List<MislabelFinder.Suspect> actual = MislabelFinder.of(net).rank(data);

        assertSuspects(expected, actual);
        // The data must span both sides of tau for the ranking to mean something.
        assertTrue(actual.get(0).sigma() < 1.0 && actual.get(actual.size() - 1).sigma() > 1.0,
                "sigma range " + actual.get(0).sigma() + " .. " + actual.get(actual.size() - 1).sigma());
        assertThrows(UnsupportedOperationException.class, () -> actual.remove(0));
    }

    @Test
    void saturatedConfidencesAreOrderedByBaseLoss() {
        // With tau = 3 and lambda = 0.5, every loss below 3 - 1/e ~ 2.63 gets sigma = e exactly.
        double tau = 3.0;
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.constant(tau)).lambda(LAMBDA).build();
        MultiLayerNetwork net = mlp(loss);
        DataSet data = data(1);

        List<MislabelFinder.Suspect> actual = MislabelFinder.of(net).rank(data);

        assertSuspects(expected(handLosses(net, data), null, tau), actual);
        List<MislabelFinder.Suspect> saturated = actual.stream().filter(x -> x.sigma() == Math.E).toList();
        assertTrue(saturated.size() >= 3, "saturated rows: " + actual);
        for (int k = 1; k < saturated.size(); k++) {
            assertTrue(saturated.get(k - 1).loss() > saturated.get(k).loss(), "saturated order: " + saturated);
        }
    }

    @Test
    void maskedRowsAreLeftOut() {
        SuperLoss loss = constantSuperLoss();
        MultiLayerNetwork net = mlp(loss);
        DataSet data = data(2);
        boolean[] excluded = new boolean[ROWS];
        excluded[2] = true;
        excluded[5] = true;
        double[][] mask = new double[ROWS][1];
        for (int i = 0; i < ROWS; i++) {
            mask[i][0] = excluded[i] ? 0.0 : 1.0;
        }
        data.setLabelsMaskArray(Nd4j.createFromArray(mask));

        List<MislabelFinder.Suspect> actual = MislabelFinder.of(net, loss).rank(data);

        assertSuspects(expected(handLosses(net, data), excluded, TAU), actual);
    }

    @Test
    void iteratorIndicesCountAcrossBatches() {
        SuperLoss loss = constantSuperLoss();
        MultiLayerNetwork net = mlp(loss);
        DataSet data = data(3);
        List<DataSet> batches = new ArrayList<>();
        for (int from = 0; from < ROWS; from += 4) {
            int to = Math.min(ROWS, from + 4);
            batches.add(new DataSet(data.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)),
                    data.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to))));
        }
        DataSetIterator iterator = new ListDataSetIterator<>(batches, 1);
        while (iterator.hasNext()) {
            iterator.next(); // exhausted on purpose: rank must reset it
        }

        List<MislabelFinder.Suspect> actual = MislabelFinder.of(net).rank(iterator);

        assertSuspects(expected(handLosses(net, data), null, TAU), actual);
    }

    @Test
    void rankingChangesNoSuperLossState() {
        // EMA threshold: moves on every training call.
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(0.9)).lambda(LAMBDA).build();
        MultiLayerNetwork net = mlp(loss);
        DataSet data = data(4);
        for (int i = 0; i < 3; i++) {
            net.fit(data);
        }
        double tau = loss.tau();
        double[] last = loss.lastConfidence().toDoubleVector();

        List<MislabelFinder.Suspect> actual = MislabelFinder.of(net).rank(data);

        assertEquals(tau, loss.tau(), 0.0, "tau after ranking");
        assertArrayEquals(last, loss.lastConfidence().toDoubleVector(), 0.0, "last confidences after ranking");
        assertSuspects(expected(handLosses(net, data), null, tau), actual);
    }

    @Test
    void untrainedMovingThresholdIsRefused() {
        MultiLayerNetwork net = mlp(new SuperLoss(new LossMCXENT()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> MislabelFinder.of(net).rank(data(5)));
        assertTrue(e.getMessage().contains("not been trained"), e.getMessage());
    }

    @Test
    void networkWithoutSuperLossNeedsOneGiven() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(new LossMCXENT()).nIn(4).nOut(3).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.setParams(net.params().mul(3.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MislabelFinder.of(net));
        assertTrue(e.getMessage().contains("not a SuperLoss"), e.getMessage());

        DataSet data = data(6);
        assertSuspects(expected(handLosses(net, data), null, TAU),
                MislabelFinder.of(net, constantSuperLoss()).rank(data));
    }

    @Test
    void lossLayerUsesItsInputAsPreActivation() {
        SuperLoss loss = constantSuperLoss();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(3).activation(Activation.IDENTITY).build())
                .layer(new LossLayer.Builder(loss).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.setParams(net.params().mul(3.0));
        DataSet data = data(7);
        double[][] w = matrix(net.getParam("0_W"));
        double[] b = net.getParam("0_b").toDoubleVector();
        double[][] x = matrix(data.getFeatures());
        double[][] y = matrix(data.getLabels());
        double[] losses = new double[ROWS];
        for (int i = 0; i < ROWS; i++) {
            losses[i] = crossEntropy(affine(x[i], w, b), argmax(y[i]));
        }

        assertSuspects(expected(losses, null, TAU), MislabelFinder.of(net).rank(data));
    }

    @Test
    void computationGraphMatchesTheHandRanking() {
        SuperLoss loss = constantSuperLoss();
        MultiLayerNetwork net = mlp(constantSuperLoss());
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(loss).nIn(4).nOut(3).activation(Activation.SOFTMAX).build(),
                        "hidden")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        graph.setParams(net.params()); // same layer order, so the same flattened parameter layout
        DataSet data = data(8);

        List<MislabelFinder.Suspect> actual = MislabelFinder.of(graph).rank(data);

        assertSuspects(expected(handLosses(net, data), null, TAU), actual);
        assertSuspects(actual, MislabelFinder.of(graph).rank(new ListDataSetIterator<>(data.asList(), 2)));
    }

    @ParameterizedTest
    @EnumSource(RNNFormat.class)
    void recurrentOutputRanksExampleTimeStepsAndSkipsMaskedSteps(RNNFormat format) {
        SuperLoss loss = constantSuperLoss();
        int examples = 2;
        int nIn = 3;
        int classes = 3;
        int steps = 4;
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new RnnOutputLayer.Builder(loss).nIn(nIn).nOut(classes).activation(Activation.SOFTMAX)
                        .dataFormat(format).build())
                .setInputType(InputType.recurrent(nIn, steps, format))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.setParams(net.params().mul(3.0));
        Random random = new Random(9);
        double[][][] x = new double[examples][steps][nIn];
        int[][] label = new int[examples][steps];
        double[][] mask = new double[examples][steps];
        for (int e = 0; e < examples; e++) {
            for (int t = 0; t < steps; t++) {
                for (int k = 0; k < nIn; k++) {
                    x[e][t][k] = 2 * random.nextDouble() - 1;
                }
                label[e][t] = random.nextInt(classes);
                mask[e][t] = (e == 1 && t >= 2) ? 0.0 : 1.0; // the second sequence is two steps long
            }
        }
        INDArray features = Nd4j.create(DataType.DOUBLE, examples, nIn, steps);
        INDArray labels = Nd4j.create(DataType.DOUBLE, examples, classes, steps);
        for (int e = 0; e < examples; e++) {
            for (int t = 0; t < steps; t++) {
                for (int k = 0; k < nIn; k++) {
                    features.putScalar(new long[]{e, k, t}, x[e][t][k]);
                }
                labels.putScalar(new long[]{e, label[e][t], t}, 1.0);
            }
        }
        if (format == RNNFormat.NWC) {
            features = features.permute(0, 2, 1).dup();
            labels = labels.permute(0, 2, 1).dup();
        }
        DataSet data = new DataSet(features, labels, null, Nd4j.createFromArray(mask));
        double[][] w = matrix(net.getParam("0_W"));
        double[] b = net.getParam("0_b").toDoubleVector();
        List<MislabelFinder.Suspect> expected = new ArrayList<>();
        for (int e = 0; e < examples; e++) {
            for (int t = 0; t < steps; t++) {
                if (mask[e][t] != 0.0) {
                    double l = crossEntropy(affine(x[e][t], w, b), label[e][t]);
                    expected.add(new MislabelFinder.Suspect(e, t, SuperLossOracle.row(l, TAU, LAMBDA).sigma(), l));
                }
            }
        }
        expected.sort(BY_RANK);

        assertSuspects(expected, MislabelFinder.of(net).rank(data));
    }

    @Test
    void unsupportedOutputLayerIsNamed() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).list()
                .layer(new ConvolutionLayer.Builder(1, 1).nIn(1).nOut(3).build())
                .layer(new CnnLossLayer.Builder(constantSuperLoss()).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(2, 2, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> MislabelFinder.of(net));
        assertTrue(e.getMessage().contains("CnnLossLayer"), e.getMessage());
        assertNotNull(MislabelFinder.of(mlp(constantSuperLoss())).loss());
    }
}
