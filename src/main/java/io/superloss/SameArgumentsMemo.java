package io.superloss;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationRReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.Arrays;

/**
 * Remembers, per thread, the last value computed from the arguments of a loss call (labels, preOutput, activation
 * function, mask) and returns it to a later call with the same arguments: the same activation function instance and
 * arrays of the same data type, shape and ordering holding bit for bit the same elements (they may be other array
 * objects, or the same objects refilled). A hit is therefore exactly the value the caller would compute again,
 * provided that value is a deterministic function of those arguments.
 *
 * <p>What it is for: DL4J scores every training batch right after the gradient call, on a freshly recomputed
 * pre-output with the same values, so the wrapped loss's per-row values of the training call can be reused instead
 * of being computed a second time (about as many native ops as the wrapped loss's own score).
 *
 * <p>Only arrays that {@link HostArrays#copyBytes} can read in one bulk copy are remembered (on other backends and
 * for other layouts nothing is, and every call misses), and at most {@link #MAX_BYTES} of them per call. Each thread
 * has its own entry, whose buffers are reused from call to call: no locking, no allocation once the buffers have
 * grown to the batch size, and a thread never sees another thread's entry. The price is memory: every thread that
 * calls keeps a snapshot and a scratch copy of its largest remembered arguments, at most 2 x {@link #MAX_BYTES}
 * (for a [128, 10] FLOAT output layer, 20 KiB), until the thread or this object is gone.
 *
 * @param <V> the remembered value; it must not be modified by its users, since later hits return the same object
 */
final class SameArgumentsMemo<V> {
    /** Labels, pre-output and mask together larger than this (16 MiB) are not remembered: memory over speed. */
    static final long MAX_BYTES = 16L << 20;

    private static final String ND4J_LOSSES = "org.nd4j.linalg.lossfunctions.impl";
    private static final String ND4J_ACTIVATIONS = "org.nd4j.linalg.activations.impl";

    private final ThreadLocal<Entry<V>> entries = ThreadLocal.withInitial(Entry::new);

    /**
     * Whether {@code loss}'s values are known to be a deterministic function of its arguments: ND4J's own losses
     * ({@code org.nd4j.linalg.lossfunctions.impl}), which are configuration objects without state. Other losses may
     * have state (a wrapped SuperLoss depends on its threshold, which its gradient call moves) and are not memoised.
     */
    static boolean isDeterministic(ILossFunction loss) {
        return loss.getClass().getPackageName().equals(ND4J_LOSSES);
    }

    /**
     * Whether {@code activation} is known to be deterministic: ND4J's own activations except RReLU, which draws
     * random slopes in training mode (losses call activations in training mode).
     */
    static boolean isDeterministic(IActivation activation) {
        return activation.getClass().getPackageName().equals(ND4J_ACTIVATIONS)
                && !(activation instanceof ActivationRReLU);
    }

    /** The value remembered for these arguments on this thread, or null. */
    V get(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
        Entry<V> entry = entries.get();
        if (entry.value == null || entry.activation != activation || !entry.labels.matches(labels)
                || !entry.preOutput.matches(preOutput) || !entry.mask.matches(mask)) {
            return null;
        }
        return entry.value;
    }

    /**
     * Remembers {@code value} for these arguments on this thread, replacing the previous entry; nothing is remembered
     * when the arrays cannot be read in bulk, are too large, or {@code activation} is not
     * {@linkplain #isDeterministic(IActivation) deterministic}.
     */
    void put(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask, V value) {
        Entry<V> entry = entries.get();
        entry.value = null; // no entry while the snapshots change
        long bytes = byteSize(labels) + byteSize(preOutput) + byteSize(mask);
        if (bytes > MAX_BYTES || !isDeterministic(activation) || !entry.labels.copy(labels)
                || !entry.preOutput.copy(preOutput) || !entry.mask.copy(mask)) {
            return;
        }
        entry.activation = activation;
        entry.value = value;
    }

    private static long byteSize(INDArray array) {
        return array == null ? 0 : array.length() * array.dataType().width();
    }

    private static final class Entry<V> {
        final RecordedArray labels = new RecordedArray();
        final RecordedArray preOutput = new RecordedArray();
        final RecordedArray mask = new RecordedArray();
        IActivation activation;
        V value;
    }

    /** The layout and the bytes of one argument array (or its absence). */
    private static final class RecordedArray {
        private boolean present;
        private DataType dataType;
        private long[] shape;
        private char ordering;
        private byte[] bytes = new byte[0];
        private byte[] scratch = new byte[0];
        private int length;

        /** Records {@code array} (null: absent); false if it cannot be read in bulk. */
        boolean copy(INDArray array) {
            present = false;
            if (array == null) {
                return true;
            }
            int count = HostArrays.denseByteCount(array);
            if (count < 0) {
                return false;
            }
            if (bytes.length < count) {
                bytes = new byte[count];
            }
            if (!HostArrays.copyBytes(array, bytes)) {
                return false;
            }
            length = count;
            dataType = array.dataType();
            shape = array.shape();
            ordering = array.ordering();
            present = true;
            return true;
        }

        /** Whether {@code array} is what was recorded: both absent, or same layout and bytes (dense: no strides). */
        boolean matches(INDArray array) {
            if (array == null || !present) {
                return array == null && !present;
            }
            if (array.dataType() != dataType || array.ordering() != ordering || !Arrays.equals(array.shape(), shape)
                    || HostArrays.denseByteCount(array) != length) {
                return false;
            }
            if (scratch.length < length) {
                scratch = new byte[length];
            }
            return HostArrays.copyBytes(array, scratch) && Arrays.equals(bytes, 0, length, scratch, 0, length);
        }
    }
}
