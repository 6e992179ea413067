package io.superloss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.superloss.LambertWReferenceData.Point;
import io.superloss.LambertWReferenceData.Regime;

/**
 * Accuracy of {@link LambertW#w0(double)} and {@link LambertW#w0(float)} against the apfloat
 * oracle (reference values in {@code lambertw-reference.csv}, see {@link LambertWReferenceData}),
 * and the special values of the contract.
 *
 * <p>Data-driven in the style of Apache Commons Numbers: every {@link DoubleCase} /
 * {@link FloatCase} names a set of arguments and the maximum and RMS error allowed in ulp of the
 * exact result; the measured values are logged and noted next to the thresholds.
 */
class LambertWAccuracyTest {

    private static final Logger LOG = LoggerFactory.getLogger(LambertWAccuracyTest.class);

    private static final MathContext MC = MathContext.DECIMAL128;

    /** Largest error of {@link LambertW#w0(float)} allowed, in ulp of the exact value (bound 0.517). */
    private static final double FLOAT_MAX_ULP = 0.52;

    /**
     * Double-precision test cases: error |w0(z) - W0(z)| / ulp(W0(z)). The contract is 2 ulp; the
     * thresholds are tighter to catch regressions. Measured values in the comments (max / RMS).
     */
    enum DoubleCase {
        /** z = nextUp^k(-1/e), q = 4.3e-17 .. 2.2e-14. Measured 0.499 / 0.294. */
        BRANCH_NEXT_UP(Regime.BRANCH_NEXT_UP, 1.0, 0.35),
        /** z = -1/e + q, q log-spaced 1e-17 .. 0.3. Measured 0.603 / 0.294. */
        BRANCH_Q(Regime.BRANCH_Q, 1.0, 0.35),
        /** z in (-1/e, 0). Measured 0.502 / 0.289. */
        NEGATIVE(Regime.NEGATIVE, 1.0, 0.35),
        /** z in [-1e-5, -1e-300]. Measured 0.484 / 0.064. */
        TINY_NEGATIVE(Regime.TINY_NEGATIVE, 1.0, 0.35),
        /** z in [1e-300, 1e-5]. Measured 0.467 / 0.057. */
        TINY_POSITIVE(Regime.TINY_POSITIVE, 1.0, 0.35),
        /** Subnormal z (W0(z) rounds to z). Measured 0 / 0. */
        SUBNORMAL(Regime.SUBNORMAL, 0.5, 0.35),
        /** z in (0, 1]. Measured 0.500 / 0.285. */
        POSITIVE_SMALL(Regime.POSITIVE_SMALL, 1.0, 0.35),
        /** z in (1, 10]. Measured 0.499 / 0.290. */
        POSITIVE(Regime.POSITIVE, 1.0, 0.35),
        /** z in [10, 1e6]. Measured 0.500 / 0.289. */
        MODERATE(Regime.MODERATE, 1.0, 0.35),
        /** z in [1e6, 1e300]. Measured 0.500 / 0.286. */
        LARGE(Regime.LARGE, 1.0, 0.35),
        /** z in [1e300, Double.MAX_VALUE]. Measured 0.495 / 0.278. */
        HUGE(Regime.HUGE, 1.0, 0.35),
        /** Neighbours of the internal regime switches. Measured 0.500 / 0.284. */
        BOUNDARIES(Regime.BOUNDARIES, 1.0, 0.35);

        final Regime regime;
        final double maxUlp;
        final double rmsUlp;

        DoubleCase(Regime regime, double maxUlp, double rmsUlp) {
            this.regime = regime;
            this.maxUlp = maxUlp;
            this.rmsUlp = rmsUlp;
        }
    }

