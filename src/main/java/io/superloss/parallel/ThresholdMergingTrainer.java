package io.superloss.parallel;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.trainer.DefaultTrainer;

/**
 * DL4J's default parameter-averaging trainer with the three calls the threshold rounds need:
 * <ul>
 *   <li>{@link #postInit()}: the worker's network exists, before its first training call: it registers with the
 *       context (and a copy starts from the round's base state);</li>
 *   <li>{@link #averagingRequired()} on trainer 0, from the wrapper's thread: ParallelWrapper 1.0.0-M2.1 asks it once
 *       per block of batches, after every worker finished the block and before the parameters are averaged (only on
 *       averaging rounds in {@code fit(DataSetIterator)}, on every block in {@code fit(MultiDataSetIterator)}); the
 *       threshold round ends when the wrapper's block counter is a multiple of the averaging frequency, the wrapper's
 *       own averaging condition;</li>
 *   <li>{@link #shutdown()} on trainer 0: {@code fit} ends (after its last block, before any worker's network is
 *       released): the last round ends, averaged or not.</li>
 * </ul>
 * Trainers are also asked {@code averagingRequired()} from their own threads on platforms without cross-device access;
 * those calls end no round.
 */
final class ThresholdMergingTrainer extends DefaultTrainer {
    private final ThresholdMergingTrainerContext context;
    private volatile Thread workerThread;

    ThresholdMergingTrainer(ThresholdMergingTrainerContext context, String uuid, int threadId, Model model,
                            ParallelWrapper wrapper, WorkspaceMode workspaceMode, boolean useMDS,
                            int averagingFrequency) {
        this.context = context;
        this.uuid = uuid;
        this.threadId = threadId;
        this.originalModel = model;
        this.replicatedModel = model;
        this.parallelWrapper = wrapper;
        this.workspaceMode = workspaceMode;
        this.useMDS = useMDS;
        this.averagingFrequency = averagingFrequency;
    }

    @Override
    public void run() {
        workerThread = Thread.currentThread();
        super.run();
    }

    @Override
    protected void postInit() {
        super.postInit();
        context.workerReady(replicatedModel, onRootModel);
    }

    @Override
    public boolean averagingRequired() {
        if (threadId == 0 && Thread.currentThread() != workerThread && averagingFrequency > 0
                && parallelWrapper.getIterationsCounter().get() % averagingFrequency == 0) {
            context.endRound();
        }
        return super.averagingRequired();
    }

    @Override
    public void shutdown() {
        if (threadId == 0) {
            context.endRound();
        }
        super.shutdown();
    }
}
