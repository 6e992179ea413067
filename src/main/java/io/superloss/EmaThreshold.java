package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;

/**
 * {@link Threshold#ema}: counted calls 1..k (the warm-up), call k + 1 and any call with an unset tau set tau to the
 * batch mean; later calls apply {@code tau <- tau - (1 - momentum) (tau - batchMean)} (FastEstimator's rule).
 */
final class EmaThreshold extends Threshold {
    private static final long serialVersionUID = 1L;

    private final double momentum;

    EmaThreshold(double momentum) {
        if (!(momentum > 0.0 && momentum < 1.0)) {
            throw new IllegalArgumentException("Threshold momentum must be in (0, 1), got: " + momentum);
        }
        this.momentum = momentum;
    }

    @Override
    public Kind kind() {
        return Kind.EMA;
    }

    @Override
    public double momentum() {
        return momentum;
    }

    @Override
    ThresholdSnapshot advance(ThresholdSnapshot state, double batchSum, double batchWeight, int warmupIterations) {
        double batchMean = batchSum / batchWeight;
        double tau = state.tau();
        boolean reset = state.calls() <= warmupIterations || Double.isNaN(tau);
        double next = reset ? batchMean : tau - (1.0 - momentum) * (tau - batchMean);
        return state.counted(next, state.rowWeight(), batchWeight);
    }

    @Override
    ThresholdUpdateOp.Policy nativePolicy() {
        return ThresholdUpdateOp.Policy.EMA;
    }

    @Override
    GraphThresholdState advance(SameDiff sd, GraphThresholdState state, GraphBatch batch, int warmupIterations) {
        SDVariable tau = state.tau();
        SDVariable reset = sd.math.or(sd.lte(state.calls(), (double) warmupIterations), sd.math.isNaN(tau));
        SDVariable ema = tau.sub(tau.sub(batch.mean).mul(1.0 - momentum));
        return state.counted(sd, sd.where(batch.mean, ema, reset), state.rowWeight(), batch);
    }

    @Override
    ThresholdSnapshot mergeTau(ThresholdSnapshot base, List<ThresholdSnapshot> trained, long calls,
                               double seenWeight) {
        return ThresholdSnapshot.of(seenWeightedTau(base, trained), calls, base.rowWeight(), seenWeight);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EmaThreshold && Double.compare(momentum, ((EmaThreshold) o).momentum) == 0;
    }

    @Override
    public int hashCode() {
        return 31 + Double.hashCode(momentum);
    }

    @Override
    public String toString() {
        return "Threshold.ema(" + momentum + ")";
    }
}
