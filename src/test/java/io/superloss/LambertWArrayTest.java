package io.superloss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link LambertW#w0(INDArray)}: data types, shapes, views, special values and argument checks. */
class LambertWArrayTest {

    /** Arguments representable (up to rounding) in every supported type, all regimes. */
    private static final double[] VALUES = {
        -0.36787944117144233, -0.3678, -0.36, -0.3, -0.2, -0.1, -1e-3, -1e-6, 0.0, 1e-6, 1e-3, 0.1, 0.5, 1.0,
        Math.E, 3.0, 7.5, 10.0, 17.9, 18.5, 100.0, 1234.5, 6e4, Double.NaN, Double.POSITIVE_INFINITY,
        -1.0, Double.NEGATIVE_INFINITY, -0.0, 2.0, 5.0
    };

    enum Type {
        DOUBLE(DataType.DOUBLE, 0),
        FLOAT(DataType.FLOAT, 0),
        // Round to nearest from double: within half an ulp of the type (10 and 7 fraction bits);
        // 1 ulp allowed in case the cast rounds twice (via float).
        HALF(DataType.HALF, 0x1p-10),
        BFLOAT16(DataType.BFLOAT16, 0x1p-7);

        final DataType dataType;
        final double relUlp;

        Type(DataType dataType, double relUlp) {
            this.dataType = dataType;
            this.relUlp = relUlp;
        }
    }

    /** The expected value of one element given the element of the (converted) input. */
    private static double expected(Type t, double z) {
        switch (t) {
            case FLOAT:
                return LambertW.w0((float) z);
            case HALF:
                return z == -0.367919921875 ? -1.0 : LambertW.w0(z);
            default:
                return LambertW.w0(z);
        }
    }

    private static void assertElement(Type t, double z, double actual, String where) {
        double e = expected(t, z);
        String msg = t + " " + where + ": w0(" + z + ") expected " + e + " but was " + actual;
        if (Double.isNaN(e) || Double.isInfinite(e) || t.relUlp == 0) {
            assertEquals(Double.doubleToLongBits(e), Double.doubleToLongBits(actual), msg);
        } else if (e == 0) {
            assertEquals(0.0, actual, 0.0, msg);
            assertEquals(Math.copySign(1.0, e), Math.copySign(1.0, actual), msg + " (sign of zero)");
        } else {
            // one ulp of the narrow type at |e| (normal range: all values used here are >= 1e-6,
            // where HALF is subnormal below 6.1e-5: use its fixed subnormal spacing 2^-24 as floor)
            double ulp = Math.max(Math.scalb(t.relUlp, Math.getExponent(e)), t == Type.HALF ? 0x1p-24 : 0);
            assertEquals(e, actual, ulp, msg);
        }
    }

