package io.superloss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers shared by the tests: small arrays and comparisons with a stated tolerance. */
final class TestUtils {
    private TestUtils() {
    }

    /** A DOUBLE column [n,1] holding {@code values}: one row per value (per-row masks, one-output pre-outputs). */
    static INDArray column(double... values) {
        return Nd4j.createFromArray(values).reshape(values.length, 1);
    }

    /**
     * Asserts |actual - expected| &lt;= abs + rel |expected|; a NaN expectation requires NaN, an infinite one the
     * same infinity.
     */
    static void assertClose(double expected, double actual, double rel, double abs, String what) {
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            assertTrue(Double.compare(expected, actual) == 0, what + ": expected " + expected + " but was " + actual);
            return;
        }
        double tolerance = abs + rel * Math.abs(expected);
        assertTrue(Math.abs(expected - actual) <= tolerance,
                what + ": expected " + expected + " but was " + actual + " (tolerance " + tolerance + ")");
    }

    /** {@link #assertClose(double, double, double, double, String)} element by element, after equal shapes. */
    static void assertClose(INDArray expected, INDArray actual, double rel, double abs, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = Nd4j.toFlattened(expected).toDoubleVector();
        double[] a = Nd4j.toFlattened(actual).toDoubleVector();
        for (int i = 0; i < e.length; i++) {
            assertClose(e[i], a[i], rel, abs, what + " [" + i + "]");
        }
    }
}
