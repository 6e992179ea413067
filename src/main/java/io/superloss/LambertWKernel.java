package io.superloss;

/**
 * Kernel of the principal branch W0 of the Lambert W function (package-private; the public facade
 * is {@link LambertW}): scalar double and float versions and array loops.
 *
 * <h2>Algorithm</h2>
 *
 * <p>Every finite argument {@code z > -1/e} takes exactly one of five paths. Each one is
 * straight-line code (no data-dependent loop) and uses only IEEE-754 {@code + - * / sqrt fma},
 * reinterpretation of a double's bits and small constant tables (8.7 KiB in all), so that it
 * transcribes one-to-one to C / CUDA ({@code __host__ __device__}, with explicit {@code fma} and
 * {@code __double_as_longlong} / {@code __longlong_as_double}) with bit-identical results. No
 * {@code exp} or {@code log} call.
 *
 * <ol>
 *   <li><b>Tiny</b>, {@code |z| < 2^-26}: {@code W = z - z^2 + 3/2 z^3} as
 *       {@code fma(z, z (1.5 z - 1), z)}; the first omitted term {@code 8/3 z^4} is below
 *       {@code 2^-76 |W|}. Signed zeros and subnormals come out exactly.
 *   <li><b>Branch point</b>, {@code p < 1/16} with {@code p = sqrt(2 e q)}, {@code q = z + 1/e}
 *       formed with a double-double {@code 1/e} (exact for these z): the series
 *       {@code W = -1 + p - p^2/3 + 11/72 p^3 - ...} (Corless et al. 1996, eq. 4.22) through
 *       {@code p^12}, as {@code fma(p, P(p), -1)}. Truncation error &lt; 2^-62, no iteration.
 *   <li><b>Near the branch point</b>, {@code 1/16 <= p < 1/2} (z &lt; -0.345): guess
 *       {@code z R(p)}, {@code R ~ e^{-W} = W/z} of degree 7 on two pieces in p, then
 *       {@link #refine}.
 *   <li><b>Middle</b>, {@code 1/2 <= p}, {@code z < 18}: guess {@code z R(v)}, {@code v = p^2}
 *       (no square root), degree 6 on 36 quarter-binades of v, then {@link #refineMid}.
 *   <li><b>Large</b>, {@code 18 <= z < +Inf}: guess = degree-7 polynomial of {@code u = log2 z}
 *       on 16 half-binades of u, with u from the exponent bits and a 64-entry table plus a
 *       Taylor polynomial for the mantissa; then {@link #refine}.
 * </ol>
 *
 * <p>The guesses have relative errors &lt; 1e-9, and ONE Newton step on
 * {@code g(w) = w - z e^{-w}} finishes them for double; for float the guess alone, rounded,
 * is accurate enough ({@link #w0(float)}). What makes the result nearly correctly rounded
 * (measured max 0.68 ulp, next to the branch point; &lt; 0.54 elsewhere) is that the residual g is computed to ~2^-59 |w|: e^{-w} with extra
 * precision (a double-double table of 2^(j/64) in {@link #refine}; a double-double e^{-W_c} per
 * piece in {@link #refineMid}), the product with z formed exactly with fma, and
 * {@code w - z e^{-w}} cancelling exactly (Sterbenz). The residual error is amplified by the
 * condition number {@code 1/(1+W)}, so with {@code Math.exp} (error up to ~1 ulp) the textbook
 * recipe ends at 3-5 ulp, and far worse towards {@code W = -1}.
 *
 * <h2>Speed</h2>
 *
 * <p>A loop over {@link #w0(double)} is limited by how many evaluations the out-of-order window
 * can overlap, i.e. by the latency of one evaluation (~70 cycles of dependent operations), more
 * than by the operation count. Hence: Estrin instead of Horner, the division 1/(1+w) off the
 * critical path, no {@code Math.log} / {@code Math.exp} stub calls, no square root on the
 * common path, piece indices and polynomial variables read off the bits of v and u, the exponent
 * of the exponential's argument rounded with the 1.5*2^52 trick, and in the middle regime an
 * exponential without any reduction after w is known.
 */
final class LambertWKernel {

    private LambertWKernel() {
    }

    // The constants below that follow from a definition (1/e, 2e, ln 2 splits, series
    // coefficients, MIDDLE_FLOAT_MIN) are generated, as the tables at the end are: see "Tables".

    /** Nearest double to 1/e (0.36787944117144233, which is ABOVE 1/e). */
    static final double INV_E_HI = 0x1.78b56362cef38p-2;
    /** 1/e - INV_E_HI rounded to double (-1.2428753672788363e-17). */
    static final double INV_E_LO = -0x1.ca8a4270fadf5p-57;
    /** Nearest float to 1/e (0.36787945f, also above 1/e). */
    static final float INV_E_FLOAT = 0x1.78b564p-2f;
    /**
     * The IEEE binary16 (HALF) value nearest to -1/e: -1507 * 2^-12 = -0.367919921875, below -1/e
     * (like the nearest double and float), mapped to -1 by {@link #w0Half}.
     */
    static final double HALF_NEG_INV_E = -0x1.78cp-2;
    /** 2e rounded to double. Its rounding error (2^-54 relative) perturbs p by 2^-55 relative. */
    private static final double TWO_E = 0x1.5bf0a8b145769p+2;
    /** TWO_E * INV_E_LO rounded (its rounding, ~7e-33, is far below any q = z + 1/e > 4e-17). */
    private static final double TWO_E_INV_E_LO = TWO_E * INV_E_LO;
    /** 2e * (1/e) = 2 up to roundings (for the approximate v of the middle regime). */
    private static final double TWO_E_INV_E = TWO_E * INV_E_HI;

    /**
     * Below this |z| the three-term Maclaurin polynomial is exact to 2^-76 relative (first
     * omitted term 8/3 z^4 over W ~ z gives 8/3 z^3 &lt;= 2^-76). Keeping these z out of the
     * refinement also keeps every quantity there normal (no subnormal products).
     */
    private static final double TINY = 0x1p-26;

    /**
     * Branch series below p = 1/16 (q = p^2/(2e) ~ 7.2e-4, 1 + W ~ 0.06), refinement above. Why
     * 1/16: (a) the series coefficients behave like 0.1 * 2^(-k/2) (radius of convergence sqrt 2),
     * so through p^12 the truncation error is |mu_13| p^13 ~ 2^-62; (b) above it, the refinement's
     * residual error ~2^-59 |w| is amplified by 1/(1+w) &lt;= 16.5, i.e. at most ~0.26 ulp of w,
     * so the refined result stays below ~0.76 ulp (measured: 0.68).
     */
    private static final double P_BRANCH = 0x1p-4;

    /**
     * Middle regime (pieces in v = p^2, no square root) from v = 1/4 (p = 1/2, q = 0.046); below it
     * the near-branch pieces in p. Why 1/4: the v-pieces are binades of v, whose number grows as
     * log2(1/v) towards the branch point (R has a square-root singularity in v there); 9 binades
     * down to 1/4 cover the range to z = 18, and below 1/4 two pieces in p do (R is analytic in
     * p). For SuperLoss-shaped inputs (uniform in [-1/e, 10]) only ~6% take the square-root path.
     */
    private static final double V_NEAR = 0.25;

    /**
     * Middle / large switch at z = 18: there v = 2(1 + 18e) = 99.9 &lt; 128 (the end of
     * the last v-piece) and u = log2 18 = 4.17 lies in the first u-binade [4, 8). It also keeps
     * the typical SuperLoss range [-1/e, 10] on one path (no mispredicted branch).
     */
    static final double LARGE_Z = 18.0;

    /**
     * The smallest float z whose v = {@link #vApprox}(z) is at least {@link #V_NEAR}: floats from
     * it up to {@link #LARGE_Z} take the middle regime, as their doubles do in
     * {@link #w0(double)} (v is non-decreasing in z).
     */
    static final float MIDDLE_FLOAT_MIN = -0x1.499eb6p-2f;

