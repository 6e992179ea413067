package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * How SuperLoss chooses its threshold tau, the loss value that separates easy samples (loss below tau, confidence
 * above 1) from hard ones (loss above tau, confidence below 1). An immutable value object; the evolving tau itself lives
 * in the loss that uses this policy (see {@link ThresholdSnapshot}).
 *
 * <ul>
 *   <li>{@link #constant(double)}: a fixed tau, for example {@code ln C} for C-class cross-entropy (the loss of a
 *       uniform prediction), as suggested by Castells et al. (2020), section 3.</li>
 *   <li>{@link #ema(double)}: an exponential moving average of the batch mean loss. The first counted training batch
 *       sets tau to its mean; later batches apply {@code tau <- tau - (1 - momentum) * (tau - batchMean)}, the rule of
 *       FastEstimator's SuperLoss (momentum 0.9).</li>
 *   <li>{@link #globalMean()}: the running mean of the loss over every counted training row seen so far.</li>
 * </ul>
 * Batch means weight each row by its mask value, so 0/1 masks give the mean of the unmasked rows. A SuperLoss's
 * warm-up ({@code warmupIterations} k) applies to the moving policies: during the first k counted training calls tau is
 * reset to each batch mean (for the EMA also on call k + 1), and a global mean counts only the rows after the warm-up.
 *
 * <p>Each policy is one small class (package-private) that owns its rules: the eager update, the same update as
 * SameDiff ops, and the merge of the states of several training workers ({@link #merge}).
 *
 * <p>JSON: {@code {"kind": "CONSTANT", "value": t}}, {@code {"kind": "EMA", "momentum": m}} or
 * {@code {"kind": "GLOBAL_MEAN"}}.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class Threshold implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(Threshold.class);

    /** The three threshold policies. */
    public enum Kind {
        /** A fixed tau. */
        CONSTANT,
        /** Exponential moving average of the batch mean loss. */
        EMA,
        /** Running mean of the loss over all counted rows. */
        GLOBAL_MEAN
    }

    /** Only the policies of this package extend it. */
    Threshold() {
    }

    /**
     * A fixed threshold.
     *
     * @param tau the threshold, finite
     * @throws IllegalArgumentException if {@code tau} is NaN or infinite
     */
    public static Threshold constant(double tau) {
        return new ConstantThreshold(tau);
    }

    /**
     * An exponential moving average of the batch mean loss: momentum 0.9 means
     * {@code tau <- 0.9 tau + 0.1 batchMean}.
     *
     * @param momentum the weight of the previous tau, in the open interval (0, 1)
     * @throws IllegalArgumentException if {@code momentum} is outside (0, 1)
     */
    public static Threshold ema(double momentum) {
        return new EmaThreshold(momentum);
    }

    /** The running mean of the loss over every counted training row. */
    public static Threshold globalMean() {
        return new GlobalMeanThreshold();
    }

    /** Reads the JSON form (see the class comment). */
    @JsonCreator
    static Threshold fromJson(@JsonProperty("kind") Kind kind, @JsonProperty("value") Double value,
                              @JsonProperty("momentum") Double momentum) {
        if (kind == null) {
            throw new IllegalArgumentException("Threshold kind must not be null");
        }
        switch (kind) {
            case CONSTANT:
                if (value == null) {
                    throw new IllegalArgumentException("Threshold value (tau) must be finite, got: null");
                }
                return constant(value);
            case EMA:
                if (momentum == null) {
                    throw new IllegalArgumentException("Threshold momentum must be in (0, 1), got: null");
                }
                return ema(momentum);
            default:
                return globalMean();
        }
    }

    /** The policy. */
    @JsonProperty("kind")
    public abstract Kind kind();

    /** The fixed tau of a {@link Kind#CONSTANT} threshold; NaN for the other kinds. */
    public double value() {
        return Double.NaN;
    }

    /** The momentum of an {@link Kind#EMA} threshold; NaN for the other kinds. */
    public double momentum() {
        return Double.NaN;
    }

    @JsonProperty("value")
    private Double valueOrAbsent() {
        return Double.isNaN(value()) ? null : value();
    }

    @JsonProperty("momentum")
    private Double momentumOrAbsent() {
        return Double.isNaN(momentum()) ? null : momentum();
    }

    /** The state before any training call: tau NaN for the moving thresholds, the constant otherwise. */
    ThresholdSnapshot untrained() {
        return ThresholdSnapshot.UNTRAINED;
    }

    /**
     * {@code state} made consistent with this policy (a constant threshold's tau is its configuration, whatever a
     * restored state says); the identity for the moving thresholds.
     */
    ThresholdSnapshot normalize(ThresholdSnapshot state) {
        return state;
    }

    /**
     * One counted training call.
     *
     * @param state            the state before the call
     * @param batchSum         sum over the usable rows of weight times loss (finite)
     * @param batchWeight      total weight of the usable rows, &gt; 0
     * @param warmupIterations the SuperLoss's warm-up calls
     * @return the state after the call, whose tau the call uses
     */
    abstract ThresholdSnapshot advance(ThresholdSnapshot state, double batchSum, double batchWeight,
                                       int warmupIterations);

    /**
     * The same update as {@link #advance(ThresholdSnapshot, double, double, int)}, as SameDiff ops: the state after
     * one training call of {@code batch} (unchanged when the batch has no usable row).
     */
    abstract GraphThresholdState advance(SameDiff sd, GraphThresholdState state, GraphBatch batch,
                                         int warmupIterations);

    /**
     * The same update as one native op ({@link ThresholdUpdateOp}, which applies this policy's rules given
     * {@link #nativePolicy()}) on the state's {@code tau} and {@code counts} ([calls, rowWeight, seenWeight]) and the
     * rows' DOUBLE {@code loss} and {@code weight} ([rows,1]; null weight: 1): the new tau and counts, unchanged when
     * the batch has no usable row. Requires the native ops.
     */
    final SDVariable[] advanceNative(SameDiff sd, SDVariable tau, SDVariable counts, SDVariable loss,
                                     SDVariable weight, int warmupIterations) {
        return new ThresholdUpdateOp(sd, tau, counts, loss, weight, nativePolicy(), warmupIterations, momentum())
                .outputVariables();
    }

    /**
     * {@link #advanceNative} and the rows at the new threshold in one native op ({@link TrainingRowsOp}), for graphs
     * that take no gradient: the new tau and counts, then the rows' weighted SuperLoss and sigma.
     */
    final SDVariable[] advanceNativeWithRows(SameDiff sd, SDVariable tau, SDVariable counts, SDVariable loss,
                                             SDVariable weight, int warmupIterations, double lambda) {
        return new TrainingRowsOp(sd, tau, counts, loss, weight, nativePolicy(), warmupIterations, momentum(), lambda)
                .outputVariables();
    }

    /** This policy's code for {@link ThresholdUpdateOp}, whose native code implements the same rules. */
    abstract ThresholdUpdateOp.Policy nativePolicy();

    /**
     * The state that training workers reach together: each worker started from {@code base} and advanced its own
     * copy on its own batches; the result counts every worker's calls and rows once.
     *
     * <ul>
     *   <li>calls and seen row weight: the base's plus every worker's increase;</li>
     *   <li>tau: constant: unchanged; EMA: the workers' thresholds weighted by the row weight each saw since the base;
     *       global mean: exactly the running mean over the base's rows and every worker's new rows (each worker's
     *       (row weight, weighted sum) increase added to the base's); a global mean whose workers are all still in
     *       warm-up: as the EMA;</li>
     *   <li>a single worker that trained gives exactly its own state; workers without a counted call change
     *       nothing.</li>
     * </ul>
     * A worker state that cannot descend from the base (fewer calls or less row weight than the base, or counted calls
     * with a non-finite tau or no new row weight) is left out with a WARN naming it; nothing else is dropped.
     *
     * @param base    the state every worker started from
     * @param workers the workers' states (null elements are not allowed)
     * @return the merged state
     * @throws IllegalArgumentException if {@code base} or {@code workers} is null or holds null
     */
    public final ThresholdSnapshot merge(ThresholdSnapshot base, Collection<ThresholdSnapshot> workers) {
        if (base == null || workers == null) {
            throw new IllegalArgumentException("Threshold.merge: base and workers must not be null (base: " + base
                    + ", workers: " + workers + ")");
        }
        List<ThresholdSnapshot> trained = new ArrayList<>();
        for (ThresholdSnapshot w : workers) {
            if (w == null) {
                throw new IllegalArgumentException("Threshold.merge: workers must not hold null: " + workers);
            }
            if (w.calls() < base.calls() || w.seenWeight() < base.seenWeight() || w.rowWeight() < base.rowWeight()
                    || (w.calls() > base.calls() && !(Double.isFinite(w.tau()) && w.seenWeight() > base.seenWeight()))) {
                log.warn("Threshold.merge: left out worker state {}: it does not descend from the base state {}", w,
                        base);
            } else if (w.calls() > base.calls()) {
                trained.add(w);
            }
        }
        if (trained.isEmpty()) {
            return normalize(base);
        }
        if (trained.size() == 1) {
            return normalize(trained.get(0));
        }
        long calls = base.calls();
        double seen = base.seenWeight();
        for (ThresholdSnapshot w : trained) {
            calls += w.calls() - base.calls();
            seen += w.seenWeight() - base.seenWeight();
        }
        return mergeTau(base, trained, calls, seen);
    }

    /**
     * The policy's part of {@link #merge}: the merged tau and global-mean weight, given at least two workers that
     * trained since {@code base}, and the merged calls and seen weight.
     */
    abstract ThresholdSnapshot mergeTau(ThresholdSnapshot base, List<ThresholdSnapshot> trained, long calls,
                                        double seenWeight);

    /** The workers' thresholds weighted by the row weight each saw since {@code base}. */
    static double seenWeightedTau(ThresholdSnapshot base, List<ThresholdSnapshot> trained) {
        double weight = 0.0;
        double sum = 0.0;
        for (ThresholdSnapshot w : trained) {
            double seen = w.seenWeight() - base.seenWeight();
            weight += seen;
            sum += seen * w.tau();
        }
        return sum / weight;
    }
}