    /**
     * Single-precision test cases. Every result must be within 1 ulp of the correctly rounded
     * float of W0(z) (the contract); in addition the error relative to the exact value, in ulp of
     * the correctly rounded float, is bounded by max / RMS. The max of 0.52 is the float path's
     * error bound (0.5 for the rounding plus &lt; 0.017 for its guess, see
     * {@code LambertWKernel.w0(float)}). Measured values in the comments.
     */
    enum FloatCase {
        /** z = nextUp^k(-0.36787945f) and -1/e + q, q log-spaced 1e-8 .. 0.3. Measured 0.500 / 0.289. */
        FLOAT_BRANCH(Regime.FLOAT_BRANCH, FLOAT_MAX_ULP, 0.35),
        /** z in (-1/e, 0). Measured 0.498 / 0.292. */
        FLOAT_NEGATIVE(Regime.FLOAT_NEGATIVE, FLOAT_MAX_ULP, 0.35),
        /** 1e-45 <= |z| <= 1e-3, subnormal floats included. Measured 0.502 / 0.082. */
        FLOAT_TINY(Regime.FLOAT_TINY, FLOAT_MAX_ULP, 0.35),
        /** z in (0, 10]. Measured 0.499 / 0.293. */
        FLOAT_POSITIVE(Regime.FLOAT_POSITIVE, FLOAT_MAX_ULP, 0.35),
        /** z in [10, Float.MAX_VALUE]. Measured 0.500 / 0.304. */
        FLOAT_LARGE(Regime.FLOAT_LARGE, FLOAT_MAX_ULP, 0.35);

        final Regime regime;
        final double maxUlp;
        final double rmsUlp;

        FloatCase(Regime regime, double maxUlp, double rmsUlp) {
            this.regime = regime;
            this.maxUlp = maxUlp;
            this.rmsUlp = rmsUlp;
        }
    }

    private static Map<Regime, List<Point>> data;

    @BeforeAll
    static void loadReferenceData() throws IOException {
        data = new EnumMap<>(Regime.class);
        for (Point p : LambertWReferenceData.load()) {
            data.computeIfAbsent(p.regime, r -> new ArrayList<>()).add(p);
        }
    }

    @Test
    void referenceDataCoversEveryRegime() {
        int total = 0;
        Map<Regime, double[]> expected = LambertWReferenceData.arguments();
        for (Regime r : Regime.values()) {
            List<Point> points = data.get(r);
            assertTrue(points != null && !points.isEmpty(), "no reference data for " + r);
            // The CSV must have been generated from the current argument sets.
            double[] z = expected.get(r);
            assertEquals(z.length, points.size(), "rows of " + r + " (regenerate the CSV)");
            for (int i = 0; i < z.length; i++) {
                assertEquals(z[i], points.get(i).z, "argument " + i + " of " + r + " (regenerate the CSV)");
            }
            total += points.size();
        }
        assertTrue(total >= 10_000, "only " + total + " reference points");
        LOG.info("Lambert W0 reference data: {} points", total);
    }

