package io.superloss;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk access to the elements of ND4J arrays in host memory, for the per-call work of the fused SuperLoss.
 *
 * <p>Why: on ND4J 1.0.0-M2.1 every native op costs microseconds of fixed overhead (tens of microseconds inside a
 * training step), and {@code toDoubleVector()} runs one ({@code dup}) before copying element by element through the
 * buffer's indexer, so that reading a vector of 128 losses costs about as much as an op. On the CPU backend an
 * array's memory is host memory, written completely when an op returns (ops run synchronously on the calling thread),
 * so a dense array can be read or written with one bulk copy through its JavaCPP pointer (one JNI call, well under a
 * microsecond; {@code DataBuffer.asNio()} costs several times more, creating a direct buffer through JNI). Everything
 * else (other backends, views with an offset, strided arrays) goes through ND4J's element API, which works everywhere.
 */
final class HostArrays {
    /** Whether ND4J runs on its CPU backend (decided once; the backend cannot change in a JVM). */
    private static final boolean CPU_BACKEND =
            "org.nd4j.linalg.cpu.nativecpu.CpuBackend".equals(Nd4j.getBackend().getClass().getName());

    /**
     * {@link #scaleRows} handles matrices up to this many elements (16,384: 64 KiB of floats): it copies the matrix to
     * the Java heap and back, which beats a native op's fixed cost for the usual output layers (rows x classes) but
     * not for large ones, and would make per-call garbage grow with the output size.
     */
    static final int MAX_SCALED_ELEMENTS = 1 << 14;

    private HostArrays() {
    }

    /**
     * The pointer to the memory of {@code array} when its elements can be copied in bulk from there: the CPU backend,
     * a non-empty array with default strides for its ordering (its elements lie contiguously in that ordering), that
     * starts at its buffer's first element, of at most {@link Integer#MAX_VALUE} bytes. Null otherwise.
     */
    private static Pointer denseMemory(INDArray array) {
        if (!CPU_BACKEND || array.isEmpty() || array.offset() != 0 || array.data().dataType() != array.dataType()
                || array.length() * array.dataType().width() > Integer.MAX_VALUE
                || !Shape.hasDefaultStridesForShape(array)) {
            return null;
        }
        Pointer pointer = array.data().pointer();
        if (pointer == null || pointer.isNull() || pointer.position() != 0) {
            return null;
        }
        return pointer;
    }

    /**
     * The number of bytes of {@code array}'s elements, or -1 if they cannot be copied in bulk (see
     * {@link #copyBytes}).
     */
    static int denseByteCount(INDArray array) {
        return denseMemory(array) == null ? -1 : (int) (array.length() * array.dataType().width());
    }

    /**
     * Copies the elements of {@code array}, as raw bytes in its ordering, into {@code target} (at least
     * {@link #denseByteCount} long).
     *
     * @return false, having copied nothing, if the array cannot be copied in bulk
     */
    static boolean copyBytes(INDArray array, byte[] target) {
        Pointer memory = denseMemory(array);
        if (memory == null) {
            return false;
        }
        int bytes = (int) (array.length() * array.dataType().width());
        new BytePointer(memory).get(target, 0, bytes);
        return true;
    }

    /**
     * The elements of a vector (any rank with one non-unit dimension, e.g. [rows,1]) as doubles, in order: DOUBLE and
     * FLOAT through the bulk copies of {@link #doublesInCOrder} / {@link #floatsInCOrder}, other types through ND4J.
     */
    static double[] toDoubles(INDArray vector) {
        if (vector.dataType() == DataType.DOUBLE) {
            return doublesInCOrder(vector);
        }
        if (vector.dataType() == DataType.FLOAT) {
            float[] floats = floatsInCOrder(vector);
            double[] values = new double[floats.length];
            for (int i = 0; i < floats.length; i++) {
                values[i] = floats[i];
            }
            return values;
        }
        return vector.toDoubleVector();
    }

    /**
     * The elements of a FLOAT array in 'c' order (any shape, view or ordering): one bulk copy from its memory when it
     * is dense in 'c' order, otherwise from a dense 'c' copy ({@code dup('c')}).
     */
    static float[] floatsInCOrder(INDArray array) {
        INDArray dense = denseInCOrder(array);
        Pointer memory = denseMemory(dense);
        if (!(memory instanceof FloatPointer) || dense.dataType() != DataType.FLOAT) {
            return dense.data().asFloat();
        }
        float[] values = new float[(int) dense.length()];
        ((FloatPointer) memory).get(values, 0, values.length);
        return values;
    }

    /** The elements of a DOUBLE array in 'c' order, as {@link #floatsInCOrder} does for FLOAT. */
    static double[] doublesInCOrder(INDArray array) {
        INDArray dense = denseInCOrder(array);
        Pointer memory = denseMemory(dense);
        if (!(memory instanceof DoublePointer) || dense.dataType() != DataType.DOUBLE) {
            return dense.data().asDouble();
        }
        double[] values = new double[(int) dense.length()];
        ((DoublePointer) memory).get(values, 0, values.length);
        return values;
    }

