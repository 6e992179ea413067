package io.superloss;

import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.io.Serializable;
import java.util.Objects;

/**
 * How SuperLoss chooses its threshold tau, the loss value that separates easy samples (loss below tau, confidence
 * above 1) from hard ones (loss above tau, confidence below 1). An immutable value object; the evolving tau itself lives
 * in the loss that uses this policy.
 *
 * <ul>
 *   <li>{@link #constant(double)}: a fixed tau, for example {@code ln C} for C-class cross-entropy (the loss of a
 *       uniform prediction), as suggested by Castells et al. (2020), section 3.</li>
 *   <li>{@link #ema(double)}: an exponential moving average of the batch mean loss. The first counted training batch
 *       sets tau to its mean; later batches apply {@code tau <- tau - (1 - momentum) * (tau - batchMean)}, the rule of
 *       FastEstimator's SuperLoss (momentum 0.9).</li>
 *   <li>{@link #globalMean()}: the running mean of the loss over every counted training row seen so far.</li>
 * </ul>
 * Batch means weight each row by its mask value, so 0/1 masks give the mean of the unmasked rows.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class Threshold implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The three threshold policies. */
    public enum Kind {
        /** A fixed tau. */
        CONSTANT,
        /** Exponential moving average of the batch mean loss. */
        EMA,
        /** Running mean of the loss over all counted rows. */
        GLOBAL_MEAN
    }

    @JsonProperty("kind")
    private final Kind kind;
    /** The fixed tau ({@link Kind#CONSTANT} only). */
    @JsonProperty("value")
    private final Double value;
    /** The weight of the previous tau in the moving average ({@link Kind#EMA} only). */
    @JsonProperty("momentum")
    private final Double momentum;

    @JsonCreator
    private Threshold(@JsonProperty("kind") Kind kind, @JsonProperty("value") Double value,
                      @JsonProperty("momentum") Double momentum) {
        if (kind == null) {
            throw new IllegalArgumentException("Threshold kind must not be null");
        }
        switch (kind) {
            case CONSTANT:
                if (value == null || !Double.isFinite(value)) {
                    throw new IllegalArgumentException("Threshold value (tau) must be finite, got: " + value);
                }
                break;
            case EMA:
                if (momentum == null || !(momentum > 0.0 && momentum < 1.0)) {
                    throw new IllegalArgumentException("Threshold momentum must be in (0, 1), got: " + momentum);
                }
                break;
            default:
                break;
        }
        this.kind = kind;
        this.value = kind == Kind.CONSTANT ? value : null;
        this.momentum = kind == Kind.EMA ? momentum : null;
    }

    /**
     * A fixed threshold.
     *
     * @param tau the threshold, finite
     * @throws IllegalArgumentException if {@code tau} is NaN or infinite
     */
    public static Threshold constant(double tau) {
        return new Threshold(Kind.CONSTANT, tau, null);
    }

    /**
     * An exponential moving average of the batch mean loss: momentum 0.9 means
     * {@code tau <- 0.9 tau + 0.1 batchMean}.
     *
     * @param momentum the weight of the previous tau, in the open interval (0, 1)
     * @throws IllegalArgumentException if {@code momentum} is outside (0, 1)
     */
    public static Threshold ema(double momentum) {
        return new Threshold(Kind.EMA, null, momentum);
    }

    /** The running mean of the loss over every counted training row. */
    public static Threshold globalMean() {
        return new Threshold(Kind.GLOBAL_MEAN, null, null);
    }

    /** The policy. */
    public Kind kind() {
        return kind;
    }

    /** The fixed tau of a {@link Kind#CONSTANT} threshold; NaN for the other kinds. */
    public double value() {
        return value == null ? Double.NaN : value;
    }

    /** The momentum of an {@link Kind#EMA} threshold; NaN for the other kinds. */
    public double momentum() {
        return momentum == null ? Double.NaN : momentum;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Threshold)) {
            return false;
        }
        Threshold t = (Threshold) o;
        return kind == t.kind && Objects.equals(value, t.value) && Objects.equals(momentum, t.momentum);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, value, momentum);
    }

    @Override
    public String toString() {
        switch (kind) {
            case CONSTANT:
                return "Threshold.constant(" + value + ")";
            case EMA:
                return "Threshold.ema(" + momentum + ")";
            default:
                return "Threshold.globalMean()";
        }
    }
}
