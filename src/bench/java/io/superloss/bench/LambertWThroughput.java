package io.superloss.bench;

import io.superloss.BenchAccess;
import io.superloss.LambertW;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;

/**
 * Throughput of {@link LambertW#w0(double)} and {@link LambertW#w0(float)}, timed exactly as
 * {@code scripts/lambertw_boost_bench.cpp} times Boost.Math's {@code lambert_w0}: the loop {@code out[i] = w0(in[i])}
 * over the argument files of {@link LambertWInputs}, in whole passes, in samples of a given amount of this thread's
 * CPU time (time the thread was not running, on a shared machine, is not counted), after a warm-up of two samples.
 * Prints one line per set and type, {@code java <set> <f64|f32> <ns per evaluation of each sample>}, the format of the
 * Boost harness, and the same for the array loop that {@code LambertW.w0(INDArray)} runs between its copies
 * ({@code javaArrayLoop}: two passes over chunks, which avoids the float/double conversion chain of a scalar float
 * loop). Run by {@code scripts/bench-boost-lambertw.sh}; {@link LambertWBenchmark} is the JMH version (wall
 * clock).
 *
 * <p>Arguments: the folder of the argument files, the samples per case and the sample length in milliseconds.
 */
public final class LambertWThroughput {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private LambertWThroughput() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int samples = Integer.parseInt(args[1]);
        double ms = Double.parseDouble(args[2]);
        for (String set : LambertWInputs.SETS) {
            double[] doubles = LambertWInputs.readDoubles(LambertWInputs.file(dir, set, false));
            double[] doubleResults = new double[doubles.length];
            StringBuilder line = new StringBuilder("java " + set + " f64");
            sampleDoubles(doubles, doubleResults, 2 * ms);
            for (int s = 0; s < samples; s++) {
                line.append(String.format(" %.4f", sampleDoubles(doubles, doubleResults, ms)));
            }
            System.out.println(line);
            line = new StringBuilder("javaArrayLoop " + set + " f64");
            sampleArrayLoop(doubles, doubleResults, null, null, 2 * ms);
            for (int s = 0; s < samples; s++) {
                line.append(String.format(" %.4f", sampleArrayLoop(doubles, doubleResults, null, null, ms)));
            }
            System.out.println(line);

            float[] floats = LambertWInputs.readFloats(LambertWInputs.file(dir, set, true));
            float[] floatResults = new float[floats.length];
            line = new StringBuilder("java " + set + " f32");
            sampleFloats(floats, floatResults, 2 * ms);
            for (int s = 0; s < samples; s++) {
                line.append(String.format(" %.4f", sampleFloats(floats, floatResults, ms)));
            }
            System.out.println(line);
            line = new StringBuilder("javaArrayLoop " + set + " f32");
            sampleArrayLoop(null, null, floats, floatResults, 2 * ms);
            for (int s = 0; s < samples; s++) {
                line.append(String.format(" %.4f", sampleArrayLoop(null, null, floats, floatResults, ms)));
            }
            System.out.println(line);
        }
    }

    /** As {@link #sampleDoubles} for the array loop of the INDArray op (doubles, or floats when they are null). */
    private static double sampleArrayLoop(double[] in, double[] out, float[] inF, float[] outF, double ms) {
        long start = THREADS.getCurrentThreadCpuTime();
        long passes = 0;
        long elapsed;
        do {
            if (in != null) {
                BenchAccess.w0(in, out);
            } else {
                BenchAccess.w0(inF, outF);
            }
            passes++;
            elapsed = THREADS.getCurrentThreadCpuTime() - start;
        } while (elapsed < ms * 1e6);
        return elapsed / ((double) passes * (in != null ? in.length : inF.length));
    }

    /** Whole passes for at least {@code ms} ms of CPU time; nanoseconds per evaluation. */
    private static double sampleDoubles(double[] in, double[] out, double ms) {
        long start = THREADS.getCurrentThreadCpuTime();
        long passes = 0;
        long elapsed;
        do {
            passDoubles(in, out);
            passes++;
            elapsed = THREADS.getCurrentThreadCpuTime() - start;
        } while (elapsed < ms * 1e6);
        return elapsed / ((double) passes * in.length);
    }

    private static double sampleFloats(float[] in, float[] out, double ms) {
        long start = THREADS.getCurrentThreadCpuTime();
        long passes = 0;
        long elapsed;
        do {
            passFloats(in, out);
            passes++;
            elapsed = THREADS.getCurrentThreadCpuTime() - start;
        } while (elapsed < ms * 1e6);
        return elapsed / ((double) passes * in.length);
    }

    private static void passDoubles(double[] in, double[] out) {
        for (int i = 0; i < in.length; i++) {
            out[i] = LambertW.w0(in[i]);
        }
    }

    private static void passFloats(float[] in, float[] out) {
        for (int i = 0; i < in.length; i++) {
            out[i] = LambertW.w0(in[i]);
        }
    }
}
