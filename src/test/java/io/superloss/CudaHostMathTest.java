package io.superloss;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CUDA kernels' arithmetic ({@code io/superloss/cuda/lambertw.cuh}, {@code __host__ __device__} code) compiled
 * for the host with the system's C++ compiler and compared point by point with the Java kernels: W0 in double and
 * float on the shipped reference points and on a sweep of every regime, and the SuperLoss row. This is what CI can
 * check of the CUDA port without a GPU (the GPU check, scripts/gpu-check.sh, compares device and host builds).
 *
 * <p>Tolerances: lambertw.cuh is generated from LambertWKernel.java (scripts/port_lambertw_kernel.py) with the same
 * operations in the same order, W0 calls no library function, and the host build is compiled without FMA contraction:
 * W0 must be bit-identical. The SuperLoss row takes sigma = exp(-W) from the C library instead of {@code Math.exp}
 * (both within 1 ulp), so it must agree within 2 ulp.
 *
 * <p>Skipped, with the reason, when no C++ compiler is on the PATH; CI runs scripts/cuda-cpu-check.sh, which fails
 * without one.
 */
class CudaHostMathTest {
    private static final Logger log = LoggerFactory.getLogger(CudaHostMathTest.class);
    private static final Path CUDA_SOURCES = Paths.get("src/main/resources/io/superloss/cuda");
    private static final Path HARNESS = Paths.get("src/test/cuda/host_math.cpp");
    private static final Path REFERENCE = Paths.get("src/test/resources/io/superloss/lambertw-reference.csv");
    private static final int SWEEP = 200_000;

    private static Path program;

    @BeforeAll
    static void build(@TempDir Path dir) throws Exception {
        String cxx = System.getenv().getOrDefault("CXX", "g++");
        assumeTrue(run(List.of(cxx, "--version"), null, null) == 0,
                "no C++ compiler '" + cxx + "' on the PATH: the host build of the CUDA math cannot be checked");
        program = dir.resolve("host_math");
        Path log = dir.resolve("compile.log");
        int rc = run(List.of(cxx, "-O2", "-std=c++17", "-ffp-contract=off", "-I", CUDA_SOURCES.toString(), "-I",
                HARNESS.getParent().toString(), HARNESS.toString(), "-o", program.toString()), null, log);
        assertEquals(0, rc, () -> "compiling " + HARNESS + " failed:\n" + read(log));
    }

    @Test
    void float64MatchesJavaOnReferencePointsAndEveryRegime() throws Exception {
        List<Double> points = new ArrayList<>(referencePoints());
        for (double z : KernelSweep.doubles(SWEEP, 41)) {
            points.add(z);
        }
        StringBuilder requests = new StringBuilder();
        for (double z : points) {
            requests.append("d ").append(hex64(z)).append('\n');
        }
        List<String> answers = evaluate(requests.toString(), points.size());
        Worst worst = new Worst();
        for (int i = 0; i < points.size(); i++) {
            double z = points.get(i);
            worst.add(z, LambertW.w0(z), fromHex64(answers.get(i)));
        }
        log.info("host build vs Java W0(double): {}", worst);
        assertEquals(worst.count, worst.identical, "host build vs Java W0(double): " + worst);
    }

    @Test
    void float32MatchesJava() throws Exception {
        float[] points = KernelSweep.floats(SWEEP, 43);
        StringBuilder requests = new StringBuilder();
        for (float z : points) {
            requests.append(String.format(Locale.ROOT, "f %08x%n", Float.floatToRawIntBits(z)));
        }
        List<String> answers = evaluate(requests.toString(), points.length);
        Worst worst = new Worst();
        for (int i = 0; i < points.length; i++) {
            float host = Float.intBitsToFloat(Integer.parseUnsignedInt(answers.get(i), 16));
            float java = LambertW.w0(points[i]);
            double ulp = Float.floatToIntBits(java) == Float.floatToIntBits(host) ? 0
                    : ulpDistance(java, host) * Math.ulp((double) java) / Math.ulp(java);
            worst.add(points[i], java, host, ulp);
        }
        log.info("host build vs Java W0(float): {}", worst);
        assertEquals(worst.count, worst.identical, "host build vs Java W0(float): " + worst);
    }

