package io.superloss;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Turns the arguments of a loss call into a {@link PreparedBatch}: validates them and derives the row weights from the
 * mask ({@link BatchShape}), and evaluates the wrapped loss's per-example values ({@link PerExampleLoss}; in FLOAT for
 * 16-bit arrays).
 *
 * <p>DL4J scores every training batch right after the gradient call with the same arguments; when the wrapped loss
 * is one of ND4J's own (deterministic) losses, the batch prepared for a thread's previous call is reused for a call
 * with bit-identical arguments ({@link SameArgumentsMemo}), so the wrapped loss's per-row values are not computed
 * twice. Thread-safe.
 */
final class BatchPreparation {
    private final PerExampleLoss perExample;
    /** This thread's last batch, for DL4J's score call after a training call; null when inner is not memoised. */
    private final SameArgumentsMemo<PreparedBatch> lastBatch;

    BatchPreparation(ILossFunction inner, PerExampleLoss perExample) {
        this.perExample = perExample;
        this.lastBatch = SameArgumentsMemo.isDeterministic(inner) ? new SameArgumentsMemo<>() : null;
    }

    /**
     * @throws IllegalArgumentException naming the argument and the shapes when the arguments or the mask values are
     *                                  invalid, or when the wrapped loss gives no value per row
     */
    PreparedBatch prepare(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        int count = BatchShape.rows(labels, preOutput, activationFn, mask);
        double[] weight = BatchShape.rowWeights(mask, count);
        PreparedBatch previous = lastBatch == null ? null : lastBatch.get(labels, preOutput, activationFn, mask);
        if (previous != null) {
            return previous;
        }
        PreparedBatch batch = new PreparedBatch(baseLoss(labels, preOutput, activationFn, mask, weight), weight);
        if (lastBatch != null) {
            lastBatch.put(labels, preOutput, activationFn, mask, batch);
        }
        return batch;
    }

    /**
     * The wrapped loss's per-example values ({@link PerExampleLoss}). For 16-bit arrays they are evaluated in FLOAT:
     * fp16 cannot even hold DL4J's softmax clip (1e-10), so a confident, correct prediction gives 0 x log(0) = NaN in
     * LossMCXENT, and that NaN would become the row's sigma and gradient; bf16 keeps 8 bits of the loss that tau and
     * sigma are made of.
     */
    private double[] baseLoss(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                              double[] weight) {
        DataType type = preOutput.dataType();
        if (type == DataType.HALF || type == DataType.BFLOAT16) {
            labels = labels.castTo(DataType.FLOAT);
            preOutput = preOutput.castTo(DataType.FLOAT);
            mask = mask == null ? null : mask.castTo(DataType.FLOAT);
        }
        return perExample.values(labels, preOutput, activationFn, mask, weight);
    }
}
