package io.superloss.spark;

import io.superloss.SuperLoss;
import io.superloss.Threshold;
import io.superloss.ThresholdSnapshot;
import org.apache.spark.HashPartitioner;
import org.apache.spark.ShuffleDependency;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.shuffle.FetchFailedException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import scala.Tuple2;
import scala.Tuple3;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static io.superloss.spark.ThresholdReferences.assertGlobalMeanRounds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input and faults under {@link SuperLossTrainingMaster}, on {@code local[2,2]} (two worker threads, two attempts
 * per task): a worker without rows, NaN losses on one worker, a task that fails once and is retried, and a training
 * stage that Spark runs twice after a lost shuffle output. In each, the driver's global-mean threshold must count every
 * row the workers trained on exactly once (checked against {@link RowRecorder}'s records, one per piece of work) and
 * stay finite, with a WARN where a worker's rows or report were dropped.
 */
class SuperLossFaultsTest {
    private static final ThresholdSnapshot UNTRAINED = ThresholdSnapshot.of(null, 0, 0, 0.0);

    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTestContexts.local("local[2,2]", "SuperLossFaultsTest");
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    private static SuperLoss globalMean() {
        return SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).build();
    }

    private static Set<Integer> partitions(List<MinibatchRecord> records) {
        Set<Integer> partitions = new TreeSet<>();
        for (MinibatchRecord r : records) {
            partitions.add(r.partition());
        }
        return partitions;
    }

    @Test
    void aWorkerWithoutRowsChangesNothing() {
        SuperLoss loss = globalMean();
        RowRecorder recorder = RowRecorder.register(sc);
        // Three partitions, the third empty, kept as they are: one round, three workers, one of them without data.
        JavaRDD<DataSet> data = sc.parallelize(SparkModels.exampleList(64), 3)
                .mapPartitionsWithIndex((i, rows) -> i == 2 ? Collections.emptyIterator() : rows, true);
        new SparkDl4jMultiLayer(sc, SparkModels.mlp(loss, 3), new SuperLossTrainingMaster(
                SparkModels.averaging(RDDTrainingApproach.Direct, recorder).repartionData(Repartition.Never)))
                .fit(data);

        List<MinibatchRecord> records = recorder.oncePerWork();
        assertEquals(Set.of(0, 1), partitions(records), "the worker of partition 2 had no minibatch");
        assertEquals(64 - 22, ThresholdReferences.rows(records), "partitions of 21, 21 and 22 rows; the third dropped");
        assertGlobalMeanRounds(UNTRAINED, records, loss.snapshot());
    }

    @Test
    void nanLossesOnOneWorkerAreLeftOutWithAWarning() {
        SuperLoss loss = globalMean();
        RowRecorder recorder = RowRecorder.register(sc);
        // Partition 1 holds examples with NaN features: their losses are NaN, and so is everything that worker trains
        // on after its first update. One round.
        List<DataSet> rows = SparkModels.exampleList(64);
        for (int i = 40; i < 64; i += 6) {
            rows.set(i, new DataSet(Nd4j.valueArrayOf(rows.get(i).getFeatures().shape(), Double.NaN)
                    .castTo(rows.get(i).getFeatures().dataType()), rows.get(i).getLabels()));
        }
        MultiLayerNetwork net = SparkModels.mlp(loss, 3);
        try (LogCapture log = new LogCapture()) {
            new SparkDl4jMultiLayer(sc, net, new SuperLossTrainingMaster(
                    SparkModels.averaging(RDDTrainingApproach.Direct, recorder).repartionData(Repartition.Never)))
                    .fit(sc.parallelize(rows, 2));
            List<String> warnings = log.warnings(SuperLoss.class);
            assertFalse(warnings.isEmpty(), "SuperLoss warns about the rows it leaves out");
            assertTrue(warnings.get(0).contains("non-finite base loss"), warnings.get(0));
        }

        List<MinibatchRecord> records = recorder.oncePerWork();
        long nanRows = records.stream().mapToLong(r -> r.losses().length - r.finiteRows()).sum();
        assertTrue(nanRows >= 4, "NaN rows seen: " + nanRows);
        assertTrue(Double.isFinite(loss.tau()), "tau " + loss.tau());
        assertGlobalMeanRounds(UNTRAINED, records, loss.snapshot());
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndItsRowsCountOnce() {
        SuperLoss loss = globalMean();
        // Partition 0's first attempt trains one minibatch (and reports it) and then fails, in every round.
        RowRecorder recorder = RowRecorder.failingOnce(sc, 0, 1);
        try (LogCapture log = new LogCapture()) {
            SparkModels.fit(sc, SparkModels.mlp(loss, 3), recorder, 128, 1);
            assertEquals(2, log.warnings(ThresholdHook.class).size(), "one WARN per retried task (two rounds)");
        }

        List<MinibatchRecord> records = recorder.oncePerWork();
        assertEquals(128 / 16, records.size(), "every minibatch once");
        assertTrue(records.stream().anyMatch(r -> r.partition() == 0 && r.taskAttempt() == 1), "partition 0 retried");
        assertGlobalMeanRounds(UNTRAINED, records, loss.snapshot());
    }

    @Test
    void aTrainingStageThatSparkRunsTwiceCountsOnce() {
        SuperLoss loss = globalMean();
        RowRecorder recorder = RowRecorder.register(sc);
        try (LogCapture log = new LogCapture()) {
            new SparkDl4jMultiLayer(sc, SparkModels.mlp(loss, 3),
                    new StageRerunningMaster(SparkModels.averaging(RDDTrainingApproach.Direct, recorder)))
                    .fit(SparkModels.examples(sc, 128));
            assertEquals(2 * 2, log.warnings(ThresholdHook.class).size(), "one WARN per re-run task");
        }

        List<MinibatchRecord> once = recorder.oncePerWork();
        assertEquals(128 / 16, once.size(), "every minibatch once");
        assertEquals(2 * once.size(), recorder.records().size(), "Spark merged every training task's updates twice");
        assertGlobalMeanRounds(UNTRAINED, once, loss.snapshot());
    }

    /**
     * Makes Spark run each round's training stage twice, as it does when a shuffle output is lost: the workers'
     * results go through a shuffle (so that the training tasks become map tasks, whose accumulator updates Spark merges
     * on every successful run), and the first attempt of the stage reading it fails with a fetch failure, which makes
     * Spark discard this executor's map outputs and run every training task again.
     */
    private static final class StageRerunningMaster extends SuperLossTrainingMaster {
        StageRerunningMaster(ParameterAveragingTrainingMaster.Builder builder) {
            super(builder);
        }

        @Override
        protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph,
                                      JavaRDD<ParameterAveragingTrainingResult> results, int splitNum,
                                      int totalSplits) {
            // ParameterAveragingTrainingResult is not Serializable: its arrays and score cross the shuffle.
            JavaPairRDD<Integer, Tuple3<INDArray, INDArray, Double>> shuffled = results.mapPartitionsToPair(it -> {
                List<Tuple2<Integer, Tuple3<INDArray, INDArray, Double>>> keyed = new ArrayList<>();
                it.forEachRemaining(r -> keyed.add(new Tuple2<>(TaskContext.getPartitionId(),
                        new Tuple3<>(r.getParameters(), r.getUpdaterState(), r.getScore()))));
                return keyed.iterator();
            }).partitionBy(new HashPartitioner(results.getNumPartitions()));
            int shuffleId = ((ShuffleDependency<?, ?, ?>) shuffled.rdd().dependencies().head()).shuffleId();
            JavaRDD<ParameterAveragingTrainingResult> failingOnce = shuffled.values().mapPartitions(it -> {
                TaskContext task = TaskContext.get();
                if (task.stageAttemptNumber() == 0 && task.partitionId() == 0) {
                    throw new FetchFailedException(SparkEnv.get().blockManager().blockManagerId(), shuffleId, 0L, 0,
                            0, "injected: shuffle output lost", null);
                }
                List<ParameterAveragingTrainingResult> rebuilt = new ArrayList<>();
                it.forEachRemaining(r -> rebuilt.add(
                        new ParameterAveragingTrainingResult(r._1(), r._2(), r._3(), null, null, null)));
                return rebuilt.iterator();
            });
            super.processResults(network, graph, failingOnce, splitNum, totalSplits);
        }
    }
}
