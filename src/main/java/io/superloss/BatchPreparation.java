package io.superloss;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.Arrays;

/**
 * Turns the arguments of a loss call into a {@link PreparedBatch}: validates them, evaluates the wrapped loss's
 * per-row values (in FLOAT for 16-bit arrays) and derives the row weights from the mask ({@link RowWeights}).
 *
 * <p>DL4J scores every training batch right after the gradient call with the same arguments; when the wrapped loss
 * is one of ND4J's own (deterministic) losses, the batch prepared for a thread's previous call is reused for a call
 * with bit-identical arguments ({@link SameArgumentsMemo}), so the wrapped loss's per-row values are not computed
 * twice. Thread-safe.
 */
final class BatchPreparation {
    private final ILossFunction inner;
    /** This thread's last batch, for DL4J's score call after a training call; null when inner is not memoised. */
    private final SameArgumentsMemo<PreparedBatch> lastBatch;

    BatchPreparation(ILossFunction inner) {
        this.inner = inner;
        this.lastBatch = SameArgumentsMemo.isDeterministic(inner) ? new SameArgumentsMemo<>() : null;
    }

    /**
     * @throws IllegalArgumentException naming the argument and the shapes when the arguments are invalid
     * @throws IllegalStateException    when the wrapped loss returns another number of per-example values than rows
     */
    PreparedBatch prepare(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        if (labels == null || preOutput == null || activationFn == null) {
            throw new IllegalArgumentException("labels, preOutput and activationFn must not be null (labels: "
                    + (labels == null ? "null" : "present") + ", preOutput: " + (preOutput == null ? "null" : "present")
                    + ", activationFn: " + activationFn + ")");
        }
        if (preOutput.rank() != 2 || !Arrays.equals(labels.shape(), preOutput.shape())) {
            throw new IllegalArgumentException("labels and preOutput must have the same rank-2 shape [rows, nOut], got "
                    + "labels " + Arrays.toString(labels.shape()) + " and preOutput "
                    + Arrays.toString(preOutput.shape()));
        }
        int count = Math.toIntExact(preOutput.size(0));
        boolean perRowMask = RowWeights.isPerRow(mask, count);
        if (mask != null) {
            if (!perRowMask && !Arrays.equals(mask.shape(), preOutput.shape())) {
                throw new IllegalArgumentException("mask must have shape [rows,1] or the preOutput shape, got mask "
                        + Arrays.toString(mask.shape()) + " and preOutput " + Arrays.toString(preOutput.shape()));
            }
            requireValidMaskValues(mask);
        }
        PreparedBatch previous = lastBatch == null ? null : lastBatch.get(labels, preOutput, activationFn, mask);
        if (previous != null) {
            return previous;
        }
        double[] loss = baseLoss(labels, preOutput, activationFn, mask);
        if (loss.length != count) {
            throw new IllegalStateException("the wrapped loss " + inner + " returned " + loss.length
                    + " per-example values for " + count + " rows");
        }
        double[] weight = RowWeights.of(mask, count);
        if (perRowMask) {
            for (int i = 0; i < count; i++) {
                if (weight[i] != 0.0) {
                    loss[i] /= weight[i]; // the wrapped loss scaled the row by its mask value
                }
            }
        }
        PreparedBatch batch = new PreparedBatch(loss, weight);
        if (lastBatch != null) {
            lastBatch.put(labels, preOutput, activationFn, mask, batch);
        }
        return batch;
    }

    /**
     * The wrapped loss's per-row values as doubles. For 16-bit arrays they are evaluated in FLOAT: fp16 cannot even
     * hold DL4J's softmax clip (1e-10), so a confident, correct prediction gives 0 x log(0) = NaN in LossMCXENT, and
     * that NaN would become the row's sigma and gradient; bf16 keeps 8 bits of the loss that tau and sigma are made of.
     */
    private double[] baseLoss(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        DataType type = preOutput.dataType();
        if (type == DataType.HALF || type == DataType.BFLOAT16) {
            labels = labels.castTo(DataType.FLOAT);
            preOutput = preOutput.castTo(DataType.FLOAT);
            mask = mask == null ? null : mask.castTo(DataType.FLOAT);
        }
        return HostArrays.toDoubles(inner.computeScoreArray(labels, preOutput, activationFn, mask));
    }

    /** Mask values are row weights: a negative, NaN or infinite one would corrupt the threshold's weighted mean. */
    private static void requireValidMaskValues(INDArray mask) {
        double[] values = Nd4j.toFlattened('c', mask).toDoubleVector();
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] >= 0.0) || values[i] == Double.POSITIVE_INFINITY) {
                long columns = mask.size(1); // the mask is rank 2 once its shape is validated
                throw new IllegalArgumentException("mask values must be finite and >= 0, got " + values[i] + " at ["
                        + i / columns + ", " + i % columns + "] of mask " + Arrays.toString(mask.shape()));
            }
        }
    }
}
