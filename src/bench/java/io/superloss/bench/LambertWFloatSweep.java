package io.superloss.bench;

import io.superloss.LambertW;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Exhaustive check of {@link LambertW#w0(float)}: every float argument in the domain (-1/e rounded to float, +Inf],
 * about 3.2e9 of them, compared with {@link LambertW#w0(double)} of the same argument. The double result is within
 * 0.68 double ulp of W0 (LambertWAccuracyTest, apfloat), i.e. exact to 2^-28 float ulp, so it serves as the reference:
 * the error of the float result is |w0(float) - w0(double)| in ulp of the float binade of the reference.
 *
 * <p>Prints, per range of arguments, the largest error, the worst argument, how many results are not the correctly
 * rounded float and how many differ from the double result rounded once. Arguments: {@code [threads] [stride]}
 * (stride 1 = every float; a larger stride takes every stride-th bit pattern). Run:
 * {@code mvn -Pbench -q test-compile exec:exec -Dbench.main=io.superloss.bench.LambertWFloatSweep -Dbench.args="2 1"}
 * (about a minute per thread-core).
 */
public final class LambertWFloatSweep {
    private LambertWFloatSweep() {
    }

    /** Result of one range of bit patterns. */
    private static final class Range {
        final String name;
        final int fromBits;
        final int toBits; // inclusive
        long count;
        long notCorrectlyRounded;
        long notDoubleRounded;
        double maxUlp;
        float worst;

        Range(String name, float from, float to) {
            this.name = name;
            this.fromBits = Float.floatToRawIntBits(from);
            this.toBits = Float.floatToRawIntBits(to);
        }

        /** Runs the bit patterns from..to (walking the magnitude upwards; negatives have the sign bit set). */
        Range sweep(int stride) {
            int lo = Math.min(fromBits, toBits);
            int hi = Math.max(fromBits, toBits);
            for (long bits = lo; bits <= hi; bits += stride) {
                float z = Float.intBitsToFloat((int) bits);
                float w = LambertW.w0(z);
                double reference = LambertW.w0((double) z);
                if (z == -0x1.78b564p-2f) {
                    reference = -1.0; // the float branch-point convention (the double path gives NaN there)
                }
                count++;
                float rounded = (float) reference;
                if (Float.floatToRawIntBits(w) != Float.floatToRawIntBits(rounded)) {
                    notDoubleRounded++;
                }
                double error = Math.abs(w - reference);
                if (error == 0.0) {
                    continue;
                }
                double ulp = floatUlpOf(reference);
                double errorUlp = error / ulp;
                if (Math.abs(rounded - reference) > 0.5 * ulp || errorUlp > 0.5) {
                    notCorrectlyRounded++;
                }
                if (errorUlp > maxUlp) {
                    maxUlp = errorUlp;
                    worst = z;
                }
            }
            return this;
        }
    }

    /** The spacing of floats in the binade of x (a float power of two belongs to the binade above it). */
    static double floatUlpOf(double x) {
        double a = Math.abs(x);
        int exponent = Math.max(Math.getExponent(a), Float.MIN_EXPONENT);
        return Math.scalb(1.0, exponent - 23);
    }

    /** Ranges [cuts[i], cuts[i + 1]) of values, the last one closed. */
    private static void addRanges(List<Range> ranges, float[] cuts) {
        for (int i = 0; i + 1 < cuts.length; i++) {
            float to = i + 2 == cuts.length ? cuts[i + 1] : Math.nextDown(cuts[i + 1]);
            ranges.add(new Range("[" + cuts[i] + ", " + to + "]", cuts[i], to));
        }
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int stride = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        // Chunks of the negative and positive arguments; the ranges are reported by name.
        List<Range> ranges = new ArrayList<>();
        float[] negativeCuts = {-0x1.78b564p-2f, -0.3f, -0.1f, -1e-3f, -0x1p-26f, -Float.MIN_VALUE};
        float[] positiveCuts = {Float.MIN_VALUE, 0x1p-26f, 1e-3f, 1f, 10f, 18f, 1e6f, 1e20f, Float.POSITIVE_INFINITY};
        addRanges(ranges, negativeCuts);
        ranges.add(new Range("-0", -0.0f, -0.0f));
        ranges.add(new Range("+0", 0.0f, 0.0f));
        addRanges(ranges, positiveCuts);
        // Split every range into pieces for the thread pool, merge per range afterwards.
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        List<List<Future<Range>>> parts = new ArrayList<>();
        for (Range r : ranges) {
            List<Future<Range>> futures = new ArrayList<>();
            int lo = Math.min(r.fromBits, r.toBits);
            int hi = Math.max(r.fromBits, r.toBits);
            long pieces = Math.max(1, ((long) hi - lo) / (1L << 24));
            long width = ((long) hi - lo + 1) / pieces;
            for (long p = 0; p < pieces; p++) {
                long a = lo + p * width;
                long b = p + 1 == pieces ? hi : a + width - 1;
                a += Math.floorMod(lo - a, stride); // keep one stride grid across pieces
                Range piece = new Range(r.name, Float.intBitsToFloat((int) a), Float.intBitsToFloat((int) b));
                futures.add(pool.submit(() -> piece.sweep(stride)));
            }
            parts.add(futures);
        }
        System.out.printf("%-34s %12s %10s %16s %14s %14s%n", "arguments", "count", "max ulp", "worst z",
            "not c.r.", "!= (float)w0d");
        long total = 0;
        double worstOverall = 0;
        long differOverall = 0;
        for (int i = 0; i < ranges.size(); i++) {
            Range sum = ranges.get(i);
            for (Future<Range> f : parts.get(i)) {
                Range piece = f.get();
                sum.count += piece.count;
                sum.notCorrectlyRounded += piece.notCorrectlyRounded;
                sum.notDoubleRounded += piece.notDoubleRounded;
                if (piece.maxUlp > sum.maxUlp) {
                    sum.maxUlp = piece.maxUlp;
                    sum.worst = piece.worst;
                }
            }
            total += sum.count;
            worstOverall = Math.max(worstOverall, sum.maxUlp);
            differOverall += sum.notDoubleRounded;
            System.out.printf("%-34s %12d %10.5f %16s %14d %14d%n", sum.name, sum.count, sum.maxUlp,
                Float.toHexString(sum.worst), sum.notCorrectlyRounded, sum.notDoubleRounded);
        }
        pool.shutdown();
        System.out.printf("all: %d arguments (stride %d), max %.5f ulp, %d differ from the rounded double W0; %.1f s%n",
            total, stride, worstOverall, differOverall, (System.nanoTime() - start) / 1e9);
    }
}
