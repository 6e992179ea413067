package io.superloss;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How a {@link SuperLoss} evaluates a prepared batch ({@link SuperLoss.Execution}): {@link FusedExecution} eagerly,
 * {@link GraphExecution} through a SameDiff graph. Both implement the same semantics on the same
 * {@link ThresholdState}.
 */
interface SuperLossExecution {
    /**
     * One training call: advances {@code state} once when the batch has a usable row, evaluates every row with the
     * new threshold (or the batch's own mean when the threshold is still unset) and turns the wrapped loss's gradient
     * into the SuperLoss gradient in place: each row times its sigma, masked rows exactly 0.
     *
     * @param gradient the wrapped loss's gradient, [rows, nOut], scaled in place
     */
    RowEvaluation train(PreparedBatch batch, ThresholdState state, INDArray gradient);

    /** Evaluates every row with the threshold of {@code state} (or the batch's own mean when it is unset). */
    RowEvaluation score(PreparedBatch batch, ThresholdSnapshot state);
}
