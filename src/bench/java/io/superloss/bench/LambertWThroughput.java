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
 * <p>Arguments: the folder of the argument files, the samples per case, the sample length in milliseconds and
 * optionally one case ({@code java|javaArrayLoop superloss|wide f64|f32}) to run alone. The JIT compiles a loop
 * differently depending on what ran before in the same JVM (a float loop after the double one came out 2.5x slower
 * than in a JVM of its own), so the script runs every case in a JVM of its own, as JMH forks one per benchmark.
 */
public final class LambertWThroughput {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private LambertWThroughput() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int samples = Integer.parseInt(args[1]);
        double ms = Double.parseDouble(args[2]);
        String only = args.length > 3 ? args[3] + " " + args[4] + " " + args[5] : null;
        for (String set : LambertWInputs.SETS) {
            double[] doubles = LambertWInputs.readDoubles(LambertWInputs.file(dir, set, false));
            double[] doubleResults = new double[doubles.length];
            float[] floats = LambertWInputs.readFloats(LambertWInputs.file(dir, set, true));
            float[] floatResults = new float[floats.length];
            for (String impl : new String[] {"java", "javaArrayLoop"}) {
                for (String type : new String[] {"f64", "f32"}) {
                    String name = impl + " " + set + " " + type;
                    if (only != null && !only.equals(name)) {
                        continue;
                    }
                    boolean arrayLoop = impl.equals("javaArrayLoop");
                    boolean isFloat = type.equals("f32");
                    Runnable pass = isFloat
                            ? (arrayLoop ? () -> BenchAccess.w0(floats, floatResults)
                                         : () -> passFloats(floats, floatResults))
                            : (arrayLoop ? () -> BenchAccess.w0(doubles, doubleResults)
                                         : () -> passDoubles(doubles, doubleResults));
                    StringBuilder line = new StringBuilder(name);
                    sample(pass, doubles.length, 2 * ms);
                    for (int s = 0; s < samples; s++) {
                        line.append(String.format(" %.4f", sample(pass, doubles.length, ms)));
                    }
                    System.out.println(line);
                }
            }
        }
    }

    /** Whole passes for at least {@code ms} ms of CPU time; nanoseconds per evaluation. */
    private static double sample(Runnable pass, int evaluationsPerPass, double ms) {
        long start = THREADS.getCurrentThreadCpuTime();
        long passes = 0;
        long elapsed;
        do {
            pass.run();
            passes++;
            elapsed = THREADS.getCurrentThreadCpuTime() - start;
        } while (elapsed < ms * 1e6);
        return elapsed / ((double) passes * evaluationsPerPass);
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
