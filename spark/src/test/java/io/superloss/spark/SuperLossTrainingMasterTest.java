package io.superloss.spark;

import io.superloss.NetworkThresholds;
import io.superloss.SuperLoss;
import io.superloss.Threshold;
import io.superloss.ThresholdSnapshot;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.superloss.spark.ThresholdReferences.assertClose;
import static io.superloss.spark.ThresholdReferences.assertGlobalMeanRounds;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link SuperLossTrainingMaster} on {@code local[2]} (two worker threads in this JVM): the driver's threshold after
 * Spark training against references computed from what every worker trained on ({@link RowRecorder}), for
 * {@link SparkDl4jMultiLayer} and {@link SparkComputationGraph}, both training approaches, the three policies, and a
 * model saved and restored between two trainings.
 */
class SuperLossTrainingMasterTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTestContexts.local("local[2]", "SuperLossTrainingMasterTest");
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    private static SuperLoss globalMean() {
        return SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).build();
    }

    @Test
    void multiLayerGlobalMeanIsTheMeanOverEveryWorkersRowsAndResumesFromASavedModel(@TempDir Path dir)
            throws Exception {
        SuperLoss loss = globalMean();
        MultiLayerNetwork net = SparkModels.mlp(loss, 3);
        RowRecorder recorder = RowRecorder.register(sc);
        SparkModels.fit(sc, net, recorder, 256, 2);
        List<MinibatchRecord> first = recorder.oncePerWork();
        assertEquals(2 * 256 / 16, first.size(), "every minibatch trained once");
        assertEquals(2 * 4, ThresholdReferences.rounds(first).size(), "four averaging rounds per epoch");
        assertGlobalMeanRounds(ThresholdSnapshot.of(null, 0, 0, 0.0), first, loss.snapshot());

        // Saved and restored, the model continues with the merged state.
        File file = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        SuperLoss restoredLoss = NetworkThresholds.of(restored).loss("1");
        ThresholdSnapshot saved = loss.snapshot();
        assertEquals(saved, restoredLoss.snapshot());

        RowRecorder resumed = RowRecorder.register(sc);
        SparkModels.fit(sc, restored, resumed, 256, 1);
        assertGlobalMeanRounds(saved, resumed.oncePerWork(), restoredLoss.snapshot());
        assertEquals(saved, loss.snapshot(), "the original network is untouched");
    }

    @Test
    void computationGraphEmaMergesEachRoundsWorkersByTheirRowsWithExport(@TempDir Path dir) {
        SuperLoss loss = new SuperLoss(new LossMCXENT()); // EMA, momentum 0.9
        ComputationGraph graph = SparkModels.graph(loss, 4);
        RowRecorder recorder = RowRecorder.register(sc);
        SparkComputationGraph spark = new SparkComputationGraph(sc, graph, new SuperLossTrainingMaster(
                SparkModels.averaging(RDDTrainingApproach.Export, recorder).exportDirectory(dir.toUri().toString())));
        spark.fit(SparkModels.examples(sc, 256));

        List<MinibatchRecord> records = recorder.oncePerWork();
        assertEquals(256 / 16, records.size(), "every minibatch trained once");
        double tau = Double.NaN;
        long calls = 0;
        List<List<MinibatchRecord>> rounds = ThresholdReferences.rounds(records);
        assertEquals(4, rounds.size());
        for (int i = 0; i < rounds.size(); i++) {
            for (MinibatchRecord r : rounds.get(i)) {
                if (r.minibatch() == 0) {
                    assertClose(tau, r.before().tau(), "round " + i + ": a worker's starting tau");
                    assertEquals(calls, r.before().calls(), "round " + i + ": a worker's starting calls");
                }
            }
            tau = ThresholdReferences.emaRound(tau, rounds.get(i), SuperLoss.DEFAULT_MOMENTUM);
            calls += rounds.get(i).size();
        }
        assertClose(tau, loss.tau(), "the driver's tau");
        assertEquals(calls, loss.snapshot().calls());
        assertEquals(256, loss.snapshot().seenWeight());
    }

    @Test
    void constantThresholdIsUntouchedAndEveryMinibatchIsCounted() {
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.constant(Math.log(10))).build();
        MultiLayerNetwork net = SparkModels.mlp(loss, 5);
        RowRecorder recorder = RowRecorder.register(sc);
        SparkModels.fit(sc, net, recorder, 128, 1);
        List<Double> taus = new ArrayList<>();
        for (MinibatchRecord r : recorder.oncePerWork()) {
            taus.add(r.before().tau());
        }
        assertEquals(128 / 16, taus.size());
        assertEquals(List.of(Math.log(10)), taus.stream().distinct().toList(), "every worker trains with ln 10");
        assertEquals(Math.log(10), loss.tau());
        assertEquals(128 / 16, loss.snapshot().calls());
        assertEquals(128, loss.snapshot().seenWeight());
    }
}
