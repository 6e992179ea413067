package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.List;

/**
 * {@link Threshold#globalMean}: during the warm-up tau is the batch mean and its rows are not counted; afterwards tau
 * is the weighted mean of every counted row, kept as a running mean (tau, total row weight).
 */
final class GlobalMeanThreshold extends Threshold {
    private static final long serialVersionUID = 1L;

    @Override
    public Kind kind() {
        return Kind.GLOBAL_MEAN;
    }

    @Override
    ThresholdSnapshot advance(ThresholdSnapshot state, double batchSum, double batchWeight, int warmupIterations) {
        double batchMean = batchSum / batchWeight;
        if (state.calls() < warmupIterations) {
            return state.counted(batchMean, state.rowWeight(), batchWeight);
        }
        double rowWeight = state.rowWeight();
        double total = rowWeight + batchWeight;
        double tau = rowWeight == 0.0 ? batchMean : state.tau() + (batchSum - batchWeight * state.tau()) / total;
        return state.counted(tau, total, batchWeight);
    }

    @Override
    ThresholdUpdateOp.Policy nativePolicy() {
        return ThresholdUpdateOp.Policy.GLOBAL_MEAN;
    }

    @Override
    GraphThresholdState advance(SameDiff sd, GraphThresholdState state, GraphBatch batch, int warmupIterations) {
        SDVariable tau = state.tau();
        SDVariable rowWeight = state.rowWeight();
        SDVariable total = rowWeight.add(batch.weightSum);
        SDVariable running = tau.add(batch.weightedSum.sub(batch.weightSum.mul(tau)).div(total));
        SDVariable newTau = sd.where(batch.mean, running, sd.eq(rowWeight, 0.0));
        SDVariable newRowWeight = total;
        if (warmupIterations > 0) {
            SDVariable warmingUp = sd.lt(state.calls(), (double) warmupIterations);
            newTau = sd.where(batch.mean, newTau, warmingUp);
            newRowWeight = sd.where(rowWeight, newRowWeight, warmingUp);
        }
        return state.counted(sd, newTau, newRowWeight, batch);
    }

    /**
     * Exactly the running mean over the base's rows and the workers' new rows: each worker adds the row weight and
     * the weighted loss sum it counted since the base. Workers still in warm-up (no new global-mean rows) merge as the
     * EMA does, when no worker has left it.
     */
    @Override
    ThresholdSnapshot mergeTau(ThresholdSnapshot base, List<ThresholdSnapshot> trained, long calls,
                               double seenWeight) {
        double baseSum = base.rowWeight() == 0.0 ? 0.0 : base.rowWeight() * base.tau();
        double weight = base.rowWeight();
        double sum = baseSum;
        for (ThresholdSnapshot w : trained) {
            if (w.rowWeight() > base.rowWeight()) {
                weight += w.rowWeight() - base.rowWeight();
                sum += w.rowWeight() * w.tau() - baseSum;
            }
        }
        if (weight == base.rowWeight()) {
            return ThresholdSnapshot.of(seenWeightedTau(base, trained), calls, base.rowWeight(), seenWeight);
        }
        return ThresholdSnapshot.of(sum / weight, calls, weight, seenWeight);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GlobalMeanThreshold;
    }

    @Override
    public int hashCode() {
        return Kind.GLOBAL_MEAN.ordinal() + 1;
    }

    @Override
    public String toString() {
        return "Threshold.globalMean()";
    }
}
