package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * One batch inside a {@link SuperLossGraph}: the per-row base losses and mask weights in double, detached
 * ({@link GraphDetach}), with the sums over the rows usable for the threshold (unmasked rows with a finite loss).
 */
final class GraphBatch {
    /** Per-row base loss, [rows,1] DOUBLE. */
    final SDVariable loss;
    /** Per-row mask weight, [rows,1] DOUBLE; null without a mask. */
    final SDVariable weight;
    /** Per-row "weight is 0", [rows,1] BOOL; null without a mask. */
    final SDVariable masked;
    /** Zeros shaped like {@link #loss}. */
    final SDVariable zeros;
    /** Sum over the usable rows of weight times loss (scalar). */
    final SDVariable weightedSum;
    /** Total weight of the usable rows (scalar). */
    final SDVariable weightSum;
    /** weightedSum / weightSum (NaN without usable rows). */
    final SDVariable mean;
    /** Whether the batch has a usable row (scalar BOOL). */
    final SDVariable hasRows;

    GraphBatch(SameDiff sd, SDVariable perExampleLoss, SDVariable mask) {
        loss = GraphDetach.detach(toDouble(perExampleLoss));
        zeros = sd.zerosLike(loss);
        SDVariable usable = sd.math.isFinite(loss);
        if (mask == null) {
            weight = null;
            masked = null;
            weightedSum = sd.where(loss, zeros, usable).sum();
            weightSum = usable.castTo(DataType.DOUBLE).sum();
        } else {
            weight = GraphDetach.detach(toDouble(mask));
            masked = sd.eq(weight, 0.0);
            usable = sd.math.and(usable, sd.neq(weight, 0.0));
            weightedSum = sd.where(weight.mul(loss), zeros, usable).sum();
            weightSum = sd.where(weight, zeros, usable).sum();
        }
        mean = weightedSum.div(weightSum);
        hasRows = sd.gt(weightSum, 0.0);
    }

    private static SDVariable toDouble(SDVariable x) {
        return x.dataType() == DataType.DOUBLE ? x : x.castTo(DataType.DOUBLE);
    }
}
