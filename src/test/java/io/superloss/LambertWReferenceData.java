package io.superloss;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;

/**
 * Reference data for the Lambert W0 accuracy tests: the argument sets (one per {@link Regime}) and
 * the oracle values W0(z) computed with apfloat.
 *
 * <p>The oracle is slow (~20 ms per value at 40 digits), so the values are generated once by
 * {@link #main(String[])} into {@code src/test/resources/io/superloss/lambertw-reference.csv}
 * and read back by the tests with {@link #load()}. The CSV is also meant for other harnesses
 * (e.g. a CUDA port): one row per argument, {@code regime,z,w0}, where {@code z} is the exact
 * argument as a C99/Java hexadecimal double and {@code w0} is W0(z) as a decimal string with 34
 * significant digits. Rows whose regime starts with {@code FLOAT_} hold arguments that are exact
 * floats (test the single-precision function with them).
 *
 * <p>Regenerate (takes a few minutes on 2 cores) with
 * <pre>
 * mvn -q -o test-compile
 * java -cp target/test-classes:target/classes:$(cat cp.txt) io.superloss.LambertWReferenceData
 * </pre>
 * where {@code cp.txt} comes from {@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt}.
 * The point sets are deterministic (fixed seeds), so the file only changes if this class does.
 */
final class LambertWReferenceData {

    /** Classpath location of the reference CSV. */
    static final String RESOURCE = "/io/superloss/lambertw-reference.csv";

    /** Default output of {@link #main(String[])}, relative to the project root. */
    static final String DEFAULT_OUTPUT = "src/test/resources/io/superloss/lambertw-reference.csv";

    /** Working precision (decimal digits) of the apfloat oracle. */
    static final int ORACLE_DIGITS = 40;

    /** Significant digits written to the CSV. */
    static final int CSV_DIGITS = 34;

    /** Nearest double to -1/e (below -1/e). */
    static final double NEG_INV_E = -0.36787944117144233;

    /** Nearest float to -1/e (below -1/e). */
    static final float NEG_INV_E_F = -0.36787945f;

    private static final double E = Math.E;

    /** The argument sets. The names are the first CSV column. */
    enum Regime {
        /** z = nextUp^k(-1/e), k = 1..400: q = z + 1/e from 4.3e-17 to 2.2e-14. */
        BRANCH_NEXT_UP(false),
        /** z = -1/e + q, q log-uniform in [1e-17, 0.3] (z rounded to double). */
        BRANCH_Q(false),
        /** z uniform in (-1/e, 0). */
        NEGATIVE(false),
        /** z = -10^u, u uniform in [-300, -5]. */
        TINY_NEGATIVE(false),
        /** z = 10^u, u uniform in [-300, -5]. */
        TINY_POSITIVE(false),
        /** Subnormal z of both signs, and the extremes MIN_VALUE, MIN_NORMAL. */
        SUBNORMAL(false),
        /** z uniform in (0, 1]. */
        POSITIVE_SMALL(false),
        /** z uniform in (1, 10]. */
        POSITIVE(false),
        /** z = 10^u, u uniform in [1, 6]. */
        MODERATE(false),
        /** z = 10^u, u uniform in [6, 300]. */
        LARGE(false),
        /** z = 10^u, u uniform in [300, log10(MAX_VALUE)], plus MAX_VALUE. */
        HUGE(false),
        /** Three neighbours on each side of every internal switch of the algorithm. */
        BOUNDARIES(false),
        /** Float: z = nextUp^k(-0.36787945f), k = 1..300, and -1/e + q, q log-uniform in [1e-8, 0.3]. */
        FLOAT_BRANCH(true),
        /** Float: z uniform in (-1/e, 0). */
        FLOAT_NEGATIVE(true),
        /** Float: |z| = 10^u, u uniform in [-45, -3], both signs (includes subnormal floats). */
        FLOAT_TINY(true),
        /** Float: z uniform in (0, 10]. */
        FLOAT_POSITIVE(true),
        /** Float: z = 10^u, u uniform in [1, log10(Float.MAX_VALUE)], plus Float.MAX_VALUE. */
        FLOAT_LARGE(true);

