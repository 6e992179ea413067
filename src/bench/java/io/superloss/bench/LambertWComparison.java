package io.superloss.bench;

import io.superloss.LambertW;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The table of {@code scripts/bench-boost-lambertw.sh}: Java ({@link LambertWThroughput}) next to Boost.Math
 * ({@code scripts/lambertw_boost_bench.cpp}) on the same argument files, timed the same way, as the medians of their
 * samples in ns per evaluation, and their ratio; also the median of each Java run (each run is a new JVM, and the JIT
 * does not always compile the same code), and the array loop of the INDArray op. As a check that both
 * compute the same function on the same arguments, the largest difference between Java's and Boost's results in units
 * of the last place (of Boost's result).
 *
 * <p>Argument: the folder with the argument files, Boost's results ({@code boost-<set>.<type>}) and the sample files
 * of both ({@code samples-*.txt}, lines {@code <java|boost> <set> <type> <ns per evaluation>...}), all pooled.
 */
public final class LambertWComparison {
    private LambertWComparison() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Map<String, List<Double>> samples = new HashMap<>(); // "impl set type" -> ns per evaluation
        Map<String, List<Double>> runMedians = new HashMap<>(); // "impl set type" -> the median of each run
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("samples-.*\\.txt")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    String[] f = line.replaceAll("\u001B\\[[;\\d]*m", "").trim().split("\\s+"); // no colours
                    if (f.length > 3 && f[0].matches("boost|java|javaArrayLoop")) {
                        List<Double> list = samples.computeIfAbsent(f[0] + " " + f[1] + " " + f[2],
                                k -> new ArrayList<>());
                        List<Double> run = new ArrayList<>();
                        for (int i = 3; i < f.length; i++) {
                            run.add(Double.parseDouble(f[i]));
                        }
                        list.addAll(run);
                        runMedians.computeIfAbsent(f[0] + " " + f[1] + " " + f[2], k -> new ArrayList<>())
                                .add(median(run));
                    }
                }
            }
        }

        System.out.printf("%nLambert W0 throughput, ns per evaluation (median of samples), same %d arguments per set%n",
                LambertWInputs.SIZE);
        System.out.printf("%-10s %-6s %12s %12s %14s %18s   %-22s %s%n", "set", "type", "Java w0()", "Boost",
                "Java / Boost", "max |Java-Boost|", "samples Java / Boost", "array loop (/ Boost)");
        for (String set : LambertWInputs.SETS) {
            for (String type : new String[] {"f64", "f32"}) {
                boolean isFloat = type.equals("f32");
                List<Double> j = samples.getOrDefault("java " + set + " " + type, List.of());
                List<Double> b = samples.getOrDefault("boost " + set + " " + type, List.of());
                double javaNs = median(j);
                double boostNs = median(b);
                double arrayNs = median(samples.getOrDefault("javaArrayLoop " + set + " " + type, List.of()));
                double ulps = maxUlpDifference(dir, set, isFloat);
                System.out.printf("%-10s %-6s %12.2f %12.2f %14.3f %14.1f ulp   %-22s %.2f (%.3f)%n", set, type, javaNs,
                        boostNs, javaNs / boostNs, ulps, j.size() + " / " + b.size(), arrayNs, arrayNs / boostNs);
                System.out.printf("%-17s per run: Java w0() %s; Boost %s; array loop %s%n", "", runs(runMedians, "java "
                        + set + " " + type), runs(runMedians, "boost " + set + " " + type),
                        runs(runMedians, "javaArrayLoop " + set + " " + type));
                System.out.printf("LAMBERTW\t%s\t%s\t%.3f\t%.3f\t%.4f\t%.1f\t%.3f\t%.4f%n", set, type, javaNs,
                        boostNs, javaNs / boostNs, ulps, arrayNs, arrayNs / boostNs);
            }
        }
    }

    /** The largest |Java - Boost| over the set, in ulps of Boost's result (both finite; NaN counts if only one is). */
    private static double maxUlpDifference(Path dir, String set, boolean isFloat) throws IOException {
        double max = 0;
        if (isFloat) {
            float[] z = LambertWInputs.readFloats(LambertWInputs.file(dir, set, true));
            float[] boost = LambertWInputs.readFloats(dir.resolve("boost-" + set + ".f32"));
            for (int i = 0; i < z.length; i++) {
                float w = LambertW.w0(z[i]);
                max = Math.max(max, Float.isNaN(w) != Float.isNaN(boost[i]) ? Double.POSITIVE_INFINITY
                        : w == boost[i] ? 0 : Math.abs(w - boost[i]) / Math.ulp(boost[i]));
            }
        } else {
            double[] z = LambertWInputs.readDoubles(LambertWInputs.file(dir, set, false));
            double[] boost = LambertWInputs.readDoubles(dir.resolve("boost-" + set + ".f64"));
            for (int i = 0; i < z.length; i++) {
                double w = LambertW.w0(z[i]);
                max = Math.max(max, Double.isNaN(w) != Double.isNaN(boost[i]) ? Double.POSITIVE_INFINITY
                        : w == boost[i] ? 0 : Math.abs(w - boost[i]) / Math.ulp(boost[i]));
            }
        }
        return max;
    }

    private static String runs(Map<String, List<Double>> runMedians, String key) {
        StringBuilder text = new StringBuilder();
        for (double m : runMedians.getOrDefault(key, List.of())) {
            text.append(text.length() == 0 ? "" : " ").append(String.format("%.2f", m));
        }
        return text.toString();
    }

    private static double median(List<Double> samples) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
