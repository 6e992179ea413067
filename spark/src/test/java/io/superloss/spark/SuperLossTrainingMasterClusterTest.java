package io.superloss.spark;

import io.superloss.SuperLoss;
import io.superloss.Threshold;
import io.superloss.ThresholdSnapshot;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static io.superloss.spark.ThresholdReferences.assertGlobalMeanRounds;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link SuperLossTrainingMaster} with two executor JVMs ({@code local-cluster[2,1,1024]}): there every executor
 * deserialises the broadcast configuration into a SuperLoss of its own, so the driver's threshold moves only through
 * the merge. The driver's state after training, and every worker's state at the start of every round, against the
 * global mean over what the workers trained on.
 */
class SuperLossTrainingMasterClusterTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTestContexts.localCluster("SuperLossTrainingMasterClusterTest");
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    @Test
    void driverThresholdIsTheMeanOverTheRowsOfWorkersInTwoExecutorJvms() {
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).build();
        MultiLayerNetwork net = SparkModels.mlp(loss, 3);
        RowRecorder recorder = RowRecorder.register(sc);
        SparkModels.fit(sc, net, recorder, 256, 2);

        List<MinibatchRecord> records = recorder.oncePerWork();
        Set<String> executors = new TreeSet<>();
        for (MinibatchRecord r : records) {
            executors.add(r.executor());
        }
        assertEquals(Set.of("0", "1"), executors, "the workers ran in both executor JVMs");
        assertEquals(2 * 256 / 16, records.size(), "every minibatch trained once");
        assertGlobalMeanRounds(ThresholdSnapshot.of(null, 0, 0, 0.0), records, loss.snapshot());
    }
}
