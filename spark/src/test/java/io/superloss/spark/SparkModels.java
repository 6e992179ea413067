package io.superloss.spark;

import io.superloss.SuperLoss;
import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;

/** The small digits networks, data and training masters of the Spark tests. */
final class SparkModels {
    static final int HIDDEN = 32;

    private SparkModels() {
    }

    /** A DOUBLE 64-32-10 MLP with {@code loss} (a new instance per network). */
    static MultiLayerNetwork mlp(SuperLoss loss, long seed) {
        return DigitsModels.mlp(loss, seed, DataType.DOUBLE, new Adam(3e-3), HIDDEN);
    }

    /** The same MLP as a ComputationGraph: input "in", layers "hidden" and "out". */
    static ComputationGraph graph(SuperLoss loss, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.DOUBLE).updater(new Adam(3e-3)).weightInit(WeightInit.RELU)
                .graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(Digits.FEATURES).nOut(HIDDEN)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(loss).nIn(HIDDEN).nOut(Digits.CLASSES)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "hidden")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    /** The first {@code rows} digits of a fixed shuffle, one example per DataSet, as an RDD in two partitions. */
    static JavaRDD<DataSet> examples(JavaSparkContext sc, int rows) {
        return sc.parallelize(exampleList(rows), 2);
    }

    static List<DataSet> exampleList(int rows) {
        Digits d = Digits.load().shuffled(5).range(0, rows);
        return d.dataSet(d.labels).asList();
    }

    /**
     * Fits {@code net} with a {@link SuperLossTrainingMaster} ({@link #averaging}, Direct, with {@code recorder}) for
     * {@code epochs} epochs over the first {@code rows} digits.
     */
    static void fit(JavaSparkContext sc, MultiLayerNetwork net, RowRecorder recorder, int rows, int epochs) {
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, net,
                new SuperLossTrainingMaster(averaging(RDDTrainingApproach.Direct, recorder)));
        JavaRDD<DataSet> data = examples(sc, rows);
        for (int epoch = 0; epoch < epochs; epoch++) {
            spark.fit(data);
        }
    }

    /**
     * DL4J's parameter-averaging configuration of the tests: 2 workers, RDD elements of one example, minibatches of 16,
     * averaging every 2 minibatches (64 examples per round), the given approach, fixed splitting seed.
     */
    static ParameterAveragingTrainingMaster.Builder averaging(RDDTrainingApproach approach, TrainingHook... hooks) {
        return new ParameterAveragingTrainingMaster.Builder(2, 1).batchSizePerWorker(16).averagingFrequency(2)
                .rddTrainingApproach(approach).rngSeed(7).trainingHooks(hooks);
    }
}
