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
import java.util.Map;

import static io.superloss.spark.ThresholdReferences.assertGlobalMeanRounds;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link SuperLossTrainingMaster} with two executor JVMs and Spark's Kryo serializer (with ND4J's registrator, as DL4J
 * recommends): Kryo, not Java serialisation, carries the broadcast configuration and so the SuperLoss to the executors
 * (Kryo restores fields without calling a constructor or {@code readResolve}; the workers' detached copies are built
 * from the restored configuration and state).
 */
class SuperLossKryoClusterTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTestContexts.localCluster("SuperLossKryoClusterTest", Map.of(
                "spark.serializer", "org.apache.spark.serializer.KryoSerializer",
                "spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator"));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    @Test
    void workersStartEveryRoundFromTheMergedStateThroughKryo() {
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).build();
        MultiLayerNetwork net = SparkModels.mlp(loss, 3);
        RowRecorder recorder = RowRecorder.register(sc);
        SparkModels.fit(sc, net, recorder, 256, 1);

        List<MinibatchRecord> records = recorder.oncePerWork();
        assertEquals(256 / 16, records.size(), "every minibatch trained once");
        assertGlobalMeanRounds(ThresholdSnapshot.of(null, 0, 0, 0.0), records, loss.snapshot());
    }
}