    /**
     * A new FLOAT array of {@code shape} in 'c' order holding {@code values}: on the CPU backend one bulk copy into
     * uninitialised memory ({@code Nd4j.create(float[], ...)} copies element by element).
     */
    static INDArray fromFloats(float[] values, long[] shape) {
        if (!CPU_BACKEND) {
            return Nd4j.create(values, shape, DataType.FLOAT);
        }
        INDArray array = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        ((FloatPointer) array.data().pointer()).put(values, 0, values.length);
        return array;
    }

    /** A new DOUBLE array of {@code shape} in 'c' order holding {@code values}, as {@link #fromFloats}. */
    static INDArray fromDoubles(double[] values, long[] shape) {
        if (!CPU_BACKEND) {
            return Nd4j.create(values, shape, DataType.DOUBLE);
        }
        INDArray array = Nd4j.createUninitialized(DataType.DOUBLE, shape, 'c');
        ((DoublePointer) array.data().pointer()).put(values, 0, values.length);
        return array;
    }

    /**
     * A DOUBLE [n,1] column holding {@code values}: {@code column} itself, overwritten, when it is a dense DOUBLE
     * [n,1] column whose memory can be written in bulk (see {@link #denseMemory}), else a new one
     * ({@link #fromDoubles}). For callers that own {@code column} and no longer need its values.
     */
    static INDArray refill(INDArray column, double[] values) {
        Pointer memory = column == null || column.dataType() != DataType.DOUBLE || column.rank() != 2
                || column.size(0) != values.length || column.size(1) != 1 ? null : denseMemory(column);
        if (!(memory instanceof DoublePointer)) {
            return fromDoubles(values, new long[] {values.length, 1});
        }
        ((DoublePointer) memory).put(values, 0, values.length);
        return column;
    }

    /** {@code array} itself if its elements lie in its buffer densely in 'c' order from the start, else a 'c' copy. */
    private static INDArray denseInCOrder(INDArray array) {
        boolean cOrder = array.ordering() == 'c' || array.isVectorOrScalar();
        return cOrder && denseMemory(array) != null ? array : array.dup('c');
    }

    /**
     * Multiplies row i of the rank-2 {@code matrix} by {@code factors[i]} in place, as
     * {@code matrix.muliColumnVector(column(factors, matrix.dataType()))} would, with the same IEEE products (the
     * factor rounded to the matrix's type, then one multiplication per element), but without a native op. Only for
     * FLOAT or DOUBLE matrices of at most {@link #MAX_SCALED_ELEMENTS} elements whose elements can be copied in bulk
     * (see {@link #denseMemory}).
     *
     * @return false, having changed nothing, for any other matrix
     */
    static boolean scaleRows(INDArray matrix, double[] factors) {
        DataType type = matrix.dataType();
        if (matrix.rank() != 2 || matrix.size(0) != factors.length || matrix.length() > MAX_SCALED_ELEMENTS) {
            return false;
        }
        Pointer memory = denseMemory(matrix);
        int rows = factors.length;
        int columns = (int) matrix.size(1);
        int n = rows * columns;
        // Dense with default strides: element (i, j) is at i * columns + j ('c') or j * rows + i ('f').
        int rowStride = matrix.ordering() == 'c' ? columns : 1;
        int columnStride = matrix.ordering() == 'c' ? 1 : rows;
        if (memory instanceof FloatPointer && type == DataType.FLOAT) {
            float[] values = new float[n];
            ((FloatPointer) memory).get(values, 0, n);
            for (int i = 0; i < rows; i++) {
                float factor = (float) factors[i];
                for (int j = 0, k = i * rowStride; j < columns; j++, k += columnStride) {
                    values[k] *= factor;
                }
            }
            ((FloatPointer) memory).put(values, 0, n);
            return true;
        }
        if (memory instanceof DoublePointer && type == DataType.DOUBLE) {
            double[] values = new double[n];
            ((DoublePointer) memory).get(values, 0, n);
            for (int i = 0; i < rows; i++) {
                double factor = factors[i];
                for (int j = 0, k = i * rowStride; j < columns; j++, k += columnStride) {
                    values[k] *= factor;
                }
            }
            ((DoublePointer) memory).put(values, 0, n);
            return true;
        }
        return false;
    }

    /**
     * A new [n,1] column holding {@code values} in {@code dataType}: created directly in FLOAT or DOUBLE (no cast op),
     * other types through a DOUBLE column and a cast. In the current workspace, if any.
     */
    static INDArray column(double[] values, DataType dataType) {
        long[] shape = {values.length, 1};
        if (dataType == DataType.FLOAT) {
            float[] floats = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                floats[i] = (float) values[i];
            }
            return Nd4j.create(floats, shape, DataType.FLOAT);
        }
        INDArray column = Nd4j.create(values, shape, DataType.DOUBLE);
        return dataType == DataType.DOUBLE ? column : column.castTo(dataType);
    }
}