        final boolean isFloat;

        Regime(boolean isFloat) {
            this.isFloat = isFloat;
        }
    }

    /** One reference value. */
    static final class Point {
        final Regime regime;
        final double z;
        final BigDecimal w;

        Point(Regime regime, double z, BigDecimal w) {
            this.regime = regime;
            this.z = z;
            this.w = w;
        }
    }

    private LambertWReferenceData() {
    }

    /** The arguments of every regime, deterministic. */
    static Map<Regime, double[]> arguments() {
        Map<Regime, double[]> m = new EnumMap<>(Regime.class);
        for (Regime r : Regime.values()) {
            m.put(r, arguments(r));
        }
        return m;
    }

    private static double[] arguments(Regime r) {
        SplittableRandom rnd = new SplittableRandom(0x5eed_0000L + r.ordinal());
        List<Double> z = new ArrayList<>();
        switch (r) {
            case BRANCH_NEXT_UP: {
                double x = NEG_INV_E;
                for (int k = 0; k < 400; k++) {
                    x = Math.nextUp(x);
                    z.add(x);
                }
                break;
            }
            case BRANCH_Q:
                for (int k = 0; k < 1500; k++) {
                    // z = -1/e + q with the double-double 1/e (rounded once to double); arguments
                    // that round to or below the branch point are replaced by its next neighbour.
                    double q = Math.pow(10, uniform(rnd, -17, Math.log10(0.3)));
                    double x = (-0.36787944117144233 + q) + 1.2428753672788363e-17;
                    z.add(x > NEG_INV_E ? x : Math.nextUp(NEG_INV_E));
                }
                break;
            case NEGATIVE:
                for (int k = 0; k < 1200; k++) {
                    z.add(-0.36787944117144233 * nonZeroUnit(rnd));
                }
                break;
            case TINY_NEGATIVE:
                for (int k = 0; k < 600; k++) {
                    z.add(-Math.pow(10, uniform(rnd, -300, -5)));
                }
                break;
            case TINY_POSITIVE:
                for (int k = 0; k < 600; k++) {
                    z.add(Math.pow(10, uniform(rnd, -300, -5)));
                }
                break;
            case SUBNORMAL:
                z.add(Double.MIN_VALUE);
                z.add(-Double.MIN_VALUE);
                z.add(Double.MIN_NORMAL);
                z.add(-Double.MIN_NORMAL);
                z.add(Math.nextDown(Double.MIN_NORMAL));
                z.add(-Math.nextDown(Double.MIN_NORMAL));
                for (int k = 0; k < 194; k++) {
                    // Log-uniform over the subnormal range [2^-1074, 2^-1022).
                    double x = Math.scalb(1.0 + rnd.nextDouble(), -1074 + rnd.nextInt(52));
                    z.add(k % 2 == 0 ? x : -x);
                }
                break;
            case POSITIVE_SMALL:
                for (int k = 0; k < 800; k++) {
                    z.add(nonZeroUnit(rnd));
                }
                break;
            case POSITIVE:
                for (int k = 0; k < 1000; k++) {
                    z.add(1 + 9 * nonZeroUnit(rnd));
                }
                break;
            case MODERATE:
                for (int k = 0; k < 1000; k++) {
                    z.add(Math.pow(10, uniform(rnd, 1, 6)));
                }
                break;
            case LARGE:
                for (int k = 0; k < 1200; k++) {
                    z.add(Math.pow(10, uniform(rnd, 6, 300)));
                }
                break;
            case HUGE:
                z.add(Double.MAX_VALUE);
                z.add(Math.nextDown(Double.MAX_VALUE));
                for (int k = 0; k < 298; k++) {
                    double x = Math.pow(10, uniform(rnd, 300, Math.log10(Double.MAX_VALUE)));
                    z.add(Double.isFinite(x) ? x : Double.MAX_VALUE);
                }
                break;
            case BOUNDARIES:
                // Three neighbours on each side of every internal switch of LambertWKernel.
                addNeighbours(z, 0x1p-26); // tiny / rest
                addNeighbours(z, -0x1p-26);
                // p = sqrt(2(1 + e z)) = 1/16 (branch series / near pieces), 1/4 (near pieces),
                // 1/2 (near / middle, v = 1/4)
                for (double p : new double[] {1.0 / 16, 1.0 / 4, 1.0 / 2}) {
                    addNeighbours(z, (p * p / 2 - 1) / E);
                }
                // v = p^2 = 2^e (1 + j/4): ends of the middle-regime pieces
                for (int e = -2; e <= 6; e++) {
                    for (int j = 0; j < 4; j++) {
                        double v = Math.scalb(1 + j / 4.0, e);
                        addNeighbours(z, (v / 2 - 1) / E);
                    }
                }
                addNeighbours(z, LambertWKernel.LARGE_Z); // middle / large
                // u = log2 z = 2^k (1 + s/2): ends of the large-regime pieces
                for (int k = 3; k <= 9; k++) {
                    addNeighbours(z, Math.pow(2, Math.scalb(1.0, k)));
                    addNeighbours(z, Math.pow(2, Math.scalb(1.5, k)));
                }
                addNeighbours(z, Math.pow(2, 6.0)); // u = 6 inside [4, 8)
                break;
            case FLOAT_BRANCH: {
                float x = NEG_INV_E_F;
                for (int k = 0; k < 300; k++) {
                    x = Math.nextUp(x);
                    z.add((double) x);
                }
                for (int k = 0; k < 200; k++) {
                    float y = (float) (-0.36787944117144233 + Math.pow(10, uniform(rnd, -8, Math.log10(0.3))));
                    z.add((double) (y > NEG_INV_E_F ? y : Math.nextUp(NEG_INV_E_F)));
                }
                break;
            }
            case FLOAT_NEGATIVE:
                for (int k = 0; k < 300; k++) {
                    float y = (float) (-0.36787944117144233 * nonZeroUnit(rnd));
                    z.add((double) (y > NEG_INV_E_F ? y : Math.nextUp(NEG_INV_E_F)));
                }
                break;
            case FLOAT_TINY:
                z.add((double) Float.MIN_VALUE);
                z.add((double) -Float.MIN_VALUE);
                z.add((double) Float.MIN_NORMAL);
                z.add((double) -Float.MIN_NORMAL);
                for (int k = 0; k < 296; k++) {
                    float y = (float) Math.pow(10, uniform(rnd, -45, -3));
                    if (y == 0) {
                        y = Float.MIN_VALUE;
                    }
                    z.add((double) (k % 2 == 0 ? y : -y));
                }
                break;
            case FLOAT_POSITIVE:
                for (int k = 0; k < 300; k++) {
                    z.add((double) (float) (10 * nonZeroUnit(rnd)));
                }
                break;
            case FLOAT_LARGE:
                z.add((double) Float.MAX_VALUE);
                for (int k = 0; k < 299; k++) {
                    float y = (float) Math.pow(10, uniform(rnd, 1, Math.log10(Float.MAX_VALUE)));
                    z.add((double) (Float.isFinite(y) ? y : Float.MAX_VALUE));
                }
                break;
            default:
                throw new AssertionError(r);
        }
        double[] out = new double[z.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = z.get(i);
        }
        return out;
    }

