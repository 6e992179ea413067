package io.superloss;

import org.bytedeco.javacpp.indexer.HalfIndexer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bulk host reads and writes of {@link HostArrays} against ND4J's own element API ({@code toDoubleVector},
 * {@code getDouble}, {@code muliColumnVector}), which is the reference: same values, bit for bit, for every layout.
 */
class HostArraysTest {
    /** Values that an element-by-element copy must keep exactly: signed zeros, subnormals, infinities, NaN. */
    private static final double[] SPECIAL = {0.0, -0.0, Double.MIN_VALUE, -1e-310, 1.5, -2.25, 1e300,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, Math.PI, -Math.E};

    @Test
    void toDoublesMatchesToDoubleVectorForEveryTypeAndLayout() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT, DataType.HALF}) {
            INDArray column = Nd4j.createFromArray(SPECIAL).reshape(SPECIAL.length, 1).castTo(type);
            assertBitsEqual(column.toDoubleVector(), HostArrays.toDoubles(column), type + " column");
            INDArray row = column.reshape(1, SPECIAL.length);
            assertBitsEqual(row.toDoubleVector(), HostArrays.toDoubles(row), type + " row");
            INDArray fOrder = column.dup('f');
            assertBitsEqual(fOrder.toDoubleVector(), HostArrays.toDoubles(fOrder), type + " f order");
            // A view that starts inside its buffer, and a strided view (every other element).
            INDArray offsetView = column.get(NDArrayIndex.interval(3, 9), NDArrayIndex.all());
            assertBitsEqual(offsetView.toDoubleVector(), HostArrays.toDoubles(offsetView), type + " offset view");
            INDArray matrix = Nd4j.createFromArray(SPECIAL).reshape(6, 2).castTo(type);
            INDArray strided = matrix.getColumn(1);
            assertBitsEqual(strided.toDoubleVector(), HostArrays.toDoubles(strided), type + " strided view");
        }
    }

    @Test
    void elementsInCOrderMatchTheElementApiForEveryLayoutAndComeBackUnchanged() {
        INDArray base = Nd4j.createFromArray(SPECIAL).reshape(2, 3, 2);
        INDArray[] layouts = {base, base.dup('f'), base.permute(2, 0, 1), // 'c', 'f' and a permuted view
            base.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all()), // a view inside the buffer
            base.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 3), NDArrayIndex.all()), // strided
            Nd4j.scalar(-0.0)};
        for (INDArray layout : layouts) {
            String what = Arrays.toString(layout.shape()) + " " + layout.ordering() + " offset "
                + layout.offset();
            double[] expected = layout.dup('c').reshape(layout.length()).toDoubleVector();
            double[] doubles = HostArrays.doublesInCOrder(layout);
            assertBitsEqual(expected, doubles, "DOUBLE " + what);
            INDArray floatLayout = layout.castTo(DataType.FLOAT);
            float[] floats = HostArrays.floatsInCOrder(floatLayout);
            double[] widened = new double[floats.length];
            for (int i = 0; i < floats.length; i++) {
                widened[i] = floats[i];
            }
            assertBitsEqual(floatLayout.dup('c').reshape(layout.length()).toDoubleVector(), widened, "FLOAT " + what);
            // And back: a new 'c' array of the layout's shape with the same elements.
            INDArray doubleCopy = HostArrays.fromDoubles(doubles, layout.shape());
            INDArray floatCopy = HostArrays.fromFloats(floats, layout.shape());
            assertEquals('c', doubleCopy.ordering());
            assertArrayEquals(layout.shape(), floatCopy.shape(), what);
            assertEquals(DataType.FLOAT, floatCopy.dataType());
            assertBitsEqual(expected, doubleCopy.dup('c').reshape(layout.length()).toDoubleVector(), "copy " + what);
            assertBitsEqual(widened, floatCopy.reshape(layout.length()).toDoubleVector(), "float copy " + what);
        }
    }

    @Test
    void toDoublesReadsArraysAllocatedInWorkspaces() {
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "HostArraysTest")) {
            INDArray filler = Nd4j.rand(DataType.FLOAT, 7, 3); // so that the array does not start the workspace
            INDArray column = Nd4j.createFromArray(SPECIAL).reshape(SPECIAL.length, 1).castTo(DataType.FLOAT);
            assertTrue(column.isAttached());
            assertEquals(SPECIAL.length * 4, HostArrays.denseByteCount(column));
            assertBitsEqual(column.toDoubleVector(), HostArrays.toDoubles(column), "workspace array");
            assertEquals(21, filler.length());
        }
    }

    @Test
    void copyBytesGivesTheRawElementsInTheArraysOrdering() {
        INDArray matrix = Nd4j.createFromArray(SPECIAL).reshape(4, 3);
        for (INDArray array : new INDArray[] {matrix, matrix.transpose(), matrix.dup('f'),
            matrix.castTo(DataType.FLOAT), matrix.castTo(DataType.HALF)}) {
            int width = array.dataType().width();
            assertEquals(12 * width, HostArrays.denseByteCount(array));
            byte[] bytes = new byte[12 * width + 3];
            assertTrue(HostArrays.copyBytes(array, bytes));
            // The reference: each element's IEEE bits (HALF: its value; NaN payloads differ between converters), in
            // the array's own ordering, in native byte order.
            ByteBuffer copied = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
            INDArray flat = Nd4j.toFlattened(array.ordering(), array);
            for (int k = 0; k < 12; k++) {
                String where = array.dataType() + " " + array.ordering() + " element " + k;
                switch (array.dataType()) {
                    case DOUBLE -> assertEquals(Double.doubleToRawLongBits(flat.getDouble(k)),
                            Double.doubleToRawLongBits(copied.getDouble(k * width)), where);
                    case FLOAT -> assertEquals(Float.floatToRawIntBits(flat.getFloat(k)),
                            Float.floatToRawIntBits(copied.getFloat(k * width)), where);
                    default -> assertEquals(flat.getFloat(k), HalfIndexer.toFloat(copied.getShort(k * width)), where);
                }
            }
        }
    }

    @Test
    void bulkCopiesOnlyForArraysThatStartTheirBufferWithDefaultStrides() {
        INDArray matrix = Nd4j.rand(DataType.DOUBLE, 4, 5);
        assertEquals(4 * 5 * 8, HostArrays.denseByteCount(matrix));
        assertEquals(4 * 5 * 8, HostArrays.denseByteCount(matrix.transpose()), "the transpose is dense in 'f' order");
        assertEquals(-1, HostArrays.denseByteCount(matrix.getRow(2)), "offset view");
        assertEquals(-1, HostArrays.denseByteCount(matrix.getColumn(0)), "strided view");
        assertEquals(-1, HostArrays.denseByteCount(Nd4j.empty(DataType.DOUBLE)));
        assertFalse(HostArrays.copyBytes(matrix.getColumn(0), new byte[100]));
    }

    @Test
    void scaleRowsGivesTheProductsOfMuliColumnVector() {
        double[] factors = {0.5, 2.718281828459045, 0.0, 1e-3, Double.NaN, 1.0 / 3};
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            for (char order : new char[] {'c', 'f'}) {
                INDArray values = Nd4j.createFromArray(SPECIAL).reshape(6, 2).castTo(type).dup(order);
                INDArray expected = values.dup(order).muliColumnVector(
                        Nd4j.createFromArray(factors).reshape(6, 1).castTo(type));
                assertTrue(HostArrays.scaleRows(values, factors), type + " " + order);
                assertEquals(order, values.ordering());
                for (int i = 0; i < 6; i++) {
                    for (int j = 0; j < 2; j++) {
                        assertEquals(Double.doubleToRawLongBits(expected.getDouble(i, j)),
                                Double.doubleToRawLongBits(values.getDouble(i, j)),
                                type + " " + order + " at " + i + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void scaleRowsChangesNothingWhereItCannotApply() {
        double[] factors = {2, 3, 4};
        INDArray half = Nd4j.ones(DataType.HALF, 3, 2);
        assertFalse(HostArrays.scaleRows(half, factors));
        assertEquals(6.0, half.sumNumber().doubleValue());
        INDArray parent = Nd4j.ones(DataType.DOUBLE, 3, 4);
        INDArray view = parent.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 3));
        assertFalse(HostArrays.scaleRows(view, factors));
        assertFalse(HostArrays.scaleRows(Nd4j.ones(DataType.DOUBLE, 2, 2), factors), "row count mismatch");
        INDArray large = Nd4j.ones(DataType.FLOAT, 3, HostArrays.MAX_SCALED_ELEMENTS / 3 + 1);
        assertFalse(HostArrays.scaleRows(large, factors), "left to a native op");
        assertEquals(large.length(), large.sumNumber().doubleValue());
        assertEquals(12.0, parent.sumNumber().doubleValue());
    }

    @Test
    void refillOverwritesADenseDoubleColumnOfTheSameLengthAndOtherwiseMakesANewOne() {
        INDArray column = HostArrays.refill(null, new double[] {1, 2, 3});
        assertArrayEquals(new long[] {3, 1}, column.shape());
        assertArrayEquals(new double[] {1, 2, 3}, column.toDoubleVector(), 0.0);
        INDArray same = HostArrays.refill(column, new double[] {4, 5, 6});
        assertTrue(same == column, "refilled in place");
        assertArrayEquals(new double[] {4, 5, 6}, column.toDoubleVector(), 0.0);

        INDArray longer = HostArrays.refill(column, new double[] {7, 8, 9, 10});
        assertFalse(longer == column);
        assertArrayEquals(new double[] {7, 8, 9, 10}, longer.toDoubleVector(), 0.0);
        assertArrayEquals(new double[] {4, 5, 6}, column.toDoubleVector(), 0.0, "the old column is left alone");

        INDArray matrix = Nd4j.zeros(DataType.DOUBLE, 3, 2);
        INDArray view = matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 2));
        INDArray fromView = HostArrays.refill(view, new double[] {1, 2, 3});
        assertFalse(fromView == view, "a strided view is not written in bulk");
        assertEquals(0.0, matrix.sumNumber().doubleValue(), 0.0);
        INDArray floats = Nd4j.zeros(DataType.FLOAT, 3, 1);
        INDArray fromFloats = HostArrays.refill(floats, new double[] {1, 2, 3});
        assertEquals(DataType.DOUBLE, fromFloats.dataType());
        assertEquals(0.0, floats.sumNumber().doubleValue(), 0.0);
    }

    @Test
    void columnHoldsTheValuesRoundedOnceToTheType() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT, DataType.HALF}) {
            INDArray column = HostArrays.column(SPECIAL, type);
            assertEquals(type, column.dataType());
            assertArrayEquals(new long[] {SPECIAL.length, 1}, column.shape());
            INDArray reference = Nd4j.createFromArray(SPECIAL).reshape(SPECIAL.length, 1).castTo(type);
            assertBitsEqual(reference.toDoubleVector(), column.toDoubleVector(), type.toString());
        }
    }

    private static void assertBitsEqual(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(actual[i]),
                    what + " element " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