    @Test
    void superLossRowMatchesJava() throws Exception {
        SplittableRandom random = new SplittableRandom(47);
        int n = 20_000;
        double[] loss = new double[n];
        double[] weight = new double[n];
        double tau = 1.3;
        double lambda = 0.45;
        StringBuilder requests = new StringBuilder();
        for (int i = 0; i < n; i++) {
            // below, near and far above tau, with clamped rows (beta < -2/e), masked and half-weighted rows
            loss[i] = i == 0 ? Double.NaN : i == 1 ? Double.POSITIVE_INFINITY : 8 * Math.pow(random.nextDouble(), 3);
            weight[i] = i % 11 == 0 ? 0.0 : i % 5 == 0 ? 0.5 : 1.0;
            requests.append("s ").append(hex64(loss[i])).append(' ').append(hex64(weight[i])).append(' ')
                    .append(hex64(tau)).append(' ').append(hex64(lambda)).append('\n');
        }
        double[] superLoss = new double[n];
        double[] sigma = new double[n];
        SuperLossKernel.forward(loss, weight, tau, lambda, superLoss, sigma);
        List<String> answers = evaluate(requests.toString(), n);
        Worst worstLoss = new Worst();
        Worst worstSigma = new Worst();
        for (int i = 0; i < n; i++) {
            String[] pair = answers.get(i).split(" ");
            worstLoss.add(loss[i], superLoss[i], fromHex64(pair[0]));
            worstSigma.add(loss[i], sigma[i], fromHex64(pair[1]));
        }
        log.info("host build vs Java SuperLoss row: loss {}; sigma {}", worstLoss, worstSigma);
        assertTrue(worstLoss.maxUlp <= 2.0, "host build vs Java SuperLoss per row: " + worstLoss);
        assertTrue(worstSigma.maxUlp <= 2.0, "host build vs Java sigma per row: " + worstSigma);
    }

    /** The arguments of the shipped reference file (written by LambertWReferenceData). */
    private static List<Double> referencePoints() throws IOException {
        List<Double> z = new ArrayList<>();
        assertTrue(Files.exists(REFERENCE), "reference file " + REFERENCE + " is missing");
        for (String line : Files.readAllLines(REFERENCE, StandardCharsets.UTF_8)) {
            if (!line.isEmpty() && line.charAt(0) != '#' && !line.startsWith("regime,")) {
                z.add(Double.parseDouble(line.split(",")[1].trim())); // regime, z (hexadecimal), w0
            }
        }
        return z;
    }

    private static List<String> evaluate(String requests, int expected) throws Exception {
        Path dir = program.getParent();
        Path in = Files.createTempFile(dir, "requests", ".txt");
        Path out = Files.createTempFile(dir, "answers", ".txt");
        Files.writeString(in, requests, StandardCharsets.US_ASCII);
        assertEquals(0, run(List.of(program.toString(), "eval"), in, out), () -> "host_math eval failed: " + read(out));
        List<String> answers = Files.readAllLines(out, StandardCharsets.US_ASCII);
        assertEquals(expected, answers.size(), "answers from host_math");
        return answers;
    }

    private static int run(List<String> command, Path stdin, Path stdout) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (stdin != null) {
            builder.redirectInput(stdin.toFile());
        }
        builder.redirectOutput(stdout != null ? ProcessBuilder.Redirect.to(stdout.toFile())
                : ProcessBuilder.Redirect.DISCARD);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return -1; // not installed
        }
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return -2;
        }
        return process.exitValue();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /**
     * |b - a| in ulps of a; 0 for the same value (NaN for NaN included), infinite for a NaN against a number or for
     * zeros of opposite signs.
     */
    private static double ulpDistance(double a, double b) {
        if (Double.doubleToLongBits(a) == Double.doubleToLongBits(b)) {
            return 0;
        }
        double d = Math.abs(b - a) / Math.ulp(a);
        return d > 0 ? d : Double.POSITIVE_INFINITY;
    }

    private static String hex64(double x) {
        return String.format(Locale.ROOT, "%016x", Double.doubleToRawLongBits(x));
    }

    private static double fromHex64(String hex) {
        return Double.longBitsToDouble(Long.parseUnsignedLong(hex.trim(), 16));
    }

    /** The largest difference in ulp of the Java value, with where it occurred and how many values were equal. */
    private static final class Worst {
        double maxUlp;
        double at = Double.NaN;
        double java = Double.NaN;
        double host = Double.NaN;
        int count;
        int identical;

        void add(double z, double javaValue, double hostValue) {
            add(z, javaValue, hostValue, ulpDistance(javaValue, hostValue));
        }

        void add(double z, double javaValue, double hostValue, double ulp) {
            count++;
            if (ulp == 0) {
                identical++;
            }
            if (!(ulp <= maxUlp)) { // NaN-safe: a NaN distance becomes the worst
                maxUlp = Double.isNaN(ulp) ? Double.POSITIVE_INFINITY : ulp;
                at = z;
                java = javaValue;
                host = hostValue;
            }
        }

        @Override
        public String toString() {
            if (identical == count) {
                return "all " + count + " bit-identical";
            }
            return String.format(Locale.ROOT, "max %.3g ulp at z = %s (Java %s, host %s); %d of %d bit-identical",
                    maxUlp, at, java, host, identical, count);
        }
    }
}