    private static void addNeighbours(List<Double> z, double x) {
        double lo = x;
        double hi = x;
        z.add(x);
        for (int k = 0; k < 3; k++) {
            lo = Math.nextDown(lo);
            hi = Math.nextUp(hi);
            z.add(lo);
            z.add(hi);
        }
    }

    private static double uniform(SplittableRandom rnd, double a, double b) {
        return a + (b - a) * rnd.nextDouble();
    }

    /** Uniform in (0, 1]. */
    private static double nonZeroUnit(SplittableRandom rnd) {
        return 1.0 - rnd.nextDouble();
    }

    /**
     * The oracle: W0(z) for an exactly represented double z, with {@link #ORACLE_DIGITS} digits,
     * by {@code org.apfloat.ApfloatMath.w}. Only for z in [-1/e, +Inf) (z finite, z > -1/e).
     */
    static BigDecimal oracle(double z) {
        if (z == 0) {
            return BigDecimal.ZERO;
        }
        Apfloat x = new Apfloat(new BigDecimal(z), 60).precision(ORACLE_DIGITS);
        Apfloat w = ApfloatMath.w(x);
        return new BigDecimal(w.toString(false));
    }

    /** Reads the reference CSV from the test classpath. */
    static List<Point> load() throws IOException {
        try (InputStream in = LambertWReferenceData.class.getResourceAsStream(RESOURCE)) {
            Objects.requireNonNull(in, "missing test resource " + RESOURCE);
            BufferedReader br = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            List<Point> points = new ArrayList<>();
            String line;
            boolean header = true;
            while ((line = br.readLine()) != null) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (header) { // column names
                    header = false;
                    continue;
                }
                String[] f = line.split(",");
                points.add(new Point(Regime.valueOf(f[0]), Double.parseDouble(f[1]), new BigDecimal(f[2])));
            }
            return points;
        }
    }

    /**
     * Writes the reference CSV (default {@link #DEFAULT_OUTPUT}, or the path given as the first
     * argument), evaluating the oracle on all cores.
     */
    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : DEFAULT_OUTPUT);
        Map<Regime, double[]> args0 = arguments();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        try {
            Map<Regime, List<Future<BigDecimal>>> futures = new EnumMap<>(Regime.class);
            int n = 0;
            for (Map.Entry<Regime, double[]> e : args0.entrySet()) {
                List<Future<BigDecimal>> list = new ArrayList<>();
                for (double z : e.getValue()) {
                    list.add(pool.submit(() -> oracle(z)));
                    n++;
                }
                futures.put(e.getKey(), list);
            }
            MathContext mc = new MathContext(CSV_DIGITS);
            try (Writer w = Files.newBufferedWriter(out, StandardCharsets.US_ASCII)) {
                w.write("# Reference values of the principal branch W0 of the Lambert W function (W e^W = z, W >= -1)\n");
                w.write("# for io.superloss.LambertW. Generated by io.superloss.LambertWReferenceData (test scope) with\n");
                w.write("# org.apfloat:apfloat:1.14.0: W = ApfloatMath.w(new Apfloat(new BigDecimal(z), 60).precision("
                    + ORACLE_DIGITS + ")),\n");
                w.write("# written rounded to " + CSV_DIGITS
                    + " significant digits (next to the branch point apfloat keeps ~32 correct digits).\n");
                w.write("# Columns: regime, z = the exact argument as a hexadecimal double (Java/C99 syntax), w0 = W0(z).\n");
                w.write("# Regimes FLOAT_* hold arguments that are exact floats, for the single-precision function.\n");
                w.write("# " + n + " rows.\n");
                w.write("regime,z,w0\n");
                for (Map.Entry<Regime, double[]> e : args0.entrySet()) {
                    double[] zs = e.getValue();
                    List<Future<BigDecimal>> list = futures.get(e.getKey());
                    for (int i = 0; i < zs.length; i++) {
                        BigDecimal wv = list.get(i).get().round(mc);
                        w.write(e.getKey().name() + "," + Double.toHexString(zs[i]) + "," + wv.toString() + "\n");
                    }
                }
            }
            System.out.printf("wrote %d rows to %s in %.1f s%n", n, out, (System.nanoTime() - t0) * 1e-9);
        } finally {
            pool.shutdown();
        }
    }
}
