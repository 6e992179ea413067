package io.superloss.spark;

import io.superloss.SuperLoss;
import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.Arrays;
import java.util.function.Function;

/**
 * The cost of merging thresholds: the same Spark job (the digits MLP with SuperLoss, 1,297 rows in RDD elements of 32,
 * 2 workers, minibatches of 32, averaging every 5, Direct, {@value #EPOCHS} epochs) fitted with DL4J's
 * ParameterAveragingTrainingMaster and with SuperLossTrainingMaster, on {@code local[2]} and on
 * {@code local-cluster[2,1,1024]}: after {@value #WARM_UP_EPOCHS} warm-up epochs (the JIT keeps speeding Spark and DL4J
 * up for several epochs), {@value #RUNS} runs of each in the order plain, merge, merge, plain, ... (a linear drift of the
 * machine's speed then weighs on both alike), printed side by side with their sums.
 *
 * <pre>cd spark && mvn -q test-compile exec:exec -Drun.main=io.superloss.spark.MergeCostBenchmark</pre>
 */
public final class MergeCostBenchmark {
    static final int WARM_UP_EPOCHS = 10;
    static final int EPOCHS = 10;
    static final int RUNS = 4;
    static final int BATCH = 32;

    private MergeCostBenchmark() {
    }

    public static void main(String[] args) {
        measure("local[2]", SparkTestContexts.local("local[2]", "MergeCostBenchmark"));
        measure("local-cluster[2,1,1024]", SparkTestContexts.localCluster("MergeCostBenchmark"));
    }

    private static void measure(String master, JavaSparkContext sc) {
        try (sc) {
            Digits train = Digits.load().shuffled(1).range(0, Digits.TRAIN_SIZE);
            JavaRDD<DataSet> data = sc.parallelize(train.dataSet(train.labels).batchBy(BATCH), 2);
            Function<ParameterAveragingTrainingMaster.Builder, TrainingMaster<?, ?>> plain =
                    ParameterAveragingTrainingMaster.Builder::build;
            fit(sc, data, plain, WARM_UP_EPOCHS);
            double[] withoutMerge = new double[RUNS];
            double[] withMerge = new double[RUNS];
            for (int run = 0; run < RUNS; run++) {
                if (run % 2 == 0) {
                    withoutMerge[run] = fit(sc, data, plain, EPOCHS);
                    withMerge[run] = fit(sc, data, SuperLossTrainingMaster::new, EPOCHS);
                } else {
                    withMerge[run] = fit(sc, data, SuperLossTrainingMaster::new, EPOCHS);
                    withoutMerge[run] = fit(sc, data, plain, EPOCHS);
                }
            }
            System.out.printf("%-24s %d epochs, seconds per run: ParameterAveragingTrainingMaster %s, "
                            + "SuperLossTrainingMaster %s; sums %.1f s and %.1f s (ratio %.3f)%n", master, EPOCHS,
                    Arrays.toString(withoutMerge), Arrays.toString(withMerge), sum(withoutMerge), sum(withMerge),
                    sum(withMerge) / sum(withoutMerge));
        }
    }

    private static double sum(double[] values) {
        return Arrays.stream(values).sum();
    }

    /** Seconds to fit {@code epochs} epochs with the master {@code make} builds. */
    private static double fit(JavaSparkContext sc, JavaRDD<DataSet> data,
                              Function<ParameterAveragingTrainingMaster.Builder, TrainingMaster<?, ?>> make,
                              int epochs) {
        MultiLayerNetwork net = DigitsModels.mlp(new SuperLoss(new LossMCXENT()), 1);
        SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, net, make.apply(
                new ParameterAveragingTrainingMaster.Builder(2, BATCH).batchSizePerWorker(BATCH).averagingFrequency(5)
                        .rddTrainingApproach(RDDTrainingApproach.Direct).rngSeed(1)));
        long start = System.nanoTime();
        for (int epoch = 0; epoch < epochs; epoch++) {
            spark.fit(data);
        }
        return Math.round((System.nanoTime() - start) / 1e8) / 10.0;
    }
}
