package io.superloss.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The argument arrays of the Lambert W throughput benchmark, shared with the Boost.Math harness through files: the
 * Java benchmark ({@link LambertWBenchmark}) and {@code scripts/lambertw_boost_bench.cpp} read the same bytes.
 *
 * <p>Two sets of {@value #SIZE} arguments each, in random order (a fixed seed), so that branches between regimes are
 * as unpredictable for one implementation as for the other:
 * <ul>
 *   <li>{@code superloss}: what SuperLoss evaluates, W0(beta/2) with beta = (l - tau)/lambda: half uniform in
 *       [-1/e, 0) (easy rows), half uniform in [0, 10] (hard rows);</li>
 *   <li>{@code wide}: a quarter each next to the branch point (z = -1/e + q, q log-uniform in [1e-15, 0.3]), tiny
 *       arguments of both signs (|z| log-uniform in [1e-300, 1e-2]; [1e-38, 1e-2] for float), moderate ones
 *       (log-uniform in [1e-2, 1e3]) and large ones (log-uniform in [1e3, 1e300]; [1e3, 1e38] for float).</li>
 * </ul>
 * Files are raw little-endian IEEE values: {@code lambertw-<set>.f64} (double) and {@code lambertw-<set>.f32} (float,
 * generated separately so that every value is in the float range).
 *
 * <pre>
 * mvn -Pbench -q test-compile exec:exec -Dbench.main=io.superloss.bench.LambertWInputs -Dbench.args=target/bench
 * </pre>
 */
public final class LambertWInputs {
    /** Arguments per set: 128 KiB of doubles, which with the results stays in the L2 cache. */
    public static final int SIZE = 1 << 14;
    /** The sets, as named in the file names and in {@link LambertWBenchmark}'s parameter. */
    public static final String[] SETS = {"superloss", "wide"};

    private static final long SEED = 20201206L; // NeurIPS 2020
    /** The double nearest to 1/e (above it), so -INV_E is the smallest double argument of W0. */
    private static final double INV_E = 0.36787944117144233;

    private LambertWInputs() {
    }

    /** The double arguments of {@code set}. */
    public static double[] doubles(String set) {
        return generate(set, false);
    }

    /** The float arguments of {@code set}. */
    public static float[] floats(String set) {
        double[] d = generate(set, true);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = Math.max((float) d[i], -(float) INV_E); // keep rounding from leaving the float domain
        }
        return f;
    }

    private static double[] generate(String set, boolean floatRange) {
        SplittableRandom random = new SplittableRandom(SEED + (floatRange ? 1 : 0) + 31L * set.hashCode());
        double[] z = new double[SIZE];
        int half = SIZE / 2;
        int quarter = SIZE / 4;
        double tinyExp = floatRange ? -38 : -300;
        double largeExp = floatRange ? 38 : 300;
        for (int i = 0; i < SIZE; i++) {
            switch (set) {
                case "superloss":
                    // 1 - u is in (0, 1]: the negative half includes -1/e and excludes 0.
                    z[i] = i < half ? -INV_E * (1.0 - random.nextDouble()) : 10.0 * random.nextDouble();
                    break;
                case "wide":
                    if (i < quarter) {
                        z[i] = -INV_E + Math.pow(10.0, uniform(random, -15, Math.log10(0.3)));
                    } else if (i < 2 * quarter) {
                        double magnitude = Math.pow(10.0, uniform(random, tinyExp, -2));
                        z[i] = random.nextBoolean() ? magnitude : -magnitude;
                    } else if (i < 3 * quarter) {
                        z[i] = Math.pow(10.0, uniform(random, -2, 3));
                    } else {
                        z[i] = Math.pow(10.0, uniform(random, 3, largeExp));
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown input set '" + set + "', expected superloss or wide");
            }
        }
        for (int i = SIZE - 1; i > 0; i--) { // Fisher-Yates
            int j = random.nextInt(i + 1);
            double t = z[i];
            z[i] = z[j];
            z[j] = t;
        }
        return z;
    }

    private static double uniform(SplittableRandom random, double from, double to) {
        return from + (to - from) * random.nextDouble();
    }

    /** The file of {@code set} in {@code dir} for doubles ({@code f64}) or floats ({@code f32}). */
    public static Path file(Path dir, String set, boolean isFloat) {
        return dir.resolve("lambertw-" + set + (isFloat ? ".f32" : ".f64"));
    }

    /** Reads a double file written by {@link #main}. */
    public static double[] readDoubles(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        double[] d = new double[bytes.remaining() / Double.BYTES];
        bytes.asDoubleBuffer().get(d);
        return d;
    }

    /** Reads a float file written by {@link #main}. */
    public static float[] readFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(f);
        return f;
    }

    /** Writes every set's double and float file into the directory {@code args[0]} (default target/bench). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/bench");
        Files.createDirectories(dir);
        for (String set : SETS) {
            double[] d = doubles(set);
            ByteBuffer b64 = ByteBuffer.allocate(d.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            b64.asDoubleBuffer().put(d);
            Files.write(file(dir, set, false), b64.array());
            float[] f = floats(set);
            ByteBuffer b32 = ByteBuffer.allocate(f.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            b32.asFloatBuffer().put(f);
            Files.write(file(dir, set, true), b32.array());
        }
        System.out.println("wrote " + SETS.length + " x 2 argument files of " + SIZE + " values to " + dir);
    }
}
