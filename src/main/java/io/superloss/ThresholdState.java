package io.superloss;

import java.io.Serializable;
import java.util.function.UnaryOperator;

/**
 * The evolving threshold state of one SuperLoss: a {@link ThresholdSnapshot} replaced atomically by its
 * {@link Threshold}'s rules, one {@link #advance} per counted training call. Thread-safe and linearizable, so
 * concurrent training calls on one loss instance (DL4J's {@code net.clone()} shares the loss object) never lose or
 * tear an update.
 */
final class ThresholdState implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Threshold threshold;
    private final int warmupIterations;

    // Guarded by this.
    private ThresholdSnapshot current;

    /** A state starting at {@code initial}, or untrained when it is null. */
    ThresholdState(Threshold threshold, int warmupIterations, ThresholdSnapshot initial) {
        this.threshold = threshold;
        this.warmupIterations = warmupIterations;
        restore(initial);
    }

    /**
     * Counts one training call whose usable rows have the given weighted sum of losses and total weight, and returns
     * the threshold that call must use (the updated one).
     *
     * @param batchSum    sum over usable rows of weight times loss (finite)
     * @param batchWeight sum of the usable rows' weights, strictly positive
     */
    synchronized double advance(double batchSum, double batchWeight) {
        current = threshold.advance(current, batchSum, batchWeight, warmupIterations);
        return current.tau();
    }

    /**
     * Replaces the state by the one {@code step} computes from it, atomically with respect to every other method: for
     * an execution that applies the rules elsewhere (a SameDiff graph).
     *
     * @return the new state
     */
    synchronized ThresholdSnapshot update(UnaryOperator<ThresholdSnapshot> step) {
        restore(step.apply(current));
        return current;
    }

    /** The current threshold: the constant, or NaN before the first counted call of a moving threshold. */
    synchronized double tau() {
        return current.tau();
    }

    synchronized ThresholdSnapshot snapshot() {
        return current;
    }

    /** Replaces the state; {@code null} means the untrained state. */
    synchronized void restore(ThresholdSnapshot s) {
        current = s == null ? threshold.untrained() : threshold.normalize(s);
    }
}