    /*
     * Branch-point series W = -1 + p (1 + sum_{k>=2} mu_k p^(k-1)), mu_k from the recurrence of
     * Corless, Gonnet, Hare, Jeffrey & Knuth, "On the Lambert W function", Adv. Comput. Math. 5
     * (1996), eqs. 4.22-4.24 (exact rationals in the comments, rounded to the nearest double).
     */
    static final double MU2 = -0.3333333333333333; // -1/3
    static final double MU3 = 0.1527777777777778; // 11/72
    static final double MU4 = -0.07962962962962963; // -43/540
    private static final double MU5 = 0.044502314814814814; // 769/17280
    private static final double MU6 = -0.02598471487360376; // -221/8505
    private static final double MU7 = 0.01563563253233392; // 680863/43545600
    private static final double MU8 = -0.009616892024299432; // -1963/204120
    private static final double MU9 = 0.006014543252956118; // 226287557/37623398400
    private static final double MU10 = -0.0038112980348919993; // -5776369/1515591000
    private static final double MU11 = 0.0024408779911439826; // 169709463197/69528040243200
    private static final double MU12 = -0.0015769303446867841; // -1118511313/709296588000

    /*
     * Exponential with extra precision (inside refine): e^x = 2^m * 2^(j/64) * e^r with
     * n = rint(x 64/ln2), j = n mod 64, m = floor(n/64), r = x - n ln2/64, |r| <= ln2/128.
     * ln2/64 is split Cody-Waite style: LN2_64_HI has 36 significant bits, so n * LN2_64_HI is
     * exact for |n| < 2^17 (here |n| <= 64935 since x >= -703.3) and x - n LN2_64_HI is exact
     * (Sterbenz); LN2_64_LO = ln2/64 - LN2_64_HI rounded (error ~2^-99, times |n| still < 2^-82).
     */
    private static final double INV_LN2_64 = 0x1.71547652b82fep+6; // 64/ln2
    private static final double LN2_64_HI = 0x1.62e42fefa0000p-7;
    private static final double LN2_64_LO = 0x1.cf79abc9e3b3ap-46;
    /* Taylor coefficients 1/k! of (e^r - 1 - r)/r^2; degree 6 in all leaves r^7/7! < 2^-65. */
    private static final double INV2 = 0.5;
    private static final double INV6 = 1.0 / 6;
    private static final double INV24 = 1.0 / 24;
    private static final double INV120 = 1.0 / 120;
    private static final double INV720 = 1.0 / 720;

    /* (-1)^k / (k + 2)!, k = 0..7: Taylor coefficients of (e^{-d} - 1 + d)/d^2 (refineMid). */
    private static final double QM0 = 0.5;
    private static final double QM1 = -1.0 / 6;
    private static final double QM2 = 1.0 / 24;
    private static final double QM3 = -1.0 / 120;
    private static final double QM4 = 1.0 / 720;
    private static final double QM5 = -1.0 / 5040;
    private static final double QM6 = 1.0 / 40320;
    private static final double QM7 = -1.0 / 362880;

    /** 1.5 * 2^52: fma(x, c, ROUND_MAGIC) has round(x c) in its low mantissa bits (|x c| &lt; 2^51). */
    private static final double ROUND_MAGIC = 0x1.8p52;

    /* Taylor coefficients (-1)^(i+1) / (i ln 2) of log2(1 + r), i = 1..4 (large-argument guess). */
    private static final double LOG2_K1 = 0x1.71547652b82fep+0;
    private static final double LOG2_K2 = -0x1.71547652b82fep-1;
    private static final double LOG2_K3 = 0x1.ec709dc3a03fdp-2;
    private static final double LOG2_K4 = -0x1.71547652b82fep-2;

    // ---------------------------------------------------------------------------------------------
    // Scalar functions

    /** Principal branch W0(z), double precision. See {@link LambertW#w0(double)} for the contract. */
    static double w0(double z) {
        double w;
        if (z >= LARGE_Z) {
            if (!(z < Double.POSITIVE_INFINITY)) {
                return z; // +Inf
            }
            w = largeGuess(z);
        } else if (z > -INV_E_HI) { // false for NaN and for every z <= -INV_E_HI
            if (Math.abs(z) < TINY) {
                return tiny(z);
            }
            double v = vApprox(z);
            if (v >= V_NEAR) {
                int i = midPiece(v);
                return refineMid(z, z * midFactor(v, i), i);
            } else {
                double p = Math.sqrt(pSquared(z));
                if (p < P_BRANCH) {
                    return branchSeries(p);
                }
                w = z * nearFactor(p);
            }
        } else {
            // The double nearest to -1/e lies below -1/e (q = -1.24e-17 < 0) but is by convention
            // the branch point itself; anything smaller (including -Inf) and NaN give NaN.
            return z == -INV_E_HI ? -1.0 : Double.NaN;
        }
        return refine(z, w);
    }

    /**
     * Principal branch W0(z), single precision: the paths of {@link #w0(double)} without the
     * Newton step, evaluated in double and rounded once to float.
     *
     * <p>The initial guesses are far more accurate than a float: relative error &lt; 1e-9
     * (middle regime), &lt; 1.2e-11 (near the branch point) and &lt; 2.3e-10 (large z), i.e.
     * &lt; 0.017 float ulp (a float ulp is at least 2^-24 = 6e-8 relative); the branch series is
     * the double one. Rounded to float this gives at most 0.5 + 0.017 ulp, so the result is within
     * 1 ulp of the correctly rounded float and equal to it unless W0(z) lies within 0.017 ulp of a
     * rounding boundary. Measured on all 3.19e9 float arguments against {@link #w0(double)}
     * ({@code LambertWFloatSweep}): max 0.5153 ulp (z = 14.2, where the middle guess is least
     * accurate); 868,472 results (0.027 %) are the neighbour of the correctly rounded float, all
     * others are correctly rounded.
     *
     * <p>The middle regime, where SuperLoss's arguments mostly fall, is tested first and alone
     * (two float comparisons, which NaN fails); it also serves |z| &lt; 2^-26, subnormals and
     * zeros: there W0(z) = z (1 - z + ...) and the guess z R(v) are within |z|^2 + 1e-9 |z| of z,
     * less than the distance from z to the float midpoints next to it (&gt;= 2^-25 |z|), so the
     * result is z, signed zeros included.
     */
    static float w0(float z) {
        if (z >= MIDDLE_FLOAT_MIN && z < (float) LARGE_Z) {
            double x = z;
            double v = vApprox(x);
            return (float) (x * midFactor(v, midPiece(v)));
        }
        return w0FloatOutsideMiddle(z);
    }

    /** {@link #w0(float)} for z &lt; {@link #MIDDLE_FLOAT_MIN}, z &gt;= 18 and NaN. */
    private static float w0FloatOutsideMiddle(float z) {
        if (z >= (float) LARGE_Z) {
            return z < Float.POSITIVE_INFINITY ? (float) largeGuess(z) : z;
        }
        if (z > -INV_E_FLOAT) { // false for NaN
            double p = Math.sqrt(pSquared(z));
            return (float) (p < P_BRANCH ? branchSeries(p) : z * nearFactor(p));
        }
        // -0.36787945f is below -1/e (its double is < -INV_E_HI, which w0(double) rejects); by
        // convention it is the branch point of the float type.
        return z == -INV_E_FLOAT ? -1.0f : Float.NaN;
    }

    // ---------------------------------------------------------------------------------------------
    // Array loops (results bit-identical to the scalar functions)

