package io.superloss;

import java.util.SplittableRandom;

/**
 * Arguments for comparing two builds of the W0 kernel point by point: every regime of the algorithm (tiny, branch
 * series, each piece of the middle regime, each binade of the large regime), the domain edges and the special values,
 * spread at random. Deterministic for a given seed.
 */
final class KernelSweep {
    /** The double nearest -1/e (just below it; W0 is -1 there by convention). */
    static final double MINUS_INV_E = -0.36787944117144233;

    private static final double[] SPECIAL = {0.0, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
        Double.NaN, MINUS_INV_E, Math.nextUp(MINUS_INV_E), Math.nextDown(MINUS_INV_E), Double.MAX_VALUE,
        Double.MIN_NORMAL, -Double.MIN_NORMAL, Double.MIN_VALUE, -Double.MIN_VALUE, 0x1p-26, -0x1p-26, 18.0,
        Math.nextDown(18.0), 1.0, Math.E};

    private KernelSweep() {
    }

    /** {@code n} doubles (the special values first). */
    static double[] doubles(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = i < SPECIAL.length ? SPECIAL[i] : next(random, i);
        }
        return z;
    }

    /** {@code n} floats (the special values and the float edges first). */
    static float[] floats(int n, long seed) {
        double[] d = doubles(n, seed);
        float[] z = new float[n];
        for (int i = 0; i < n; i++) {
            z[i] = (float) d[i];
        }
        float[] edges = {-0.36787945f, Math.nextUp(-0.36787945f), Math.nextDown(-0.36787945f), Float.MAX_VALUE,
            Float.MIN_NORMAL, Float.MIN_VALUE, -Float.MIN_VALUE};
        System.arraycopy(edges, 0, z, SPECIAL.length, Math.min(edges.length, Math.max(0, n - SPECIAL.length)));
        return z;
    }

    private static double next(SplittableRandom random, int i) {
        double u = random.nextDouble();
        switch (i % 6) {
            case 0: // next to the branch point: q = z + 1/e from 1e-17 to 0.1 (series and first middle pieces)
                return MINUS_INV_E + Math.pow(10, -17 + 16 * u);
            case 1: // [-1/e, 0]: branch series and middle pieces with p in [0, sqrt 2]
                return MINUS_INV_E * u;
            case 2: // [0, 20): middle pieces with p up to 10 and the first large binade
                return 20 * u;
            case 3: // positive, every scale: tiny, middle and all large binades
                return Math.pow(2, -1074 + 2098 * u);
            case 4: // negative, small magnitudes: tiny and the start of the middle regime
                return -Math.pow(2, -1074 + 1072 * u);
            default: // large: binades of log z up to 709
                return Math.exp(2 + 707.7 * u);
        }
    }
}
