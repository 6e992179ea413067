package io.superloss.spark;

import io.superloss.NetworkThresholds;
import io.superloss.ThresholdSnapshot;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * DL4J's {@link ParameterAveragingTrainingMaster} that also merges the SuperLoss thresholds of the workers into the
 * driver's network after every averaging round, so that the driver's {@code loss.tau()} reflects every worker's rows
 * and the next round's workers start from the merged state.
 *
 * <pre>{@code
 * TrainingMaster master = new SuperLossTrainingMaster(new ParameterAveragingTrainingMaster.Builder(1)
 *         .batchSizePerWorker(32).averagingFrequency(5).rddTrainingApproach(RDDTrainingApproach.Direct));
 * SparkDl4jMultiLayer spark = new SparkDl4jMultiLayer(sc, net, master);
 * spark.fit(trainingRdd);   // net's SuperLoss now holds the merged threshold
 * }</pre>
 *
 * <p>Each averaging round (one split of the data, one Spark job) runs as in DL4J, plus:
 * <ol>
 *   <li>driver, when the round's worker is made: the network's threshold states ({@link NetworkThresholds}) are the
 *       round's base; they travel to the executors inside the broadcast configuration (a SuperLoss serialises its
 *       state); a fresh {@link ThresholdAccumulator} is registered for the round;</li>
 *   <li>workers: {@link ThresholdHook} gives each worker's network its own SuperLoss copies before its first minibatch
 *       and reports their states, keyed by the Spark partition, after every minibatch;</li>
 *   <li>driver, after DL4J averaged the parameters: the reports are merged ({@link io.superloss.Threshold#merge}, loss
 *       by loss) from the base into the network's losses; the next round broadcasts the result.</li>
 * </ol>
 * Exactly once: a report is keyed by the work it describes (partition, and worker within the task), Spark never
 * merges the updates of a failed task attempt, and a report for a key already present replaces it (speculative
 * duplicates, re-executed stages), so every worker's rows count once, whichever attempts ran. A worker that saw no
 * rows reports nothing and changes nothing.
 *
 * <p>Works for {@link SparkDl4jMultiLayer} and {@link SparkComputationGraph}, with both training approaches
 * ({@code RDDTrainingApproach.Direct} and {@code Export}) and path-based fitting: they all make one worker and process
 * one set of results per averaging round. Configure it with DL4J's builder; {@code toJson()} describes the parameter
 * averaging only, and its {@code fromJson} gives a plain ParameterAveragingTrainingMaster.
 */
public class SuperLossTrainingMaster extends ParameterAveragingTrainingMaster {
    private static final Logger log = LoggerFactory.getLogger(SuperLossTrainingMaster.class);

    /** The averaging round in progress: driver only. */
    private transient Round round;

    /** The driver's side of one averaging round. */
    private static final class Round {
        final NetworkThresholds thresholds;
        final Map<String, ThresholdSnapshot> base;
        final ThresholdAccumulator reports;

        Round(NetworkThresholds thresholds, Map<String, ThresholdSnapshot> base, ThresholdAccumulator reports) {
            this.thresholds = thresholds;
            this.base = base;
            this.reports = reports;
        }
    }

    /**
     * A training master configured by DL4J's builder (workers, batch size, averaging frequency, training approach,
     * hooks, ...).
     *
     * @throws IllegalArgumentException if {@code builder} is null
     */
    public SuperLossTrainingMaster(ParameterAveragingTrainingMaster.Builder builder) {
        super(requireBuilder(builder));
    }

    private static ParameterAveragingTrainingMaster.Builder requireBuilder(
            ParameterAveragingTrainingMaster.Builder builder) {
        if (builder == null) {
            throw new IllegalArgumentException("SuperLossTrainingMaster: builder must not be null");
        }
        return builder;
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkDl4jMultiLayer network) {
        startRound(network.getSparkContext(), network.getNetwork());
        return super.getWorkerInstance(network);
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        startRound(graph.getSparkContext(), graph.getNetwork());
        return super.getWorkerInstance(graph);
    }

    @Override
    protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph,
                                  JavaRDD<ParameterAveragingTrainingResult> results, int splitNum, int totalSplits) {
        super.processResults(network, graph, results, splitNum, totalSplits);
        Round r = round;
        round = null;
        if (r == null) {
            throw new IllegalStateException("SuperLossTrainingMaster: results of a round that no worker was made for");
        }
        List<Map<String, ThresholdSnapshot>> workers = r.reports.value();
        Map<String, ThresholdSnapshot> merged = r.thresholds.merge(r.base, workers);
        log.debug("Split {} of {}: merged the thresholds of {} workers into {}", splitNum, totalSplits,
                workers.size(), merged);
    }

    /**
     * Records the round's base, registers its accumulator and puts the round's hook first in the hooks the worker
     * is made with (a new list: a worker already sent keeps its own).
     */
    private void startRound(JavaSparkContext sc, Model network) {
        NetworkThresholds thresholds = NetworkThresholds.of(network);
        ThresholdAccumulator reports = new ThresholdAccumulator();
        sc.sc().register(reports, "SuperLoss thresholds");
        List<TrainingHook> hooks = new ArrayList<>();
        hooks.add(new ThresholdHook(reports));
        if (trainingHookList != null) {
            for (TrainingHook h : trainingHookList) {
                if (!(h instanceof ThresholdHook)) {
                    hooks.add(h);
                }
            }
        }
        trainingHookList = hooks;
        round = new Round(thresholds, thresholds.snapshot(), reports);
    }
}
