package io.superloss;

import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.io.Serializable;
import java.util.function.UnaryOperator;

/**
 * The training state of a SuperLoss threshold and its update rule: one {@link #advance} per counted training call.
 * Thread-safe: an update is atomic and linearizable, so concurrent training calls on one loss instance (DL4J's
 * {@code net.clone()} shares the loss object) never lose or tear an update.
 *
 * <p>Rules (Castells et al. 2020; warm-up and the EMA form as in FastEstimator's SuperLoss):
 * <ul>
 *   <li>constant: tau never changes; calls are still counted;</li>
 *   <li>EMA: counted calls 1..k (the warm-up) and call k+1 set tau to the batch mean; from call k+2 on,
 *       {@code tau <- tau - (1 - momentum) (tau - batchMean)};</li>
 *   <li>global mean: during warm-up tau is the batch mean and warm-up rows are not counted; afterwards tau is the
 *       weighted mean of every counted row, kept as a running mean (tau, total row weight).</li>
 * </ul>
 */
final class ThresholdState implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Threshold threshold;
    private final int warmupIterations;

    // Guarded by this.
    private double tau;
    private double rowWeight;
    private long calls;

    ThresholdState(Threshold threshold, int warmupIterations, Snapshot initial) {
        this.threshold = threshold;
        this.warmupIterations = warmupIterations;
        restore(initial);
    }

    /**
     * Counts one training call whose rows have the given weighted sum of losses and total weight, and returns the
     * threshold that call must use (the updated one).
     *
     * @param batchSum    sum over usable rows of weight times loss (finite)
     * @param batchWeight sum of the usable rows' weights, strictly positive
     */
    synchronized double advance(double batchSum, double batchWeight) {
        double batchMean = batchSum / batchWeight;
        boolean warmingUp = calls < warmupIterations;
        switch (threshold.kind()) {
            case CONSTANT:
                break;
            case EMA:
                if (warmingUp || Double.isNaN(tau) || calls == warmupIterations) {
                    tau = batchMean;
                } else {
                    tau = tau - (1.0 - threshold.momentum()) * (tau - batchMean);
                }
                break;
            case GLOBAL_MEAN:
                if (warmingUp) {
                    tau = batchMean;
                } else {
                    double total = rowWeight + batchWeight;
                    tau = rowWeight == 0.0 ? batchMean : tau + (batchSum - batchWeight * tau) / total;
                    rowWeight = total;
                }
                break;
            default:
                throw new AssertionError(threshold.kind());
        }
        calls++;
        return tau;
    }

    /**
     * Replaces the state by the one {@code step} computes from it, atomically with respect to every other method: for
     * an execution that applies the rules elsewhere (GRAPH mode's SameDiff graph).
     *
     * @return the new state
     */
    synchronized Snapshot update(UnaryOperator<Snapshot> step) {
        Snapshot next = step.apply(snapshot());
        restore(next);
        return next;
    }

    /** The current threshold: the constant, or NaN before the first counted call of a moving threshold. */
    synchronized double tau() {
        return tau;
    }

    synchronized Snapshot snapshot() {
        return new Snapshot(tau, rowWeight, calls);
    }

    /** Replaces the state; {@code null} means the untrained state. */
    synchronized void restore(Snapshot s) {
        if (s == null) {
            tau = threshold.kind() == Threshold.Kind.CONSTANT ? threshold.value() : Double.NaN;
            rowWeight = 0.0;
            calls = 0;
        } else {
            tau = threshold.kind() == Threshold.Kind.CONSTANT ? threshold.value() : s.tau();
            rowWeight = s.rowWeight;
            calls = s.calls;
        }
    }

    /**
     * An immutable copy of the state, written into the network configuration JSON so that a saved model resumes
     * with its threshold. NaN tau is written as an absent field.
     */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
            isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    static final class Snapshot implements Serializable {
        private static final long serialVersionUID = 1L;

        @JsonProperty("tau")
        private final Double tau;
        @JsonProperty("rowWeight")
        private final double rowWeight;
        @JsonProperty("calls")
        private final long calls;

        Snapshot(double tau, double rowWeight, long calls) {
            this.tau = Double.isNaN(tau) ? null : tau;
            this.rowWeight = rowWeight;
            this.calls = calls;
        }

        @JsonCreator
        static Snapshot fromJson(@JsonProperty("tau") Double tau, @JsonProperty("rowWeight") double rowWeight,
                                 @JsonProperty("calls") long calls) {
            return new Snapshot(tau == null ? Double.NaN : tau, rowWeight, calls);
        }

        double tau() {
            return tau == null ? Double.NaN : tau;
        }

        long calls() {
            return calls;
        }

        double rowWeight() {
            return rowWeight;
        }
    }
}
