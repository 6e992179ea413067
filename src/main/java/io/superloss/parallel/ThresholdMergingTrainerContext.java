package io.superloss.parallel;

import io.superloss.NetworkThresholds;
import io.superloss.ThresholdSnapshot;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.factory.TrainerContext;
import org.deeplearning4j.parallelism.trainer.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * DL4J's default parameter-averaging trainers ({@link ThresholdMergingTrainer}) plus the threshold rounds of one
 * {@code fit} call: the state every worker started the round from (the base), the network's thresholds (trained by
 * worker 0, which trains the network itself) and those of the other workers' copies. {@link #endRound()} merges them
 * and restores the result everywhere. Thread-safe: workers register from their own threads.
 */
final class ThresholdMergingTrainerContext implements TrainerContext {
    private static final Logger log = LoggerFactory.getLogger(ThresholdMergingTrainerContext.class);

    private NetworkThresholds network;
    private Map<String, ThresholdSnapshot> base;
    private final List<NetworkThresholds> copies = new ArrayList<>();

    /** Called by the wrapper when a {@code fit} call creates its workers: the round starts from the network's state. */
    @Override
    public synchronized void init(Model model, Object... args) {
        network = NetworkThresholds.of(model);
        base = network.snapshot();
        copies.clear();
    }

    @Override
    public Trainer create(String uuid, int threadId, Model model, int rootDevice, boolean useMDS,
                          ParallelWrapper wrapper, WorkspaceMode workspaceMode, int averagingFrequency) {
        ThresholdMergingTrainer trainer = new ThresholdMergingTrainer(this, uuid + "_thread_" + threadId, threadId,
                model, wrapper, workspaceMode, useMDS, averagingFrequency);
        trainer.setName("ThresholdMergingTrainer thread " + threadId);
        trainer.setDaemon(true);
        return trainer;
    }

    /**
     * A worker's network exists and has not trained yet. A copy (every worker but worker 0, which trains the network
     * itself) starts from the current base: the wrapper builds it from the network's configuration at some moment after
     * worker 0 may have started training, so its own starting state cannot be trusted.
     */
    synchronized void workerReady(Model replica, boolean trainsTheNetwork) {
        if (trainsTheNetwork) {
            return;
        }
        NetworkThresholds copy = NetworkThresholds.of(replica);
        copy.restore(base);
        copies.add(copy);
    }

    /**
     * Merges what the workers trained since the base into the network's losses and restarts every copy from the
     * result. Called on the wrapper's thread while no worker trains; a round in which no worker trained changes
     * nothing.
     */
    synchronized void endRound() {
        if (network == null) {
            return;
        }
        List<Map<String, ThresholdSnapshot>> states = new ArrayList<>(copies.size() + 1);
        states.add(network.snapshot());
        for (NetworkThresholds copy : copies) {
            states.add(copy.snapshot());
        }
        Map<String, ThresholdSnapshot> merged = network.merge(base, states);
        for (NetworkThresholds copy : copies) {
            copy.restore(merged);
        }
        base = merged;
        log.debug("Merged the thresholds of {} workers: {}", states.size(), merged);
    }

    /** Not called by ParallelWrapper 1.0.0-M2.1; merges like the end of an averaging round. */
    @Override
    public void finalizeRound(Model originalModel, Model... models) {
        endRound();
    }

    /** Called by ParallelWrapper at the end of {@code fit(MultiDataSetIterator)}; merges the last round. */
    @Override
    public void finalizeTraining(Model originalModel, Model... models) {
        endRound();
    }
}
