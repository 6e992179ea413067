package io.superloss.spark.examples;

import io.superloss.MislabelFinder;
import io.superloss.SuperLoss;
import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import io.superloss.spark.SuperLossTrainingMaster;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.List;
import java.util.stream.IntStream;

/**
 * SuperLoss on Spark: the digits MLP trained with 40 % symmetric label noise by DL4J's parameter averaging on two
 * workers, with the workers' thresholds merged into the driver's loss after every averaging round; then the training
 * samples the trained network trusts least. The master URL is the first argument ({@code local[2]} by default).
 *
 * <pre>cd spark && mvn -q test-compile exec:exec</pre>
 */
public final class SparkNoisyDigits {
    static final long SEED = 42;
    static final double NOISE = 0.4;
    static final int EPOCHS = 20;
    static final int BATCH = 32;

    private SparkNoisyDigits() {
    }

    public static void main(String[] args) {
        String master = args.length > 0 ? args[0] : "local[2]";
        // The executors need the module flags of the driver (see the pom's spark.jvm.flags) and one OpenMP thread.
        SparkConf conf = new SparkConf().setMaster(master).setAppName("SparkNoisyDigits")
                .set("spark.ui.enabled", "false")
                .set("spark.executorEnv.OMP_NUM_THREADS", "1")
                .set("spark.executor.extraJavaOptions", "--add-opens=java.base/java.nio=ALL-UNNAMED "
                        + "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED "
                        + "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            Digits all = Digits.load().shuffled(SEED);
            Digits train = all.range(0, Digits.TRAIN_SIZE);
            Digits test = all.range(Digits.TRAIN_SIZE, Digits.TRAIN_SIZE + Digits.TEST_SIZE);
            boolean[] flipped = new boolean[train.labels.length];
            int[] noisy = Digits.withSymmetricNoise(train.labels, Digits.CLASSES, NOISE, SEED, flipped);
            DataSet trainSet = train.dataSet(noisy);
            DataSet testSet = test.dataSet(test.labels);
            System.out.printf("Digits: %d training samples (%d labels flipped), %d clean test samples; master %s%n",
                    noisy.length, IntStream.range(0, noisy.length).filter(i -> flipped[i]).count(),
                    test.labels.length, master);

            SuperLoss loss = new SuperLoss(new LossMCXENT());
            MultiLayerNetwork net = DigitsModels.mlp(loss, SEED);
            // DL4J's usual parameter-averaging set-up: 2 workers, RDD elements of 32 examples, minibatches of 32,
            // parameters averaged every 5 minibatches. Only the master's class changes.
            SuperLossTrainingMaster trainingMaster = new SuperLossTrainingMaster(
                    new ParameterAveragingTrainingMaster.Builder(2, BATCH).batchSizePerWorker(BATCH)
                            .averagingFrequency(5).rddTrainingApproach(RDDTrainingApproach.Direct).rngSeed(SEED));
            SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, net, trainingMaster);
            JavaRDD<DataSet> data = sc.parallelize(trainSet.batchBy(BATCH), 2);
            for (int epoch = 1; epoch <= EPOCHS; epoch++) {
                spark.fit(data);
                if (epoch % 5 == 0) {
                    System.out.printf("epoch %2d: driver tau %.4f after %d training calls of all workers%n", epoch,
                            loss.tau(), loss.snapshot().calls());
                }
            }
            System.out.printf("Clean test accuracy: %.3f%n", DigitsModels.accuracy(net, testSet));

            List<MislabelFinder.Suspect> suspects = MislabelFinder.of(net).rank(trainSet);
            int hits = 0;
            System.out.println("The 10 training samples with the lowest confidence:");
            System.out.println("  index  sigma     label  true  flipped");
            for (MislabelFinder.Suspect s : suspects.subList(0, 10)) {
                int i = (int) s.index();
                hits += flipped[i] ? 1 : 0;
                System.out.printf("  %5d  %.6f  %5d  %4d  %s%n", i, s.sigma(), noisy[i], train.labels[i],
                        flipped[i] ? "yes" : "no");
            }
            System.out.printf("%d of these 10 were flipped (%.0f%% of all training labels were).%n", hits, 100 * NOISE);
        }
    }
}
