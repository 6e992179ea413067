package io.superloss.spark;

import io.superloss.SuperLoss;
import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Noisy-label training on Spark reaches the accuracy of local training: the digits MLP of the experiments
 * (64-128-10, Adam 3e-3, batches of 32, SuperLoss with its default EMA threshold) on 20 % symmetric label noise,
 * trained locally and with {@link SuperLossTrainingMaster} on {@code local[2]} (two workers, parameters averaged every
 * 5 minibatches), from the same initial weights and for the same number of epochs; clean test accuracy, mean over two
 * seeds (one seed's accuracy varies by about 1 point between seeds, EXPERIMENTS.md).
 */
class SparkAccuracyTest {
    private static final double NOISE = 0.2;
    private static final int EPOCHS = 20;
    private static final int BATCH = 32;
    private static final long[] SEEDS = {1, 2};

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTestContexts.local("local[2]", "SparkAccuracyTest");
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    @Test
    void sparkTrainingOnNoisyLabelsIsWithinTwoPointsOfLocalTraining() {
        double local = 0;
        double spark = 0;
        for (long seed : SEEDS) {
            Digits all = Digits.load().shuffled(seed);
            Digits train = all.range(0, Digits.TRAIN_SIZE);
            Digits test = all.range(Digits.TRAIN_SIZE, Digits.TRAIN_SIZE + Digits.TEST_SIZE);
            int[] noisy = Digits.withSymmetricNoise(train.labels, Digits.CLASSES, NOISE, seed,
                    new boolean[train.labels.length]);
            DataSet trainSet = train.dataSet(noisy);
            DataSet testSet = test.dataSet(test.labels);

            long t0 = System.nanoTime();
            MultiLayerNetwork localNet = DigitsModels.mlp(new SuperLoss(new LossMCXENT()), seed);
            DigitsModels.train(localNet, trainSet, EPOCHS, BATCH, seed);
            double localAccuracy = DigitsModels.accuracy(localNet, testSet);
            long t1 = System.nanoTime();

            SuperLoss sparkLoss = new SuperLoss(new LossMCXENT());
            MultiLayerNetwork sparkNet = DigitsModels.mlp(sparkLoss, seed);
            SparkDl4jMultiLayer trainer = new SparkDl4jMultiLayer(sc, sparkNet, new SuperLossTrainingMaster(
                    new ParameterAveragingTrainingMaster.Builder(2, BATCH).batchSizePerWorker(BATCH)
                            .averagingFrequency(5)
                            .saveUpdater(true).rddTrainingApproach(RDDTrainingApproach.Direct).rngSeed(seed)
                            .repartionData(Repartition.NumPartitionsWorkersDiffers)));
            JavaRDD<DataSet> rdd = sc.parallelize(trainSet.batchBy(BATCH), 2);
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                trainer.fit(rdd);
            }
            double sparkAccuracy = DigitsModels.accuracy(sparkNet, testSet);
            long t2 = System.nanoTime();
            System.out.printf("seed %d: local %.4f (%.1f s), Spark %.4f (%.1f s), Spark tau %.4f%n", seed,
                    localAccuracy, (t1 - t0) / 1e9, sparkAccuracy, (t2 - t1) / 1e9, sparkLoss.tau());
            local += localAccuracy / SEEDS.length;
            spark += sparkAccuracy / SEEDS.length;
        }
        assertTrue(Math.abs(spark - local) <= 0.02, "mean test accuracy: Spark " + spark + ", local " + local);
    }
}
