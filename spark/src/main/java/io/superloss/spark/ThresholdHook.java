package io.superloss.spark;

import io.superloss.NetworkThresholds;
import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker side of {@link SuperLossTrainingMaster}, run by DL4J's parameter-averaging worker around each minibatch.
 * Before a worker's first minibatch it gives the worker's network its own SuperLoss instances
 * ({@link NetworkThresholds#detach()}): an executor builds every task's network from one deserialised broadcast
 * configuration, whose loss instance the tasks would otherwise share (and in local mode that instance is the driver's
 * own), so each worker trains exactly its own copy, starting from the broadcast state. After every minibatch it reports
 * the copy's states to the round's {@link ThresholdAccumulator}, under the task's partition.
 *
 * <p>Spark deserialises a task's function, and with it this hook, once per task attempt, so the per-worker fields are
 * per attempt. A retried attempt (a task's retry or speculative copy, a task of a re-executed stage) logs a WARN: its
 * report replaces that of any earlier attempt.
 */
final class ThresholdHook implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(ThresholdHook.class);

    private final ThresholdAccumulator accumulator;

    // Per task attempt (deserialisation leaves them null and 0).
    private transient Model model;
    private transient NetworkThresholds thresholds;
    /** The current network's position among the networks this attempt trained: 0 unless a task runs several. */
    private transient int worker;
    private transient int networks;

    ThresholdHook(ThresholdAccumulator accumulator) {
        this.accumulator = accumulator;
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        prepare(model);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        prepare(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        report(model);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        report(model);
    }

    private void prepare(Model m) {
        if (m != model) {
            TaskContext task = task();
            if (task.attemptNumber() > 0 || task.stageAttemptNumber() > 0) {
                log.warn("Spark retries the training of partition {} (task attempt {}, stage attempt {}): this "
                        + "attempt's threshold states replace those of any earlier attempt", task.partitionId(),
                        task.attemptNumber(), task.stageAttemptNumber());
            }
            NetworkThresholds t = NetworkThresholds.of(m);
            t.detach();
            model = m;
            thresholds = t;
            worker = networks++;
        }
    }

    private void report(Model m) {
        if (m != model) {
            throw new IllegalStateException("ThresholdHook: postUpdate for a network that preUpdate did not see");
        }
        accumulator.add(new WorkerThresholds(task().partitionId(), worker, thresholds.snapshot()));
    }

    private static TaskContext task() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            throw new IllegalStateException("ThresholdHook runs inside Spark tasks only");
        }
        return task;
    }
}
