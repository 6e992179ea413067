package io.superloss.spark;

import io.superloss.NetworkThresholds;
import io.superloss.ThresholdSnapshot;
import io.superloss.examples.ReferenceLosses;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A test hook that records what every Spark worker trains on ({@link MinibatchRecord}), independently of the code
 * under test: before each minibatch it computes the per-row cross-entropy from the worker network's own output
 * probabilities and labels (plain Java, {@link ReferenceLosses}) and reads the state of the worker's SuperLoss (the
 * network's only one). Records travel in a Spark collection accumulator, which keeps every successful attempt's
 * records (failed attempts' are dropped by Spark). Optionally it fails the first attempt of one partition's task at one
 * minibatch, after the earlier minibatches trained.
 */
final class RowRecorder implements TrainingHook {
    private static final long serialVersionUID = 1L;

    private final CollectionAccumulator<MinibatchRecord> records;
    private final int failPartition;
    private final int failAtMinibatch;

    private transient Model model;
    private transient int minibatch;

    private RowRecorder(CollectionAccumulator<MinibatchRecord> records, int failPartition, int failAtMinibatch) {
        this.records = records;
        this.failPartition = failPartition;
        this.failAtMinibatch = failAtMinibatch;
    }

    static RowRecorder register(JavaSparkContext sc) {
        return new RowRecorder(sc.sc().collectionAccumulator("minibatch records"), -1, -1);
    }

    /** A recorder that throws in the first attempt of {@code partition}'s task before its minibatch {@code at}. */
    static RowRecorder failingOnce(JavaSparkContext sc, int partition, int at) {
        return new RowRecorder(sc.sc().collectionAccumulator("minibatch records"), partition, at);
    }

    /** The records of every successful task attempt, in the order Spark merged them. */
    List<MinibatchRecord> records() {
        return new ArrayList<>(records.value());
    }

    /** The last record of every piece of work (one per stage, partition and minibatch). */
    List<MinibatchRecord> oncePerWork() {
        Map<String, MinibatchRecord> last = new LinkedHashMap<>();
        for (MinibatchRecord r : records()) {
            last.remove(r.work());
            last.put(r.work(), r);
        }
        return new ArrayList<>(last.values());
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        INDArray probabilities = ((MultiLayerNetwork) model).output(minibatch.getFeatures(), false);
        record(model, probabilities, minibatch.getLabels());
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        INDArray probabilities = ((ComputationGraph) model).output(false, minibatch.getFeatures())[0];
        record(model, probabilities, minibatch.getLabels(0));
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }

    private void record(Model m, INDArray probabilities, INDArray labels) {
        if (m != model) {
            model = m;
            minibatch = 0;
        }
        TaskContext task = TaskContext.get();
        if (task.partitionId() == failPartition && minibatch == failAtMinibatch && task.attemptNumber() == 0) {
            throw new IllegalStateException("RowRecorder: injected failure of the first attempt of partition "
                    + failPartition + " before its minibatch " + failAtMinibatch);
        }
        ThresholdSnapshot before = NetworkThresholds.of(m).snapshot().values().iterator().next();
        double[] losses = ReferenceLosses.crossEntropy(probabilities.toDoubleMatrix(), labels.toDoubleMatrix());
        records.add(new MinibatchRecord(SparkEnv.get().executorId(), task.stageId(), task.stageAttemptNumber(),
                task.partitionId(), task.attemptNumber(), minibatch++, before, losses));
    }
}
