package io.superloss.parallel;

import io.superloss.NetworkThresholds;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.factory.DefaultTrainerContext;
import org.deeplearning4j.parallelism.factory.TrainerContext;

/**
 * SuperLoss thresholds merged across the workers of a DL4J {@link ParallelWrapper} (parameter averaging), so that
 * after {@code wrapper.fit(...)} the network's {@code loss.tau()} reflects the batches of every worker, not only
 * worker 0's.
 *
 * <pre>{@code
 * ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net).workers(2).averagingFrequency(1).build();
 * ParallelWrapperThresholds.install(wrapper);
 * wrapper.fit(trainIterator);
 * }</pre>
 *
 * <p>What happens: when a {@code fit} call starts, every worker's copy of the network starts from the network's
 * threshold state; after every averaging round (when the wrapper averages the parameters) and when {@code fit} ends,
 * the workers' states are merged with {@link io.superloss.Threshold#merge} (per SuperLoss of the network, see
 * {@link NetworkThresholds}) into the network's losses, and every worker continues from the merged state. A global-mean
 * threshold is then exactly the mean over every row any worker trained on; an EMA is the workers' thresholds weighted
 * by the rows each saw in the round.
 *
 * <p>Needs {@code org.deeplearning4j:deeplearning4j-parallel-wrapper} on the class path (an optional dependency of this
 * library). In DL4J 1.0.0-M2.1, {@code ParallelWrapper.Builder.build()} replaces any {@code trainerFactory} by its own
 * trainer context and the wrapper never calls {@code TrainerContext.finalizeRound}: {@link #install} therefore sets
 * the trainer context on the built wrapper, and the round boundary is the wrapper's per-round call to trainer 0 (see
 * {@code ThresholdMergingTrainer}).
 */
public final class ParallelWrapperThresholds {
    private ParallelWrapperThresholds() {
    }

    /**
     * Makes {@code wrapper} merge the thresholds of its workers at every averaging round and at the end of every
     * {@code fit}. Call it after {@code build()} and before {@code fit}; calling it again changes nothing.
     *
     * @return {@code wrapper}
     * @throws IllegalArgumentException if {@code wrapper} is null, trains in a gradient-sharing mode
     *                                  ({@code SHARED_GRADIENTS} or {@code CUSTOM}: no averaging rounds), has a trainer
     *                                  context other than the default one, or its model is neither an initialised
     *                                  {@code MultiLayerNetwork} nor an initialised {@code ComputationGraph}
     * @throws IllegalStateException    if {@code wrapper} is fitting
     */
    public static ParallelWrapper install(ParallelWrapper wrapper) {
        if (wrapper == null) {
            throw new IllegalArgumentException("ParallelWrapperThresholds.install: wrapper must not be null");
        }
        TrainerContext context = wrapper.getTrainerContext();
        if (context instanceof ThresholdMergingTrainerContext) {
            return wrapper;
        }
        if (wrapper.getGradientsAccumulator() != null) {
            throw new IllegalArgumentException("ParallelWrapperThresholds: the wrapper shares gradients (training mode "
                    + "SHARED_GRADIENTS or CUSTOM); thresholds are merged at parameter-averaging rounds, so only "
                    + "TrainingMode.AVERAGING is supported");
        }
        if (context == null || context.getClass() != DefaultTrainerContext.class) {
            throw new IllegalArgumentException("ParallelWrapperThresholds: the wrapper's trainer context must be "
                    + "DL4J's DefaultTrainerContext (parameter averaging), got: "
                    + (context == null ? null : context.getClass().getName()));
        }
        if (wrapper.getZoo() != null) {
            throw new IllegalStateException("ParallelWrapperThresholds.install: the wrapper is fitting; install before "
                    + "fit");
        }
        NetworkThresholds.of(wrapper.getModel()); // validates the model
        wrapper.setTrainerContext(new ThresholdMergingTrainerContext());
        return wrapper;
    }
}