    /** {@code dst[i] = w0(src[i])} for {@code i < n}; {@code src} and {@code dst} may be the same array. */
    static void w0(double[] src, double[] dst, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = w0(src[i]);
        }
    }

    /** {@code dst[i] = w0(src[i])} in float for {@code i < n}; {@code src} and {@code dst} may be the same array. */
    static void w0(float[] src, float[] dst, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = w0(src[i]);
        }
    }

    /**
     * Element-wise W0 of HALF values widened to double: as {@link #w0(double[], double[], int)},
     * except that the HALF value nearest to -1/e gives exactly -1 (the convention of double and
     * float; the BFLOAT16 value nearest to -1/e, -0.3671875, lies above -1/e and needs none).
     * {@code src} and {@code dst} may be the same array.
     */
    static void w0Half(double[] src, double[] dst, int n) {
        for (int i = 0; i < n; i++) {
            double z = src[i];
            dst[i] = z == HALF_NEG_INV_E ? -1.0 : w0(z);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Regimes

    /** W0(z) for |z| &lt; 2^-26: z - z^2 + 3/2 z^3 with one rounding; keeps the sign of zero. */
    private static double tiny(double z) {
        return fma(z, z * fma(1.5, z, -1.0), z);
    }

    /**
     * v = p^2 = 2 e q, q = z + 1/e, as 2e (z + INV_E_HI) + 2e INV_E_LO with one rounding (fma).
     * z + INV_E_HI is exact for z &lt;= -0.184 (Sterbenz), which covers every z where q is small,
     * so v carries one rounding, the 2^-54 error of TWO_E and the 2^-110 truncation of 1/e:
     * relative error &lt; 2^-52.4, and p = sqrt(v) &lt; 2^-52.5.
     */
    private static double pSquared(double z) {
        return fma(TWO_E, z + INV_E_HI, TWO_E_INV_E_LO);
    }

    /**
     * v = 2(1 + e z) with one fma: absolute error ~4e-16, i.e. relative &lt; 2e-15 for v &gt;= 1/4,
     * which only perturbs the initial guess of the middle regime (one addition shorter than
     * {@link #pSquared}, whose accuracy is needed only next to the branch point).
     */
    private static double vApprox(double z) {
        return fma(TWO_E, z, TWO_E_INV_E);
    }

    /** W = -1 + p + mu_2 p^2 + ... + mu_12 p^12 for 0 &lt;= p &lt; 1/16, one final rounding. */
    private static double branchSeries(double p) {
        double s = MU12;
        s = fma(s, p, MU11);
        s = fma(s, p, MU10);
        s = fma(s, p, MU9);
        s = fma(s, p, MU8);
        s = fma(s, p, MU7);
        s = fma(s, p, MU6);
        s = fma(s, p, MU5);
        s = fma(s, p, MU4);
        s = fma(s, p, MU3);
        s = fma(s, p, MU2);
        s = fma(s, p, 1.0);
        return fma(s, p, -1.0);
    }

    /**
     * R ~ e^{-W0(z)} = W0(z)/z as a function of v = p^2 = 2(1 + e z), for 1/4 &lt;= v &lt; 128
     * (1/2 &lt;= p, z &lt; 18): degree 6 on the quarter-binades [2^e (1 + j/4), 2^e (1 + (j+1)/4))
     * of v, e = -2..6, j = 0..3 (36 pieces); index and variable t in [-1, 1) are read off the
     * bits of v (exact).
     *
     * <p>Why v and why W/z: as a function of v, R is analytic except at v = 0 (the branch point,
     * a square-root singularity; z = 0 is regular on the principal branch), so pieces that are
     * binades of v (width proportional to the distance to the singularity) all converge at the
     * same geometric rate; quarter binades at degree 6 give &lt; 9.8e-10 relative error, enough
     * for a Newton step (its error e^2 |w| / (2 (1 + w)) stays &lt; 1e-18). Approximating W/z rather
     * than W gives a RELATIVE error also where W passes through 0 (v = 2), so one formula serves
     * all of [-1/e + 0.046, 18). And v needs no square root, whose latency would be on the
     * critical path of the common case.
     */
    private static double midFactor(double v, int i) {
        long bits = Double.doubleToRawLongBits(v);
        // t = 2 m - 3 for the mantissa m in [1, 2) of 4 v (2 m is exact: one rounding, as with fma)
        double t = fma(2.0, Double.longBitsToDouble(((bits << 2) & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L), -3.0);
        double t2 = t * t;
        double t4 = t2 * t2;
        double a01 = fma(MID[i + 1], t, MID[i]);
        double a23 = fma(MID[i + 3], t, MID[i + 2]);
        double a45 = fma(MID[i + 5], t, MID[i + 4]);
        return fma(fma(MID[i + 6], t2, a45), t4, fma(a23, t2, a01));
    }

    /** Offset in {@link #MID} of the piece holding v (1/4 &lt;= v &lt; 128): 16 x (4 (e + 2) + j). */
    private static int midPiece(double v) {
        return ((int) (Double.doubleToRawLongBits(v) >>> 50) - 4 * 1021) << 4;
    }

    /**
     * R(p) ~ e^{-W0(z)} for 1/16 &lt;= p &lt; 1/2 (next to the branch point, where R is smooth in p
     * but not in v): degree 7 on [1/16, 1/4] and [1/4, 1/2], t = p * scale + offset (stored with
     * the coefficients), relative error &lt; 1.2e-11, so that even at 1 + W = 0.06 the Newton
     * step's error e^2 |w| / (2 (1 + w)) is negligible (&lt; 1e-21).
     */
    private static double nearFactor(double p) {
        int i = p < 0.25 ? 0 : 10;
        double t = fma(p, NEAR[i + 8], NEAR[i + 9]);
        double t2 = t * t;
        double t4 = t2 * t2;
        double a01 = fma(NEAR[i + 1], t, NEAR[i]);
        double a23 = fma(NEAR[i + 3], t, NEAR[i + 2]);
        double a45 = fma(NEAR[i + 5], t, NEAR[i + 4]);
        double a67 = fma(NEAR[i + 7], t, NEAR[i + 6]);
        return fma(fma(a67, t2, a45), t4, fma(a23, t2, a01));
    }

    /**
     * Initial guess for 18 &lt;= z &lt; +Inf: W(2^u) as a degree-7 polynomial of u = log2 z on the
     * half-binades [2^k (1 + s/2), 2^k (1 + (s+1)/2)) of u, k = 2..9, s = 0, 1 (16 pieces, u in
     * [4.17, 1024)), t = u 2^(2-k) - (5 + 2s) in [-1, 1). W(2^u) is analytic in u except at
     * u = (-1 +- i pi)/ln 2 (z = -1/e), far from every piece relative to its width, so the relative
     * error is &lt; 2.3e-10 (&lt; 5e-11 for u &gt;= 128; {@code generate_lambertw_tables.py --errors}
     * prints it per piece); the Newton step's error e^2 |w| / 2 then stays &lt; 1e-18.
     *
     * <p>u needs only ~1e-9 absolute accuracy, so it is computed inline instead of calling
     * {@code Math.log} (a stub call, about a third of the evaluation time): u = e + log2 c_j +
     * log2(1 + r), with e the binary exponent, c_j the centre of the 1/64-th of [1, 2) that holds
     * the mantissa m, r = m/c_j - 1 (|r| &lt; 1/128) and the degree-4 Taylor polynomial of
     * log2(1 + r) (truncation &lt; 9e-12). The piece is found from the integer e alone (its
     * binade k and next bit s), since log2 m is in [0, 1) and the piece ends are integers.
     */
    private static double largeGuess(double z) {
        long bits = Double.doubleToRawLongBits(z);
        int biased = (int) (bits >>> 52); // z is positive and normal
        int j = 2 * ((int) (bits >>> 46) & 63);
        double m = Double.longBitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L);
        double r = fma(m, LOG2_TABLE[j], -1.0);
        int e = biased - 1023;
        int k = 31 - Integer.numberOfLeadingZeros(e); // 2..9
        int i = (2 * k - 4 + ((e >> (k - 1)) & 1)) << 4; // piece (k, s)
        double scale = Double.longBitsToDouble((long) (1025 - k) << 52); // 2^(2-k)
        // e as a double, exactly, without an int-to-double conversion (on x86 that merges into
        // its destination register: a false dependency between loop iterations).
        double ed = Double.longBitsToDouble(0x4330_0000_0000_0000L | biased) - (0x1p52 + 1023);
        // t = u 2^(2-k) - (5 + 2s) = [(e + log2 c_j) 2^(2-k) - (5 + 2s)] + 2^(2-k) log2(1 + r):
        // the bracket is ready while r is pending, and the scaling is folded into r. The offset
        // -(5 + 2s) is stored after the coefficients of the piece.
        double t0 = fma(ed + LOG2_TABLE[j + 1], scale, LARGE[i + 8]);
        double t = fma(r * scale, fma(r * r, fma(r, LOG2_K4, LOG2_K3), fma(r, LOG2_K2, LOG2_K1)), t0);
        double t2 = t * t;
        double t4 = t2 * t2;
        double a01 = fma(LARGE[i + 1], t, LARGE[i]);
        double a23 = fma(LARGE[i + 3], t, LARGE[i + 2]);
        double a45 = fma(LARGE[i + 5], t, LARGE[i + 4]);
        double a67 = fma(LARGE[i + 7], t, LARGE[i + 6]);
        return fma(fma(a67, t2, a45), t4, fma(a23, t2, a01));
    }

    /**
     * The Newton step of {@link #refine} for the middle regime, with e^{-w} taken from the piece
     * instead of the general exponential: each piece also stores a point W_c (the middle of its
     * W range) and e^{-W_c} as a double-double, so that e^{-w} = e^{-W_c} e^{-d}, d = w - W_c,
     * |d| &lt; 0.0753, and e^{-d} = 1 - d + d^2 Q(d) with the Taylor polynomial Q of degree 7
     * (truncation d^10/10! &lt; 1.7e-18, at the largest pieces where 1 + W &gt; 2.9).
     *
     * <p>Why: z e^{-W_c} and its rounding error are ready long before w (they depend on z and
     * the piece only), and there is no reduction, no table lookup and no scaling after w, so
     * the chain from w to the result is ~9 cycles shorter than in {@link #refine}, for the same
     * number of operations.
     *
     * <p>Accuracy: with a = fl(z E_hi), aLo' = (z E_hi - a) + z E_lo and h + hl = a d exactly,
     * g = w - z e^{-w} = [((w - a) + h)] + hl - a d^2 Q(d) - aLo' (1 - d) + O(2^-66 |w|).
     * w - a is exact (Sterbenz: a = w e^d), so is (w - a) + h (both terms within a factor 2,
     * opposite signs), and the rest is &lt; 0.003 |w| with one or two roundings: g is accurate to
     * ~2^-60 |w| (plus, where d = w - W_c is not exact because W crosses 0, 2^-53 |d| &lt; 2^-56.8
     * relative to e^{-w} while 1 + w &gt; 0.9), i.e. the result to 0.5 ulp + &lt; 0.06 ulp.
     */
    private static double refineMid(double z, double w, int i) {
        double inv = 1.0 / (1.0 + w);
        double eHi = MID[i + 8];
        double a = z * eHi;
        double aLo = fma(z, eHi, -a) + z * MID[i + 9]; // z e^{-W_c} - a, to ~2^-106 |a|
        double d = w - MID[i + 7];
        double h = a * d;
        double hl = fma(a, d, -h); // exact: h + hl = a d
        double d2 = d * d;
        double q = fma(fma(fma(d, QM7, QM6), d2, fma(d, QM5, QM4)), d2 * d2,
            fma(fma(d, QM3, QM2), d2, fma(d, QM1, QM0))); // (e^{-d} - 1 + d)/d^2
        double rest = fma(a * d2, q, fma(-aLo, d, aLo) - hl);
        double g = ((w - a) + h) - rest;
        return fma(g, -inv, w);
    }

    /**
     * One Newton step for g(w) = w - z e^{-w} = 0 from a guess w with relative error &lt; 1e-9;
     * returns the refined W.
     *
     * <p>Step. g' = 1 + z e^{-w} = (1 + w) - g, so the Newton step w - g/g' equals
     * w - g/(1 + w) up to a relative change O(g) of a correction that is itself ~1e-9 |w|; the
     * quadratic error of the step, e^2 |w| / (2 (1 + w)) for a relative guess error e, is
     * &lt; 1e-18 relative for the guesses used here (checked in high precision). 1/(1 + w) depends
     * on w only, so the division runs in parallel with the exponential.
     *
     * <p>Error budget. The rounding of the final fma (0.5 ulp), plus the error of the residual g
     * divided by 1 + W (the condition number of W). With {@code Math.exp} the residual would carry
     * ~1 ulp of |w|, i.e. 1-2 ulp in W around W = 0..1 and unbounded towards W = -1. Here
     * e^{-w} = 2^m (tHi + eLo): tHi = 2^(j/64) rounded, eLo = tHi (e^r - 1) + tLo with
     * |eLo| &lt; 0.0055 tHi, accurate to ~2^-60 tHi; z e^{-w} = a + aLo + b where a = fl(zs tHi),
     * aLo its exact error (fma) and b the small part. Then g = ((w - a) - aLo) - b with w - a
     * exact (Sterbenz: a = w (1 + O(0.006))). So g is accurate to ~2^-59 |w| and the result to
     * 0.5 ulp + 2^-59 |w| / (1 + w): at most ~0.76 ulp next to p = 1/16 (measured 0.68), and
     * 0.5 + 2^-6 ulp for w &gt; 0.
     *
     * <p>No overflow or underflow for 2^-26 &lt;= |z| &lt;= Double.MAX_VALUE: w &lt;= 703.3,
     * m = floor(n/64) in [-1016, 1] and z 2^m in [2^-28, 2^10]; all quantities are normal.
     */
    private static double refine(double z, double w) {
        double inv = 1.0 / (1.0 + w);
        double x = -w;
        // n = round(x 64/ln2) read off the low bits of x 64/ln2 + 1.5 2^52 (|n| < 2^17), which is
        // shorter than rint + conversion; nd = n as a double, exactly.
        double shifted = fma(x, INV_LN2_64, ROUND_MAGIC);
        int n = (int) Double.doubleToRawLongBits(shifted);
        double nd = shifted - ROUND_MAGIC;
        double rHi = fma(-nd, LN2_64_HI, x); // exact (see LN2_64_HI)
        double rLo = -nd * LN2_64_LO; // |rLo| < 65536 * 2.6e-14 = 1.7e-9: matters in r^2
        double r = rHi + rLo; // rounding 2^-61
        double r2 = r * r;
        int j = 2 * (n & 63);
        double tHi = EXP2_TABLE[j];
        // zs = z 2^m, exact: 2^m built from its bits.
        double zs = z * Double.longBitsToDouble((long) ((n >> 6) + 1023) << 52);
        // z e^x = zs (tHi + tLo) (1 + r + r^2/2 + ... + r^6/720) = a + aLo + b:
        double a = zs * tHi;
        double aLo = fma(zs, tHi, -a); // exact error of a
        double pre = fma(tHi, r, EXP2_TABLE[j + 1]); // tHi r + tLo
        // e^r - 1 - r = r^2 (1/2 + r/6) + r^4 (1/24 + r/120 + r^2/720): depends on r only
        double er = fma(r2 * r2, fma(r2, INV720, fma(r, INV120, INV24)), r2 * fma(r, INV6, INV2));
        // g = w - z e^x = ((w - a) - aLo) - (a er + zs pre). w - a is exact and |w - a| is about
        // |r w| < 0.0055 |w|, so subtracting aLo rounds by < 2^-60.5 |w|; a er + zs pre has the
        // same size and one rounding. Grouped so that the chain after r is as short as possible.
        double g = ((w - a) - aLo) - fma(a, er, zs * pre);
        return fma(g, -inv, w);
    }

    private static double fma(double a, double b, double c) {
        return Math.fma(a, b, c);
    }

    // ---------------------------------------------------------------------------------------------
    // Tables. Every entry, like the values of INV_E_HI/LO, INV_E_FLOAT, HALF_NEG_INV_E, TWO_E,
    // MIDDLE_FLOAT_MIN, MU2..MU12, INV_LN2_64, LN2_64_HI/LO and LOG2_K1..K4 above, is written by
    // scripts/generate_lambertw_tables.py from its definition, which the script states: mpmath at
    // 50 digits, rounded once to nearest; polynomial coefficients by interpolation at the
    // degree + 1 Chebyshev nodes (first kind) of each piece, converted to the monomial basis.
    // To change a value, change its definition there and run
    // `python3 scripts/generate_lambertw_tables.py --write` (it rewrites only the initializers),
    // then `python3 scripts/port_lambertw_kernel.py`; scripts/check-lambertw-tables.sh (CI) fails
    // while a value here differs from the script's. Hexadecimal literals are exact.

    /** 2^(j/64), j = 0..63, as pairs (hi, lo): hi = nearest double, lo = (2^(j/64) - hi) rounded. */
    private static final double[] EXP2_TABLE = {
        0x1.0000000000000p+0, 0.0,
        0x1.02c9a3e778061p+0, -0x1.19083535b085dp-56,
        0x1.059b0d3158574p+0, 0x1.d73e2a475b465p-55,
        0x1.0874518759bc8p+0, 0x1.186be4bb284ffp-57,
        0x1.0b5586cf9890fp+0, 0x1.8a62e4adc610bp-54,
        0x1.0e3ec32d3d1a2p+0, 0x1.03a1727c57b53p-59,
        0x1.11301d0125b51p+0, -0x1.6c51039449b3ap-54,
        0x1.1429aaea92de0p+0, -0x1.32fbf9af1369ep-54,
        0x1.172b83c7d517bp+0, -0x1.19041b9d78a76p-55,
        0x1.1a35beb6fcb75p+0, 0x1.e5b4c7b4968e4p-55,
        0x1.1d4873168b9aap+0, 0x1.e016e00a2643cp-54,
        0x1.2063b88628cd6p+0, 0x1.dc775814a8495p-55,
        0x1.2387a6e756238p+0, 0x1.9b07eb6c70573p-54,
        0x1.26b4565e27cddp+0, 0x1.2bd339940e9d9p-55,
        0x1.29e9df51fdee1p+0, 0x1.612e8afad1255p-55,
        0x1.2d285a6e4030bp+0, 0x1.0024754db41d5p-54,
        0x1.306fe0a31b715p+0, 0x1.6f46ad23182e4p-55,
        0x1.33c08b26416ffp+0, 0x1.32721843659a6p-54,
        0x1.371a7373aa9cbp+0, -0x1.63aeabf42eae2p-54,
        0x1.3a7db34e59ff7p+0, -0x1.5e436d661f5e3p-56,
        0x1.3dea64c123422p+0, 0x1.ada0911f09ebcp-55,
        0x1.4160a21f72e2ap+0, -0x1.ef3691c309278p-58,
        0x1.44e086061892dp+0, 0x1.89b7a04ef80d0p-59,
        0x1.486a2b5c13cd0p+0, 0x1.3c1a3b69062f0p-56,
        0x1.4bfdad5362a27p+0, 0x1.d4397afec42e2p-56,
        0x1.4f9b2769d2ca7p+0, -0x1.4b309d25957e3p-54,
        0x1.5342b569d4f82p+0, -0x1.07abe1db13cadp-55,
        0x1.56f4736b527dap+0, 0x1.9bb2c011d93adp-54,
        0x1.5ab07dd485429p+0, 0x1.6324c054647adp-54,
        0x1.5e76f15ad2148p+0, 0x1.ba6f93080e65ep-54,
        0x1.6247eb03a5585p+0, -0x1.383c17e40b497p-54,
        0x1.6623882552225p+0, -0x1.bb60987591c34p-54,
        0x1.6a09e667f3bcdp+0, -0x1.bdd3413b26456p-54,
        0x1.6dfb23c651a2fp+0, -0x1.bbe3a683c88abp-57,
        0x1.71f75e8ec5f74p+0, -0x1.16e4786887a99p-55,
        0x1.75feb564267c9p+0, -0x1.0245957316dd3p-54,
        0x1.7a11473eb0187p+0, -0x1.41577ee04992fp-55,
        0x1.7e2f336cf4e62p+0, 0x1.05d02ba15797ep-56,
        0x1.82589994cce13p+0, -0x1.d4c1dd41532d8p-54,
        0x1.868d99b4492edp+0, -0x1.fc6f89bd4f6bap-54,
        0x1.8ace5422aa0dbp+0, 0x1.6e9f156864b27p-54,
        0x1.8f1ae99157736p+0, 0x1.5cc13a2e3976cp-55,
        0x1.93737b0cdc5e5p+0, -0x1.75fc781b57ebcp-57,
        0x1.97d829fde4e50p+0, -0x1.d185b7c1b85d1p-54,
        0x1.9c49182a3f090p+0, 0x1.c7c46b071f2bep-56,
        0x1.a0c667b5de565p+0, -0x1.359495d1cd533p-54,
        0x1.a5503b23e255dp+0, -0x1.d2f6edb8d41e1p-54,
        0x1.a9e6b5579fdbfp+0, 0x1.0fac90ef7fd31p-54,
        0x1.ae89f995ad3adp+0, 0x1.7a1cd345dcc81p-54,
        0x1.b33a2b84f15fbp+0, -0x1.2805e3084d708p-57,
        0x1.b7f76f2fb5e47p+0, -0x1.5584f7e54ac3bp-56,
        0x1.bcc1e904bc1d2p+0, 0x1.23dd07a2d9e84p-55,
        0x1.c199bdd85529cp+0, 0x1.11065895048ddp-55,
        0x1.c67f12e57d14bp+0, 0x1.2884dff483cadp-54,
        0x1.cb720dcef9069p+0, 0x1.503cbd1e949dbp-56,
        0x1.d072d4a07897cp+0, -0x1.cbc3743797a9cp-54,
        0x1.d5818dcfba487p+0, 0x1.2ed02d75b3707p-55,
        0x1.da9e603db3285p+0, 0x1.c2300696db532p-54,
        0x1.dfc97337b9b5fp+0, -0x1.1a5cd4f184b5cp-54,
        0x1.e502ee78b3ff6p+0, 0x1.39e8980a9cc8fp-55,
        0x1.ea4afa2a490dap+0, -0x1.e9c23179c2893p-54,
        0x1.efa1bee615a27p+0, 0x1.dc7f486a4b6b0p-54,
        0x1.f50765b6e4540p+0, 0x1.9d3e12dd8a18bp-54,
        0x1.fa7c1819e90d8p+0, 0x1.74853f3a5931ep-55,
    };

    /**
     * Middle-regime pieces: 36 x (7 monomial coefficients of R(v) in t, constant first; then W_c,
     * the middle of the piece's W range, and e^{-W_c} = hi + lo for {@link #refineMid}; then six
     * zeros). Rows are padded to 16 entries so that a piece's offset is a shift rather than a
     * multiplication, which is on the critical path (BENCHMARKS.md).
     */
    private static final double[] MID = {
        0x1.b9b8cf841ca4cp+0, -0x1.34766d6a28512p-5, 0x1.c4604af76f9a5p-10, -0x1.c24dbece9ad63p-14, 0x1.05d6e681f06bbp-17, -0x1.521c37c7757abp-21, 0x1.c9d1a67ff7972p-25, -0x1.17b0774641183p-1, 0x1.ba0f5cf95ee1ep+0, 0x1.d2d1ababe4dedp-54, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.a8048fd30018ep+0, -0x1.04c3574706c84p-5, 0x1.42379cbd2eee6p-10, -0x1.09e462e595914p-14, 0x1.fd768d871287ep-19, -0x1.0d0c7a4f4fc7dp-22, 0x1.2ac0a93829d90p-26, -0x1.02a3f03164384p-1, 0x1.a84140dafd161p+0, -0x1.06ab81b916148p-57, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.98dcdb0f811d0p+0, -0x1.c3b9889468365p-6, 0x1.e428c451dffeap-11, -0x1.55fd0446479aap-15, 0x1.16f4c5c3a70e7p-19, -0x1.f33f1160d1803p-24, 0x1.d626fdb2d49d4p-28, -0x1.dfe114374aa48p-2, 0x1.9909e0abae3bbp+0, -0x1.5ab47a71a7fd7p-55, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.8b9db9b90fe8dp+0, -0x1.8e43655fb047ap-6, 0x1.79f3218938f03p-11, -0x1.d38b8b7aac76dp-16, 0x1.4c696c728eff1p-20, -0x1.024ce14a48ad3p-24, 0x1.a691eb8223b15p-29, -0x1.be10978749f65p-2, 0x1.8bc07f71d4571p+0, 0x1.981b574ce546ep-58, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.7a7031d2cf0e5p+0, -0x1.51deb4f034e33p-5, 0x1.12a1562e5e1fdp-9, -0x1.1f00d65fcc10dp-13, 0x1.56bc169b665dfp-17, -0x1.c1e693f765004p-21, 0x1.33df4c6608993p-24, -0x1.9150525c195fbp-2, 0x1.7ad4459c51f23p+0, 0x1.ca10aa6d4f93fp-55, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.673902cd03bd4p+0, -0x1.1870342af19c4p-5, 0x1.807b33b9605b0p-10, -0x1.4df59703244bdp-14, 0x1.494f5e240f8cbp-18, -0x1.62378bd7b8211p-22, 0x1.8e21e34d0fde5p-26, -0x1.5ba9c6b5bc2afp-2, 0x1.677dfc0790326p+0, -0x1.816b537517871p-54, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.570d471d93633p+0, -0x1.de347616a5c59p-6, 0x1.1c75b6926d1acp-10, -0x1.a7d558483cf3fp-15, 0x1.6485c18fe97d5p-19, -0x1.4566a47295919p-23, 0x1.3693429ae86b1p-27, -0x1.2c510d2ef3459p-2, 0x1.573fad983c61cp+0, 0x1.65ad8ca3c2c52p-54, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.49201c8c77ff0p+0, -0x1.9fcdbaa900fd5p-6, 0x1.b60d834362755p-11, -0x1.1e345ee4bf536p-15, 0x1.a45b3c7a4bbb9p-20, -0x1.4d994aa0c10c4p-24, 0x1.14de4af22a894p-28, -0x1.01c22a6fc3e96p-2, 0x1.49468519f4322p+0, -0x1.f565a901f2327p-54, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.375a270f762c2p+0, -0x1.5a6c49e69a692p-5, 0x1.3889587b90ee2p-9, -0x1.599b62ad04701p-13, 0x1.ab1ecfe0b25ebp-17, -0x1.1edf6251cefc0p-20, 0x1.8ee9116c37b1fp-24, -0x1.93adf2dab7ccfp-3, 0x1.37c6c8607d6f7p+0, -0x1.67a34a59f4f2dp-54, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.23d983e8251d9p+0, -0x1.19b983858e0dap-5, 0x1.ac6f7a4cb8950p-10, -0x1.8a66c2335bb68p-14, 0x1.9345a1fcdabb9p-18, -0x1.bca71326954a2p-22, 0x1.fc98c159f8b75p-26, -0x1.0e6c7d2405cc8p-3, 0x1.2422e1600efb6p+0, -0x1.1acf95d88af5cp-54, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.13be9a5b6ed49p+0, -0x1.d8230a8236269p-6, 0x1.3743200ebec54p-10, -0x1.ec07d6ba2fb89p-15, 0x1.adce5ca1dc023p-19, -0x1.92ae7fbaa4e06p-23, 0x1.879fd74aed3b9p-27, -0x1.3360c8a87cccdp-4, 0x1.13f349627c115p+0, 0x1.b3e40fa7ab6a7p-55, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.061907019ce88p+0, -0x1.94633660f71c9p-6, 0x1.d7b43439711a1p-11, -0x1.4733457bfe65ap-15, 0x1.f39d5f4d6f047p-20, -0x1.97761098dd0a5p-24, 0x1.58f4e9af2c6e7p-28, -0x1.8b556ff6aceb5p-6, 0x1.0640914b49d50p+0, -0x1.8906195af56e1p-55, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.e9f53689099d1p-1, -0x1.4a6e4092ac59bp-5, 0x1.4991ff0151cfep-9, -0x1.832815dc12ac1p-13, 0x1.f20e55e8114b5p-17, -0x1.585b5c5897d89p-20, 0x1.e91039bb29099p-24, 0x1.5a2dc7c5260dap-5, 0x1.ead089dd0e4b8p-1, 0x1.807cfb5159f8dp-56, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.c526bf3683c29p-1, -0x1.06faa38968cadp-5, 0x1.b93d8c26045dap-10, -0x1.afa3d0932c834p-14, 0x1.cbec8de8d408fp-18, -0x1.05536d7ae94e5p-21, 0x1.31b2c3f2cf29cp-25, 0x1.ef0112f2f1e7fp-4, 0x1.c5b7974b8c051p-1, -0x1.a5f852483153bp-55, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.a75a97f1928b0p-1, -0x1.b0d37066c7555p-6, 0x1.3a35cc2be52e4p-10, -0x1.07e67d541e843p-14, 0x1.e0cb12936c1c4p-19, -0x1.d0a4ec4e4caadp-23, 0x1.ce9f1d2163c09p-27, 0x1.836e217052fc1p-3, 0x1.a7c0a86f12190p-1, -0x1.b0ccfc744c4e9p-55, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.8e8688a49c8c8p-1, -0x1.6d02c2dd302ecp-6, 0x1.d3fb3013eb2bfp-11, -0x1.58e04a0a96f7ep-15, 0x1.12b1d8f739868p-19, -0x1.ce7596cab3235p-24, 0x1.9121330889922p-28, 0x1.ff9ed909280e6p-3, 0x1.8ed1e4bf55d01p-1, 0x1.656470db64647p-57, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.6fec87b3667cep-1, -0x1.246ca71950cdap-5, 0x1.3fc36abde1752p-9, -0x1.8eddc78ff0ee2p-13, 0x1.0bbfb3e8df364p-16, -0x1.7e948df95e185p-20, 0x1.168f4209005ddp-23, 0x1.5027d97e8c7bbp-2, 0x1.70b9451383443p-1, 0x1.177e9c5a06558p-55, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.4fb30ae837ed4p-1, -0x1.c7817ad62a14dp-6, 0x1.a1b03a4ece34bp-10, -0x1.b17d2c0ce055cp-14, 0x1.e213a50cb6b8fp-18, -0x1.1b21c90c47426p-21, 0x1.53dc567ae19dfp-25, 0x1.aeaa8eaa50a3cp-2, 0x1.503726a65461cp-1, -0x1.1f428164b8e9cp-56, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.361f1cc2a2886p-1, -0x1.7037af144588dp-6, 0x1.23660444b8483p-10, -0x1.0366e0dd044e0p-14, 0x1.ed2ca8f6493dfp-19, -0x1.ecb6e82fa624bp-23, 0x1.f79ffe301d9c5p-27, 0x1.001ba33f3dca1p-1, 0x1.367a6ce019c28p-1, -0x1.86118756ddfcap-56, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.21286fb6ddc83p-1, -0x1.31dc1f8cc59b9p-6, 0x1.aa78c4e364a1bp-11, -0x1.4ccb0cb534275p-15, 0x1.14892dccb8988p-19, -0x1.e14aa0a900162p-24, 0x1.acb25b3c3c7a9p-28, 0x1.2412ce1e0ce67p-1, 0x1.216ac2612c864p-1, -0x1.590ade63c51a6p-56, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.07c1cb754260ap-1, -0x1.e0d5286b3c75ap-6, 0x1.1d0444710a703p-9, -0x1.77eed27848206p-13, 0x1.072120d902321p-16, -0x1.84d9d6b587a5ap-20, 0x1.22c872cc7fb9dp-23, 0x1.5245522260c33p-1, 0x1.0872571fbc5dfp-1, 0x1.12b24d024557bp-55, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.db10d30120475p-2, -0x1.6edf902de840fp-6, 0x1.6b71d481c2d07p-10, -0x1.8e291f90f91c0p-14, 0x1.cd533c6f4140ap-18, -0x1.1812836d22232p-21, 0x1.594cf080a46e0p-25, 0x1.8849e9c10e917p-1, 0x1.dbef8e297cc0fp-2, 0x1.440bd51a8da4bp-58, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.b234a6e78d2f3p-2, -0x1.23a4a1db7daccp-6, 0x1.f1354d7e3b407p-11, -0x1.d27d17571803ep-15, 0x1.cda119fcb52d8p-19, -0x1.dc7b9204f508bp-23, 0x1.f42e894e98683p-27, 0x1.b693989d68001p-1, 0x1.b2cbc78845158p-2, -0x1.9b283ad25c840p-56, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.913aa88ce824dp-2, -0x1.ddbe40d6db8d4p-7, 0x1.65d861422aef5p-11, -0x1.25e39e5c93c04p-15, 0x1.fc0a8e073d6a6p-20, -0x1.c88438ac97ec0p-24, 0x1.a186929bddbd0p-28, 0x1.df2ca6cfd0258p-1, 0x1.91a6bab7b3b3ep-2, 0x1.41d3e5a9b0dbap-56, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.69e597e34f67ap-2, -0x1.7103311140f17p-6, 0x1.d47c4523c5252p-10, -0x1.448ed1cbb79d0p-13, 0x1.d8105792f6681p-17, -0x1.681db6a7d1307p-20, 0x1.1464407865308p-23, 0x1.097d7a1411439p+0, 0x1.6affd2b601555p-2, -0x1.37c66d484d1f2p-56, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.4204467b3ccbdp-2, -0x1.14597967d61b9p-6, 0x1.2422de84ee889p-10, -0x1.4f7a6314ef2c7p-14, 0x1.935051d0d2af6p-18, -0x1.f9024acc9bb92p-22, 0x1.3f58ee5e7eaf3p-25, 0x1.279e11c993125p+0, 0x1.42b29f52bd4f9p-2, 0x1.cd87ca1b2d4e3p-56, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.2377bab03edf3p-2, -0x1.b0ce3a0454055p-7, 0x1.888ad2b1c9786p-11, -0x1.815a66c08686fp-15, 0x1.8b339dbfb3c1cp-19, -0x1.a4418dc07d4ffp-23, 0x1.c44c927af9094p-27, 0x1.4146b18e9f75cp+0, 0x1.23ec0c48757bep-2, -0x1.29987bd5666e6p-58, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.0b267fd3c53c1p-2, -0x1.5e158fc5cbf91p-7, 0x1.16519434eb324p-11, -0x1.dd950875af820p-16, 0x1.ab57a7494f371p-20, -0x1.8b47f9a811046p-24, 0x1.727425d5c7aeap-28, 0x1.57ab8e9279ec4p+0, 0x1.0b7884a6f0f9fp-2, 0x1.6f39dd38a1e6bp-56, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.dd188d4aa7f99p-3, -0x1.0a44a590e2231p-6, 0x1.65b1b3ebc0ffcp-10, -0x1.025b90c8987bcp-13, 0x1.8479af5e6539dp-17, -0x1.30e412e87d20dp-20, 0x1.df319acedf7eep-24, 0x1.7415e73eb3323p+0, 0x1.debdb3058ed81p-3, 0x1.aaf788cff92e5p-58, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.a401a72409726p-3, -0x1.885c88a8bf8d5p-7, 0x1.b5735d9de3a9ep-11, -0x1.054d0665b7c9ep-14, 0x1.443e035ed70a7p-18, -0x1.a11997a5455f9p-22, 0x1.0dd2ddca7a919p-25, 0x1.94fc66ada1518p+0, 0x1.a5010edf9e326p-3, -0x1.5611136de0a29p-62, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.78e990539501dp-3, -0x1.2f45d58ce6ae2p-7, 0x1.21556d59c74d2p-11, -0x1.26f414dca7a74p-15, 0x1.37cf59e791f38p-19, -0x1.543ff1ab57acdp-23, 0x1.765336ce3d90bp-27, 0x1.b0dcb41581420p+0, 0x1.799178218d857p-3, 0x1.fb6dd120a9bdep-60, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.5703dc4f9846ap-3, -0x1.e55da8b19bf97p-8, 0x1.9501951172e2cp-12, -0x1.684c306362b03p-16, 0x1.4bf3d38d0f215p-20, -0x1.3ac6251b0f3eep-24, 0x1.2d58ded0d6647p-28, 0x1.c91769b9bca0cp+0, 0x1.5778d2773474ep-3, -0x1.8b4b96d804392p-57, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.2f9e4064f6f5cp-3, -0x1.6c536e8c7b943p-7, 0x1.00289970f2e91p-10, -0x1.7ef4e74da4371p-14, 0x1.280698b84960fp-17, -0x1.dc076f22d6057p-21, 0x1.7dc4e4498019cp-24, 0x1.e7b13bde90caep+0, 0x1.30c62bba6dee9p-3, -0x1.29607df652876p-57, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.08d3f04e2d411p-3, -0x1.08bd53649ff0dp-7, 0x1.3419a9c5ae586p-11, -0x1.7c2828cd0e8e7p-15, 0x1.e445ccffc5abdp-19, -0x1.3ea090d15657ep-22, 0x1.a44babf1d355dp-26, 0x1.057ef173efaefp+1, 0x1.0984991696f89p-3, -0x1.207d76899d0c6p-57, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.d7d1440001c15p-4, -0x1.94c921ba1a215p-8, 0x1.9234a95f87a7dp-12, -0x1.a6cba351f9b9dp-16, 0x1.ca45065cf2bbep-20, -0x1.fef48d032b4b1p-24, 0x1.1e5108efd73b3p-27, 0x1.14632d11e32e3p+1, 0x1.d8b6a9b3b8973p-4, -0x1.70ea69691446fp-60, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.aac6b7426e08fp-4, -0x1.410084c137118p-8, 0x1.16751d6db2572p-12, -0x1.fe318fb1ad53dp-17, 0x1.e172940432decp-21, -0x1.d209447744eedp-25, 0x1.c62cd53f7d71ap-29, 0x1.2149a2a468e5ap+1, 0x1.ab64e286105a7p-4, 0x1.a30f42f27b6b3p-58, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    };

    /**
     * Near-branch pieces [1/16, 1/4] and [1/4, 1/2]: 8 monomial coefficients of R(p) in t (constant
     * first), then scale and offset of t = p scale + offset.
     */
    private static final double[] NEAR = {
        0x1.2be107dee94fcp+1, -0x1.9780c6a4dce33p-3, 0x1.cc5418a82ce8bp-7, -0x1.e83cb373b66a0p-11, 0x1.f644930aa8a08p-15, -0x1.fbb2a675284c2p-19, 0x1.ff53c1757c143p-23, -0x1.fb0a92887487cp-27, 0x1.5555555555555p+3, -0x1.aaaaaaaaaaaabp+0,
        0x1.f1d9af6abc204p+0, -0x1.8ed931e2af452p-3, 0x1.08d37c6541f2cp-6, -0x1.49b88863be244p-10, 0x1.8dd8f205d1d8fp-14, -0x1.d774d23da9521p-18, 0x1.17093ded7f8acp-21, -0x1.442fd8231acd2p-25, 0x1.0000000000000p+3, -0x1.8000000000000p+1,
    };

    /**
     * Large-regime pieces: 16 x (8 monomial coefficients of W(2^u) in t, constant first, then the
     * offset -(5 + 2s) of t; then seven zeros: rows of 16, as in {@link #MID}).
     */
    private static final double[] LARGE = {
        0x1.44879f66b9b23p+1, 0x1.fd04820f09ebfp-2, 0x1.c3a6e176666ddp-7, -0x1.0fe5162065622p-10, 0x1.1dc6f878b8d27p-14, -0x1.8077f4e7efc21p-19, -0x1.03cbc50dbb612p-23, 0x1.7ea2aa5af56b0p-25, -0x1.4000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.c9e816d215875p+1, 0x1.155c2d66219f4p-1, 0x1.259e2ea11cbb9p-7, -0x1.3ed8fc22827f1p-11, 0x1.510f03d10b189p-15, -0x1.3b20ea24c9994p-19, 0x1.a54595e34bcbbp-24, 0x1.1e50aac1cfccdp-31, -0x1.c000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.513ffcfb341d9p+2, 0x1.2a491ec5d51a8p+0, 0x1.50a441af6f19cp-6, -0x1.2e03a77d62acap-9, 0x1.1823b704e9d57p-12, -0x1.fc2ae9d87122ap-16, 0x1.b481b808b25f8p-19, -0x1.3f6fa0e23091dp-22, -0x1.4000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.eab2161ff12d3p+2, 0x1.39f1ca51f151cp+0, 0x1.72cc98bb86566p-7, -0x1.0591f01c5ed71p-10, 0x1.89cc6217ce817p-14, -0x1.2d46bec43326ap-17, 0x1.d0632b2a98ca9p-21, -0x1.55b38bb0d827ep-24, -0x1.c000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.6da9b7b3eb24cp+3, 0x1.46554c33b283bp+1, 0x1.76f88360405acp-6, -0x1.88545e03a6965p-9, 0x1.be75e92e217c6p-12, -0x1.07959c8406c18p-14, 0x1.4a909f7d87a65p-17, -0x1.8c87c45d83651p-20, -0x1.4000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.0994a61048496p+4, 0x1.4eb9c6ce8184dp+1, 0x1.7f8c1ed127468p-7, -0x1.26cd60297ad01p-10, 0x1.f2ac8ab893a47p-14, -0x1.b9fec8706e377p-17, 0x1.9cb84e16e9765p-20, -0x1.7c4b62e295aabp-23, -0x1.c000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.886b199102ac6p+4, 0x1.54fd0184d346cp+2, 0x1.737245a8a6902p-6, -0x1.95108d07b6cf0p-9, 0x1.e958b30b59fd5p-12, -0x1.37fd1c0b8fb64p-14, 0x1.b339c0ff018bap-17, -0x1.243f864fce33ep-19, -0x1.4000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.1a078565ef80ep+5, 0x1.591a2c845f577p+2, 0x1.74bbff07e2a64p-7, -0x1.237b27e9a25b0p-10, 0x1.fbb4515cef34ap-14, -0x1.d425bcd0a3542p-17, 0x1.ccbf3c9d9c68cp-20, -0x1.c2266c1e73cb4p-23, -0x1.c000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.9c147a18e457cp+5, 0x1.5c21ffb8c5855p+3, 0x1.6677604687bb9p-6, -0x1.884056e9c936fp-9, 0x1.df248f9cd0866p-12, -0x1.36dd6fdb70c7bp-14, 0x1.bd7984e097255p-17, -0x1.33dbc0df21065p-19, -0x1.4000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.255982e147349p+6, 0x1.5e1e0710a9301p+3, 0x1.67c2ded8328cbp-7, -0x1.187a455d6ac70p-10, 0x1.e996460a46304p-14, -0x1.c64a18b06034ap-17, 0x1.c3ee86ead2db1p-20, -0x1.bf611134902f9p-23, -0x1.c000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.a8f393bd20e84p+6, 0x1.5f94fc1a7bd54p+4, 0x1.5b32c79d66edcp-6, -0x1.79a5c635a5f88p-9, 0x1.cc218ebc1f08ap-12, -0x1.2a94700d653cfp-14, 0x1.ad37305cc5c69p-17, -0x1.2a0040cd36c2bp-19, -0x1.4000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.2c815b5f11625p+7, 0x1.608b85ac18f22p+4, 0x1.5e0357324b5d1p-7, -0x1.0f0938d7caf4dp-10, 0x1.d70a3dac5c552p-14, -0x1.b3f93c4d54545p-17, 0x1.b14c2bcd8ce90p-20, -0x1.ad16f5026106ep-23, -0x1.c000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.b0dc12dc0164dp+7, 0x1.6142575bac8a4p+5, 0x1.53708a2004885p-6, -0x1.6ecf7a57e1ef4p-9, 0x1.bcc0c4188e3c3p-12, -0x1.1f8d18748bf60p-14, 0x1.9c34eac70dc7dp-17, -0x1.1db69aef28da1p-19, -0x1.4000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.30cf6c606f538p+8, 0x1.61bb19b73d6dep+5, 0x1.57a4011350ff3p-7, -0x1.088ee81e346b2p-10, 0x1.c9a38c16d580dp-14, -0x1.a5f5b63847041p-17, 0x1.a20272c856fb7p-20, -0x1.9cec62f08d581p-23, -0x1.c000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.b5887587001ffp+8, 0x1.621503a8c661ep+6, 0x1.4e8de6e940944p-6, -0x1.67c22c3fc8e73p-9, 0x1.b2691dc5f4f8ap-12, -0x1.17df8c84e618ap-14, 0x1.8fd97727a608ep-17, -0x1.146c69a973f90p-19, -0x1.4000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        0x1.3351c579714ecp+9, 0x1.62509d087d9f0p+6, 0x1.53bab3f711a1ep-7, -0x1.047c04bdbd73fp-10, 0x1.c103088f74ab2p-14, -0x1.9cb9ad02a15cep-17, 0x1.97ac75927aa93p-20, -0x1.91b8a481f0817p-23, -0x1.c000000000000p+2, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    };

    /**
     * log2 for the large-argument guess: pairs (1/c_j, log2 c_j), c_j = 1 + (j + 1/2)/64, j = 0..63;
     * 1/c_j is rounded to double and log2 c_j is -log2 of that rounded value, so that
     * log2 m = log2 c_j + log2(m/c_j) holds with the stored numbers.
     */
    private static final double[] LOG2_TABLE = {
        0x1.fc07f01fc07f0p-1, 0x1.6fe50b6ef085dp-7,
        0x1.f44659e4a4271p-1, 0x1.11cd1d513341bp-5,
        0x1.ecc07b301ecc0p-1, 0x1.c4dfab90aab6ap-5,
        0x1.e573ac901e574p-1, 0x1.3aa2fdd27f1bfp-4,
        0x1.de5d6e3f8868ap-1, 0x1.918a16e46335ep-4,
        0x1.d77b654b82c34p-1, 0x1.e72ec117fa5adp-4,
        0x1.d0cb58f6ec074p-1, 0x1.1dcd197552b7dp-3,
        0x1.ca4b3055ee191p-1, 0x1.476a9f983f74dp-3,
        0x1.c3f8f01c3f8f0p-1, 0x1.70742d4ef0280p-3,
        0x1.bdd2b899406f7p-1, 0x1.98edd077e70e1p-3,
        0x1.b7d6c3dda338bp-1, 0x1.c0db6cdd94defp-3,
        0x1.b2036406c80d9p-1, 0x1.e840be74e6a4dp-3,
        0x1.ac5701ac5701bp-1, 0x1.0790adbb03009p-2,
        0x1.a6d01a6d01a6dp-1, 0x1.1ac05b291f070p-2,
        0x1.a16d3f97a4b02p-1, 0x1.2db10fc4d9aaep-2,
        0x1.9c2d14ee4a102p-1, 0x1.406463b1b0448p-2,
        0x1.970e4f80cb872p-1, 0x1.52dbdfc4c96b5p-2,
        0x1.920fb49d0e229p-1, 0x1.6518fe4677ba6p-2,
        0x1.8d3018d3018d3p-1, 0x1.771d2ba7efb3cp-2,
        0x1.886e5f0abb04ap-1, 0x1.88e9c72e0b224p-2,
        0x1.83c977ab2beddp-1, 0x1.9a802391e2330p-2,
        0x1.7f405fd017f40p-1, 0x1.abe18797f1f4ap-2,
        0x1.7ad2208e0ecc3p-1, 0x1.bd0f2e9e79032p-2,
        0x1.767dce434a9b1p-1, 0x1.ce0a4923a587dp-2,
        0x1.724287f46debcp-1, 0x1.ded3fd442364cp-2,
        0x1.6e1f76b4337c7p-1, 0x1.ef6d67328e220p-2,
        0x1.6a13cd1537290p-1, 0x1.ffd799a83ff9cp-2,
        0x1.661ec6a5122f9p-1, 0x1.0809cf27f703dp-1,
        0x1.623fa77016240p-1, 0x1.10113b153c8eap-1,
        0x1.5e75bb8d015e7p-1, 0x1.18028cf72976bp-1,
        0x1.5ac056b015ac0p-1, 0x1.1fde3d30e8127p-1,
        0x1.571ed3c506b3ap-1, 0x1.27a4c0585cbf7p-1,
        0x1.5390948f40febp-1, 0x1.2f56875eb3f26p-1,
        0x1.5015015015015p-1, 0x1.36f3ffb6d9162p-1,
        0x1.4cab88725af6ep-1, 0x1.3e7d9379f7017p-1,
        0x1.49539e3b2d067p-1, 0x1.45f3a98a20738p-1,
        0x1.460cbc7f5cf9ap-1, 0x1.4d56a5b33cec5p-1,
        0x1.42d6625d51f87p-1, 0x1.54a6e8ca5438ep-1,
        0x1.3fb013fb013fbp-1, 0x1.5be4d0cb51435p-1,
        0x1.3c995a47babe7p-1, 0x1.6310b8f553049p-1,
        0x1.3991c2c187f63p-1, 0x1.6a2af9e5a0f0bp-1,
        0x1.3698df3de0748p-1, 0x1.7133e9b156c7bp-1,
        0x1.33ae45b57bcb2p-1, 0x1.782bdbfdda657p-1,
        0x1.30d190130d190p-1, 0x1.7f1322182cf16p-1,
        0x1.2e025c04b8097p-1, 0x1.85ea0b0b27b26p-1,
        0x1.2b404ad012b40p-1, 0x1.8cb0e3b4b3bbep-1,
        0x1.288b01288b013p-1, 0x1.9367f6da0ab2dp-1,
        0x1.25e22708092f1p-1, 0x1.9a0f8d3b0e050p-1,
        0x1.23456789abcdfp-1, 0x1.a0a7eda4c112dp-1,
        0x1.20b470c67c0d9p-1, 0x1.a7315d02f20c7p-1,
        0x1.1e2ef3b3fb874p-1, 0x1.adac1e711c833p-1,
        0x1.1bb4a4046ed29p-1, 0x1.b418734a9008cp-1,
        0x1.19453808ca29cp-1, 0x1.ba769b39e4964p-1,
        0x1.16e0689427379p-1, 0x1.c0c6d447c5dd3p-1,
        0x1.1485f0e0acd3bp-1, 0x1.c7095ae91e1c8p-1,
        0x1.12358e75d3033p-1, 0x1.cd3e6a0ca8908p-1,
        0x1.0fef010fef011p-1, 0x1.d3663b27f31d5p-1,
        0x1.0db20a88f4696p-1, 0x1.d9810643d6614p-1,
        0x1.0b7e6ec259dc8p-1, 0x1.df8f02086af2bp-1,
        0x1.0953f39010954p-1, 0x1.e59063c8822cep-1,
        0x1.073260a47f7c6p-1, 0x1.eb855f8ca88fcp-1,
        0x1.05197f7d73404p-1, 0x1.f16e281db7630p-1,
        0x1.03091b51f5e1ap-1, 0x1.f74aef0efafafp-1,
        0x1.0101010101010p-1, 0x1.fd1be4c7f2af9p-1,
    };
}