    private static INDArray matrix(DataType type) {
        double[][] m = new double[5][6];
        for (int i = 0; i < VALUES.length; i++) {
            m[i / 6][i % 6] = VALUES[i];
        }
        return Nd4j.create(m).castTo(type);
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void matrixAgreesWithScalarVersion(Type t) {
        INDArray z = matrix(t.dataType);
        INDArray before = z.dup();
        INDArray w = LambertW.w0(z);
        assertNotSame(z, w);
        assertEquals(t.dataType, w.dataType());
        assertArrayEquals(z.shape(), w.shape());
        for (int i = 0; i < z.rows(); i++) {
            for (int j = 0; j < z.columns(); j++) {
                assertElement(t, z.getDouble(i, j), w.getDouble(i, j), "[" + i + "," + j + "]");
                assertEquals(Double.doubleToLongBits(before.getDouble(i, j)), Double.doubleToLongBits(z.getDouble(i, j)),
                    "input modified");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void viewsAndOrders(Type t) {
        INDArray m = matrix(t.dataType);
        // a column (strided view), a transposed ('f') view, a strided sub-matrix, an 'f'-order copy
        INDArray column = m.getColumn(2);
        INDArray transposed = m.transpose();
        INDArray sub = m.get(NDArrayIndex.interval(1, 4), NDArrayIndex.interval(0, 6, 2));
        INDArray fOrder = m.dup('f');
        assertTrue(column.isView(), "column is a strided view");
        assertEquals('f', transposed.ordering(), "transpose is an 'f'-order view");
        for (INDArray v : new INDArray[] {column, transposed, sub, fOrder}) {
            INDArray w = LambertW.w0(v);
            assertArrayEquals(v.shape(), w.shape());
            assertEquals(t.dataType, w.dataType());
            if (v.rank() == 1) {
                for (int i = 0; i < v.length(); i++) {
                    assertElement(t, v.getDouble(i), w.getDouble(i), "view[" + i + "]");
                }
            } else {
                for (int i = 0; i < v.rows(); i++) {
                    for (int j = 0; j < v.columns(); j++) {
                        assertElement(t, v.getDouble(i, j), w.getDouble(i, j), "view[" + i + "," + j + "]");
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void scalarsEmptyAndHigherRank(Type t) {
        INDArray s = Nd4j.scalar(1.0).castTo(t.dataType);
        INDArray ws = LambertW.w0(s);
        assertEquals(0, ws.rank());
        assertEquals(t.dataType, ws.dataType());
        assertElement(t, 1.0, ws.getDouble(0), "scalar");

        INDArray empty = Nd4j.create(t.dataType, 0, 3);
        INDArray we = LambertW.w0(empty);
        assertTrue(we.isEmpty());
        assertArrayEquals(new long[] {0, 3}, we.shape());
        assertEquals(t.dataType, we.dataType());
        INDArray empty0 = Nd4j.empty(t.dataType);
        assertTrue(LambertW.w0(empty0).isEmpty());
        assertEquals(t.dataType, LambertW.w0(empty0).dataType());

        INDArray cube = Nd4j.linspace(-0.35, 40, 24, DataType.DOUBLE).reshape(2, 3, 4).castTo(t.dataType);
        INDArray wc = LambertW.w0(cube.permute(2, 0, 1));
        assertArrayEquals(new long[] {4, 2, 3}, wc.shape());
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 2; j++) {
                for (int k = 0; k < 3; k++) {
                    assertElement(t, cube.getDouble(j, k, i), wc.getDouble(i, j, k), "cube");
                }
            }
        }
    }

    @Test
    void largeDoubleArrayMatchesScalarBitForBit() {
        SplittableRandom rnd = new SplittableRandom(3);
        double[] z = new double[10_000];
        for (int i = 0; i < z.length; i++) {
            z[i] = i % 2 == 0 ? -0.36787944117144233 * rnd.nextDouble() : 10 * rnd.nextDouble();
        }
        double[] w = LambertW.w0(Nd4j.createFromArray(z)).toDoubleVector();
        for (int i = 0; i < z.length; i++) {
            assertEquals(Double.doubleToLongBits(LambertW.w0(z[i])), Double.doubleToLongBits(w[i]), "at " + z[i]);
        }
    }

    @Test
    void branchPointConventionPerType() {
        assertEquals(-1.0, LambertW.w0(Nd4j.createFromArray(-0.36787944117144233)).getDouble(0), 0.0);
        assertEquals(-1.0, LambertW.w0(Nd4j.createFromArray(-0.36787945f)).getDouble(0), 0.0);
        INDArray half = Nd4j.createFromArray(-0.36787944117144233).castTo(DataType.HALF);
        assertEquals(-0.367919921875, half.getDouble(0), 0.0, "HALF nearest to -1/e");
        assertEquals(-1.0, LambertW.w0(half).getDouble(0), 0.0);
        INDArray bf = Nd4j.createFromArray(-0.36787944117144233).castTo(DataType.BFLOAT16);
        assertEquals(-0.3671875, bf.getDouble(0), 0.0, "BFLOAT16 nearest to -1/e lies above -1/e");
        assertEquals(LambertW.w0(-0.3671875), LambertW.w0(bf).getDouble(0), 0x1p-7);
    }

    @Test
    void rejectsNullAndUnsupportedTypes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LambertW.w0((INDArray) null));
        assertTrue(e.getMessage().contains("'z'"), e.getMessage());
        for (DataType type : new DataType[] {DataType.INT, DataType.LONG, DataType.BOOL, DataType.UINT8}) {
            INDArray z = Nd4j.zeros(type, 2, 2);
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> LambertW.w0(z));
            assertTrue(ex.getMessage().contains(type.toString()), ex.getMessage());
        }
    }
}