    /** The stored values are the oracle's: recompute a random sample with apfloat. */
    @Test
    void referenceDataAgreesWithApfloat() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<Point> all = new ArrayList<>();
        data.values().forEach(all::addAll);
        for (int k = 0; k < 24; k++) {
            Point p = all.get(rnd.nextInt(all.size()));
            BigDecimal w = LambertWReferenceData.oracle(p.z);
            BigDecimal diff = w.subtract(p.w).abs();
            BigDecimal tol = p.w.abs().max(new BigDecimal("1e-320")).multiply(new BigDecimal("1e-30"));
            assertTrue(diff.compareTo(tol) <= 0, () -> "oracle " + w + " vs CSV " + p.w + " at z = " + p.z);
        }
    }

    @ParameterizedTest
    @EnumSource(DoubleCase.class)
    void doublePrecision(DoubleCase tc) {
        List<Point> points = data.get(tc.regime);
        double max = 0;
        double sumSq = 0;
        double worstZ = Double.NaN;
        for (Point p : points) {
            double w = LambertW.w0(p.z);
            double err = ulpError(w, p.w, Math.ulp(p.w.doubleValue()));
            if (!(err <= max)) {
                max = err;
                worstZ = p.z;
            }
            sumSq += err * err;
        }
        double rms = Math.sqrt(sumSq / points.size());
        LOG.info(String.format("w0(double) %-15s n=%5d  max %.3f ulp (allowed %.2f)  rms %.3f ulp (allowed %.2f)"
            + "  worst z = %s", tc, points.size(), max, tc.maxUlp, rms, tc.rmsUlp, Double.toHexString(worstZ)));
        assertTrue(max <= tc.maxUlp, tc + ": max error " + max + " ulp at z = " + Double.toHexString(worstZ));
        assertTrue(rms <= tc.rmsUlp, tc + ": RMS error " + rms + " ulp");
    }

    @ParameterizedTest
    @EnumSource(FloatCase.class)
    void singlePrecision(FloatCase tc) {
        List<Point> points = data.get(tc.regime);
        double max = 0;
        double sumSq = 0;
        double worstZ = Double.NaN;
        for (Point p : points) {
            float z = (float) p.z;
            assertEquals(p.z, z, 0.0, "reference argument is not a float");
            float w = LambertW.w0(z);
            float cr = correctlyRounded(p.w);
            assertTrue(w == cr || w == Math.nextUp(cr) || w == Math.nextDown(cr),
                () -> "w0(" + z + "f) = " + w + " is more than 1 ulp from the correctly rounded " + cr);
            double err = ulpError(w, p.w, Math.ulp(cr));
            if (!(err <= max)) {
                max = err;
                worstZ = z;
            }
            sumSq += err * err;
        }
        double rms = Math.sqrt(sumSq / points.size());
        LOG.info(String.format("w0(float)  %-15s n=%5d  max %.3f ulp (allowed %.2f)  rms %.3f ulp (allowed %.2f)"
            + "  worst z = %s", tc, points.size(), max, tc.maxUlp, rms, tc.rmsUlp, Float.toHexString((float) worstZ)));
        assertTrue(max <= tc.maxUlp, tc + ": max error " + max + " ulp at z = " + worstZ);
        assertTrue(rms <= tc.rmsUlp, tc + ": RMS error " + rms + " ulp");
    }

    /**
     * Every 4099th float bit pattern of the domain (778,635 arguments, all regimes, subnormals and both zeros among
     * them) against {@link LambertW#w0(double)} of the same argument, which is within 0.7 double ulp of W0 (the cases
     * above) and so exact to 2^-28 float ulp: the float path stays within its bound. The exhaustive version (all 3.2e9
     * floats) is the benchmark main {@code LambertWFloatSweep}.
     */
    @Test
    void singlePrecisionOnAStridedSweepOfAllFloats() {
        double max = 0;
        float worst = Float.NaN;
        long count = 0;
        long negativeBranchPoint = Float.floatToRawIntBits(-0x1.78b564p-2f) & 0xFFFF_FFFFL;
        for (long bits = 0; bits <= 0xFFFF_FFFFL; bits += 4099) {
            float z = Float.intBitsToFloat((int) bits);
            boolean inDomain = bits <= Float.floatToRawIntBits(Float.POSITIVE_INFINITY)
                || (bits >= 0x8000_0000L && bits <= negativeBranchPoint);
            if (!inDomain) {
                continue;
            }
            double reference = LambertW.w0((double) z);
            float w = LambertW.w0(z);
            if (Double.isInfinite(reference)) {
                assertSame((float) reference, w, "w0(" + z + "f)");
                continue;
            }
            count++;
            double binade = Math.max(Math.getExponent(reference), Float.MIN_EXPONENT);
            double err = Math.abs(w - reference) / Math.scalb(1.0, (int) binade - 23);
            if (err > max) {
                max = err;
                worst = z;
            }
        }
        LOG.info(String.format("w0(float)  strided sweep    n=%d  max %.4f ulp (allowed %.2f)  worst z = %s",
            count, max, FLOAT_MAX_ULP, Float.toHexString(worst)));
        assertTrue(count > 700_000, "only " + count + " arguments");
        assertTrue(max <= FLOAT_MAX_ULP, "max error " + max + " ulp at z = " + Float.toHexString(worst));
    }

    /**
     * The float path's middle-regime test uses a float constant instead of computing v: it must be the smallest float
     * whose v = 2e z + 2 (as the kernel rounds it, one fma) reaches 1/4, where the double path switches.
     */
    @Test
    void middleRegimeOfTheFloatPathStartsWhereTheDoublePathsDoes() {
        float lo = LambertWKernel.MIDDLE_FLOAT_MIN;
        assertTrue(Math.fma(2 * Math.E, lo, 2 * Math.E * LambertWKernel.INV_E_HI) >= 0.25, "v(lo) >= 1/4");
        float below = Math.nextDown(lo);
        assertTrue(Math.fma(2 * Math.E, below, 2 * Math.E * LambertWKernel.INV_E_HI) < 0.25, "v(nextDown(lo)) < 1/4");
    }

    /** |w - exact| / ulp in high precision; exact zero must be met exactly. */
    private static double ulpError(double w, BigDecimal exact, double ulp) {
        if (Double.isNaN(w) || Double.isInfinite(w)) {
            return Double.POSITIVE_INFINITY;
        }
        BigDecimal diff = new BigDecimal(w).subtract(exact).abs();
        return diff.divide(new BigDecimal(ulp), MC).doubleValue();
    }

    /** The float nearest to x (ties are irrelevant at 34 digits), independent of library rounding. */
    private static float correctlyRounded(BigDecimal x) {
        float f = x.floatValue();
        float best = f;
        BigDecimal bestDiff = null;
        for (float c : new float[] {Math.nextDown(f), f, Math.nextUp(f)}) {
            BigDecimal d = new BigDecimal(c).subtract(x).abs();
            if (bestDiff == null || d.compareTo(bestDiff) < 0) {
                best = c;
                bestDiff = d;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------------------------------------
    // Special values

    private static void assertSame(double expected, double actual, String what) {
        assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual),
            what + ": expected " + expected + " but was " + actual);
    }

    private static void assertSame(float expected, float actual, String what) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
            what + ": expected " + expected + " but was " + actual);
    }

    @Test
    void specialValuesDouble() {
        assertTrue(Double.isNaN(LambertW.w0(Double.NaN)), "NaN");
        assertSame(Double.POSITIVE_INFINITY, LambertW.w0(Double.POSITIVE_INFINITY), "+Inf");
        assertTrue(Double.isNaN(LambertW.w0(Double.NEGATIVE_INFINITY)), "-Inf");
        assertSame(0.0, LambertW.w0(0.0), "+0");
        assertSame(-0.0, LambertW.w0(-0.0), "-0");
        assertSame(Double.MIN_VALUE, LambertW.w0(Double.MIN_VALUE), "MIN_VALUE");
        assertSame(-Double.MIN_VALUE, LambertW.w0(-Double.MIN_VALUE), "-MIN_VALUE");
        // The double nearest to -1/e is below -1/e and is the branch point by convention.
        double negInvE = -0.36787944117144233;
        assertTrue(new BigDecimal(negInvE).compareTo(new BigDecimal("-0.36787944117144232159552377016146")) < 0,
            "the double nearest to -1/e lies below -1/e");
        assertSame(-1.0, LambertW.w0(negInvE), "nearest double to -1/e");
        assertTrue(Double.isNaN(LambertW.w0(Math.nextDown(negInvE))), "nextDown(-1/e)");
        assertTrue(Double.isNaN(LambertW.w0(-0.5)), "-0.5");
        assertTrue(Double.isNaN(LambertW.w0(-Double.MAX_VALUE)), "-MAX_VALUE");
        // Next double above: W = -1 + sqrt(2 e q) with q = 4.3e-17.
        double w = LambertW.w0(Math.nextUp(negInvE));
        assertTrue(w > -1 && w < -0.99999998, "nextUp(-1/e) -> " + w);
        // W0(Math.E) = 0.99999999999999997340..., which rounds to 1; W0(1) = omega constant.
        assertSame(1.0, LambertW.w0(Math.E), "Math.E");
        assertEquals(0.5671432904097838, LambertW.w0(1.0), 0.0); // omega constant, correctly rounded
        double max = LambertW.w0(Double.MAX_VALUE);
        assertTrue(Double.isFinite(max), "MAX_VALUE");
        assertEquals(703.2270331047702, max, 0.0); // mpmath: 703.22703310477018687570...
    }

    @Test
    void specialValuesFloat() {
        assertTrue(Float.isNaN(LambertW.w0(Float.NaN)), "NaN");
        assertSame(Float.POSITIVE_INFINITY, LambertW.w0(Float.POSITIVE_INFINITY), "+Inf");
        assertTrue(Float.isNaN(LambertW.w0(Float.NEGATIVE_INFINITY)), "-Inf");
        assertSame(0.0f, LambertW.w0(0.0f), "+0");
        assertSame(-0.0f, LambertW.w0(-0.0f), "-0");
        assertSame(Float.MIN_VALUE, LambertW.w0(Float.MIN_VALUE), "MIN_VALUE");
        assertSame(-Float.MIN_VALUE, LambertW.w0(-Float.MIN_VALUE), "-MIN_VALUE");
        float negInvE = -0.36787945f;
        assertEquals(negInvE, (float) -Math.exp(-1), 0.0f, "nearest float to -1/e");
        assertTrue((double) negInvE < -0.36787944117144233, "the float nearest to -1/e lies below -1/e");
        assertSame(-1.0f, LambertW.w0(negInvE), "nearest float to -1/e");
        assertTrue(Float.isNaN(LambertW.w0(Math.nextDown(negInvE))), "nextDown(-1/e)");
        assertTrue(Float.isNaN(LambertW.w0(-1.0f)), "-1");
        float w = LambertW.w0(Math.nextUp(negInvE));
        assertTrue(w > -1 && w < -0.999f, "nextUp(-1/e) -> " + w);
        assertEquals(1.0f, LambertW.w0((float) Math.E), Math.ulp(1.0f));
        assertEquals((float) 0.567143290409783873, LambertW.w0(1.0f), 0.0f);
        float max = LambertW.w0(Float.MAX_VALUE);
        // W0(3.4028235e38) = 84.28859251630837... (mpmath; also in the FLOAT_LARGE reference rows)
        assertEquals((float) 84.28859251630837400, max, 0.0f);
    }

    /** Sanity of the defining equation over a dense sweep, independent of the oracle. */
    @Test
    void definingEquationAndMonotonicity() {
        SplittableRandom rnd = new SplittableRandom(11);
        double prevZ = -0.36787944117144233;
        double prevW = -1;
        for (int i = 1; i <= 20_000; i++) {
            // increasing arguments from -1/e to ~1e4
            double z = -0.36787944117144233 + Math.expm1(i * 5e-4) * (1 + 0.1 * rnd.nextDouble());
            if (z <= prevZ) {
                continue;
            }
            double w = LambertW.w0(z);
            assertTrue(w >= prevW, "not monotone at z = " + z);
            // w e^w = z up to the roundings of this check (exp, product: ~3e-16) and the error of
            // w (<= ~1.2e-16 relative), which moves w e^w by a factor (1 + w) more.
            double resid = Math.abs(w * Math.exp(w) - z) / Math.abs(z);
            assertTrue(resid <= 6e-16 + 2.5e-16 * (1 + w), "residual " + resid + " at z = " + z);
            prevZ = z;
            prevW = w;
        }
    }
}
