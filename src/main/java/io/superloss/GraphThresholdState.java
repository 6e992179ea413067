package io.superloss;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The threshold state inside a {@link SuperLossGraph}, as the composite graph's policies read and write it: DOUBLE
 * scalars with the meaning of the fields of {@link ThresholdSnapshot} (calls as a double). The graph keeps it in two
 * variables, tau and the three counts ({@link #counts}).
 */
record GraphThresholdState(SDVariable tau, SDVariable calls, SDVariable rowWeight, SDVariable seenWeight) {

    /** The state read from tau and a counts vector [calls, rowWeight, seenWeight]. */
    static GraphThresholdState of(SDVariable tau, SDVariable counts) {
        return new GraphThresholdState(tau, counts.get(SDIndex.point(0)), counts.get(SDIndex.point(1)),
                counts.get(SDIndex.point(2)));
    }

    /** The counts as one vector [calls, rowWeight, seenWeight], as the graph stores them. */
    SDVariable counts(SameDiff sd) {
        return sd.stack(0, calls, rowWeight, seenWeight);
    }

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
