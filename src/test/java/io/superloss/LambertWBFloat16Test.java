package io.superloss;

import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The W0 array op accepts BFLOAT16 arrays: same shape and type back, every element within bf16's resolution of the
 * principal branch at that element's (bf16) value, computed with apfloat at 40 digits; NaN below the branch point,
 * NaN and +Inf propagated.
 */
class LambertWBFloat16Test {
    /** bf16 keeps 8 significant bits: its unit roundoff is 2^-8; one rounding of the result costs at most that. */
    private static final double BF16_U = 0x1p-8;

    private static double w0Exact(double z) {
        Apfloat w = ApfloatMath.w(new Apfloat(new BigDecimal(z), 40));
        return w.doubleValue();
    }

    @Test
    void w0OfBFloat16ArraysIsWithinBFloat16Resolution() {
        double[] z = {
            0.0, 1e-30, -1e-30, 1e-3, -0.1, -0.25, -0.3671875, 0.5, 1.0, Math.E, 10.0, 1e3, 1e10, 1e30, 3e38,
            2.0, -0.369140625, -1.0, Double.NaN, Double.POSITIVE_INFINITY,
        };
        INDArray in = Nd4j.createFromArray(z).reshape(4, 5).castTo(DataType.BFLOAT16);
        INDArray out = LambertW.w0(in);
        assertEquals(DataType.BFLOAT16, out.dataType());
        assertArrayEquals(in.shape(), out.shape());
        double[] x = in.dup().data().asDouble();  // the bf16 inputs, exactly
        double[] w = out.dup().data().asDouble();
        for (int i = 0; i < x.length; i++) {
            String what = "W0(" + x[i] + ") = " + w[i];
            if (Double.isNaN(x[i]) || x[i] < -1 / Math.E) {
                // -0.369140625 is the bf16 just below -1/e; -0.3671875 the one just above.
                assertTrue(Double.isNaN(w[i]), what + " should be NaN");
            } else if (x[i] == Double.POSITIVE_INFINITY) {
                assertEquals(Double.POSITIVE_INFINITY, w[i], what);
            } else {
                double expected = w0Exact(x[i]);
                assertEquals(expected, w[i], 2 * BF16_U * Math.abs(expected), what);
            }
        }
    }
}
