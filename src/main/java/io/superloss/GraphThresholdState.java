package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The threshold state inside a {@link SuperLossGraph}: DOUBLE scalars with the meaning of the fields of
 * {@link ThresholdSnapshot} (calls as a double).
 */
record GraphThresholdState(SDVariable tau, SDVariable calls, SDVariable rowWeight, SDVariable seenWeight) {

    /**
     * The state after one counted training call of {@code batch} with the policy's new tau and global-mean weight
     * (the graph form of {@link ThresholdSnapshot#counted}); where the batch has no usable row, this state unchanged.
     */
    GraphThresholdState counted(SameDiff sd, SDVariable newTau, SDVariable newRowWeight, GraphBatch batch) {
        return new GraphThresholdState(
                sd.where(newTau, tau, batch.hasRows),
                sd.where(calls.add(1.0), calls, batch.hasRows),
                sd.where(newRowWeight, rowWeight, batch.hasRows),
                sd.where(seenWeight.add(batch.weightSum), seenWeight, batch.hasRows));
    }
}
