package io.superloss;

import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonInclude;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.io.Serializable;

/**
 * An immutable copy of a SuperLoss threshold state: what {@link SuperLoss#snapshot()} takes, what
 * {@link Threshold#merge} combines across training workers and what {@link SuperLoss#restore} puts back. The values
 * are engine-neutral (plain numbers), so a snapshot can travel through Java serialization, JSON or any other channel.
 *
 * <ul>
 *   <li>{@link #tau()}: the threshold; NaN before the first counted training call of a moving threshold.</li>
 *   <li>{@link #calls()}: the counted training calls (those with at least one usable row).</li>
 *   <li>{@link #rowWeight()}: the total row weight behind a global-mean threshold's running mean (rows of warm-up calls
 *       excluded); 0 for the other policies.</li>
 *   <li>{@link #seenWeight()}: the total weight of the usable rows of every counted call, whatever the policy; it
 *       weights the workers' thresholds when snapshots are merged.</li>
 * </ul>
 * A row's weight is its mask value (1 without a mask); usable rows are the unmasked rows with a finite base loss.
 *
 * <p>The JSON form is the {@code state} property of a SuperLoss configuration: NaN tau is written as an absent field,
 * and a missing {@code seenWeight} (configurations written before it existed) reads as 0.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class ThresholdSnapshot implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The state of a moving threshold before any training call. */
    static final ThresholdSnapshot UNTRAINED = new ThresholdSnapshot(Double.NaN, 0, 0.0, 0.0);

    private final double tau;
    private final long calls;
    private final double rowWeight;
    private final double seenWeight;

    private ThresholdSnapshot(double tau, long calls, double rowWeight, double seenWeight) {
        this.tau = tau;
        this.calls = calls;
        this.rowWeight = rowWeight;
        this.seenWeight = seenWeight;
    }

    /**
     * A snapshot with the given values, for engines that carry the state themselves.
     *
     * @param tau        the threshold; NaN (or null) for a moving threshold that no training call has set
     * @param calls      counted training calls, &gt;= 0
     * @param rowWeight  row weight behind a global mean, finite and &gt;= 0
     * @param seenWeight row weight of every counted call, finite and &gt;= 0
     * @throws IllegalArgumentException naming the parameter and its value when one is invalid
     */
    @JsonCreator
    public static ThresholdSnapshot of(@JsonProperty("tau") Double tau, @JsonProperty("calls") long calls,
                                       @JsonProperty("rowWeight") double rowWeight,
                                       @JsonProperty("seenWeight") Double seenWeight) {
        double t = tau == null ? Double.NaN : tau;
        double seen = seenWeight == null ? 0.0 : seenWeight;
        if (calls < 0) {
            throw new IllegalArgumentException("ThresholdSnapshot calls must be >= 0, got: " + calls);
        }
        requireWeight("rowWeight", rowWeight);
        requireWeight("seenWeight", seen);
        return new ThresholdSnapshot(t, calls, rowWeight, seen);
    }

    private static void requireWeight(String name, double value) {
        if (!(value >= 0.0) || value == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("ThresholdSnapshot " + name + " must be finite and >= 0, got: " + value);
        }
    }

    /**
     * The state after one more counted training call whose usable rows have total weight {@code batchWeight}: the
     * policy's new tau and global-mean weight, one more call, {@code batchWeight} more seen weight.
     */
    ThresholdSnapshot counted(double newTau, double newRowWeight, double batchWeight) {
        return new ThresholdSnapshot(newTau, calls + 1, newRowWeight, seenWeight + batchWeight);
    }

    /** This state with another tau (for a constant threshold, whose tau is its configuration). */
    ThresholdSnapshot withTau(double newTau) {
        return new ThresholdSnapshot(newTau, calls, rowWeight, seenWeight);
    }

    /** The threshold; NaN before the first counted training call of a moving threshold. */
    public double tau() {
        return tau;
    }

    /** The counted training calls. */
    @JsonProperty("calls")
    public long calls() {
        return calls;
    }

    /** The total row weight behind a global-mean threshold (warm-up rows excluded); 0 for other policies. */
    @JsonProperty("rowWeight")
    public double rowWeight() {
        return rowWeight;
    }

    /** The total weight of the usable rows of every counted training call. */
    @JsonProperty("seenWeight")
    public double seenWeight() {
        return seenWeight;
    }

    @JsonProperty("tau")
    private Double tauOrAbsent() {
        return Double.isNaN(tau) ? null : tau;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ThresholdSnapshot)) {
            return false;
        }
        ThresholdSnapshot s = (ThresholdSnapshot) o;
        return Double.compare(tau, s.tau) == 0 && calls == s.calls && Double.compare(rowWeight, s.rowWeight) == 0
                && Double.compare(seenWeight, s.seenWeight) == 0;
    }

    @Override
    public int hashCode() {
        int h = Double.hashCode(tau);
        h = 31 * h + Long.hashCode(calls);
        h = 31 * h + Double.hashCode(rowWeight);
        return 31 * h + Double.hashCode(seenWeight);
    }

    @Override
    public String toString() {
        return "ThresholdSnapshot(tau=" + tau + ", calls=" + calls + ", rowWeight=" + rowWeight + ", seenWeight="
                + seenWeight + ")";
    }
}
