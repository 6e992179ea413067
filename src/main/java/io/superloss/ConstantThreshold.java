package io.superloss;

import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;

/** {@link Threshold#constant}: tau never changes; training calls and rows are still counted. */
final class ConstantThreshold extends Threshold {
    private static final long serialVersionUID = 1L;

    private final double tau;

    ConstantThreshold(double tau) {
        if (!Double.isFinite(tau)) {
            throw new IllegalArgumentException("Threshold value (tau) must be finite, got: " + tau);
        }
        this.tau = tau;
    }

    @Override
    public Kind kind() {
        return Kind.CONSTANT;
    }

    @Override
    public double value() {
        return tau;
    }

    @Override
    ThresholdSnapshot untrained() {
        return ThresholdSnapshot.UNTRAINED.withTau(tau);
    }

    @Override
    ThresholdSnapshot normalize(ThresholdSnapshot state) {
        return state.withTau(tau);
    }

    @Override
    ThresholdSnapshot advance(ThresholdSnapshot state, double batchSum, double batchWeight, int warmupIterations) {
        return state.counted(tau, state.rowWeight(), batchWeight);
    }

    @Override
    ThresholdUpdateOp.Policy nativePolicy() {
        return ThresholdUpdateOp.Policy.CONSTANT;
    }

    @Override
    GraphThresholdState advance(SameDiff sd, GraphThresholdState state, GraphBatch batch, int warmupIterations) {
        return state.counted(sd, state.tau(), state.rowWeight(), batch);
    }

    @Override
    ThresholdSnapshot mergeTau(ThresholdSnapshot base, List<ThresholdSnapshot> trained, long calls,
                               double seenWeight) {
        return ThresholdSnapshot.of(tau, calls, base.rowWeight(), seenWeight);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConstantThreshold && Double.compare(tau, ((ConstantThreshold) o).tau) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(tau);
    }

    @Override
    public String toString() {
        return "Threshold.constant(" + tau + ")";
    }
}
