package io.superloss;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Bulk access to the elements of ND4J arrays in host memory, for the per-call work of the fused SuperLoss.
 *
 * <p>Why: on ND4J 1.0.0-M2.1 every native op costs microseconds of fixed overhead, and {@code toDoubleVector()} runs
 * one ({@code dup}) before copying element by element through the buffer's indexer, so that reading a vector of 128
 * losses costs about as much as an op (measured: 10-20 us, against under 1 us for a bulk copy). On the CPU backend an
 * array's memory is host memory, written completely when an op returns (ops run synchronously on the calling thread),
 * so a dense array can be read with one bulk copy of its buffer. Everything else (other backends, views with an
 * offset, strided arrays) goes through ND4J's element API, which works everywhere.
 */
final class HostArrays {
    /** Whether ND4J runs on its CPU backend (decided once; the backend cannot change in a JVM). */
    private static final boolean CPU_BACKEND =
            "org.nd4j.linalg.cpu.nativecpu.CpuBackend".equals(Nd4j.getBackend().getClass().getName());

    private HostArrays() {
    }

    /**
     * The elements of {@code array} as raw bytes in native byte order, from its first element (position 0) to its
     * last (limit = length x element size), in the array's own ordering; a view of the array's memory, valid until
     * the array's memory is reused. Null when there is no such direct view: not the CPU backend, an empty or
     * non-dense array (not default strides for its ordering), a view that does not start at its buffer's first
     * element, or more than {@link Integer#MAX_VALUE} bytes.
     */
    static ByteBuffer denseBytes(INDArray array) {
        if (!CPU_BACKEND || array.isEmpty() || array.offset() != 0 || array.data().dataType() != array.dataType()
                || !Shape.hasDefaultStridesForShape(array)) {
            return null;
        }
        long bytes = array.length() * array.dataType().width();
        if (bytes > Integer.MAX_VALUE) {
            return null;
        }
        ByteBuffer buffer = array.data().asNio();
        if (buffer == null || buffer.capacity() < bytes) {
            return null;
        }
        buffer.order(ByteOrder.nativeOrder());
        buffer.position(0).limit((int) bytes);
        return buffer;
    }

    /** The elements of a vector (any rank with one non-unit dimension, e.g. [rows,1]) as doubles, in order. */
    static double[] toDoubles(INDArray vector) {
        ByteBuffer bytes = denseBytes(vector);
        if (bytes != null && vector.dataType() == DataType.DOUBLE) {
            double[] values = new double[(int) vector.length()];
            bytes.asDoubleBuffer().get(values);
            return values;
        }
        if (bytes != null && vector.dataType() == DataType.FLOAT) {
            float[] floats = new float[(int) vector.length()];
            bytes.asFloatBuffer().get(floats);
            double[] values = new double[floats.length];
            for (int i = 0; i < floats.length; i++) {
                values[i] = floats[i];
            }
            return values;
        }
        return vector.toDoubleVector();
    }

    /**
     * Multiplies row i of the rank-2 {@code matrix} by {@code factors[i]} in place, as
     * {@code matrix.muliColumnVector(column(factors, matrix.dataType()))} would, with the same IEEE products (the
     * factor rounded to the matrix's type, then one multiplication per element), but without a native op. Only for
     * FLOAT or DOUBLE matrices that {@link #denseBytes} can access.
     *
     * @return false, having changed nothing, for any other matrix
     */
    static boolean scaleRows(INDArray matrix, double[] factors) {
        DataType type = matrix.dataType();
        if (matrix.rank() != 2 || matrix.size(0) != factors.length
                || (type != DataType.FLOAT && type != DataType.DOUBLE)) {
            return false;
        }
        ByteBuffer bytes = denseBytes(matrix);
        if (bytes == null) {
            return false;
        }
        int rows = factors.length;
        int columns = (int) matrix.size(1);
        // Dense with default strides: element (i, j) is at i * columns + j ('c') or j * rows + i ('f').
        int rowStride = matrix.ordering() == 'c' ? columns : 1;
        int columnStride = matrix.ordering() == 'c' ? 1 : rows;
        if (type == DataType.FLOAT) {
            FloatBuffer values = bytes.asFloatBuffer();
            for (int i = 0; i < rows; i++) {
                float factor = (float) factors[i];
                for (int j = 0, k = i * rowStride; j < columns; j++, k += columnStride) {
                    values.put(k, values.get(k) * factor);
                }
            }
        } else {
            DoubleBuffer values = bytes.asDoubleBuffer();
            for (int i = 0; i < rows; i++) {
                double factor = factors[i];
                for (int j = 0, k = i * rowStride; j < columns; j++, k += columnStride) {
                    values.put(k, values.get(k) * factor);
                }
            }
        }
        return true;
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
