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
 * samples in ns per evaluation, and their ratio. As a check that both
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
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("samples-.*\\.txt")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    String[] f = line.replaceAll("\u001B\\[[;\\d]*m", "").trim().split("\\s+"); // no colours
                    if (f.length > 3 && (f[0].equals("boost") || f[0].equals("java"))) {
                        List<Double> list = samples.computeIfAbsent(f[0] + " " + f[1] + " " + f[2],
                                k -> new ArrayList<>());
                        for (int i = 3; i < f.length; i++) {
                            list.add(Double.parseDouble(f[i]));
                        }
                    }
                }
            }
        }

        System.out.printf("%nLambert W0 throughput, ns per evaluation (median of samples), same %d arguments per set%n",
                LambertWInputs.SIZE);
        System.out.printf("%-10s %-6s %12s %12s %14s %18s   %s%n", "set", "type", "Java w0()", "Boost", "Java / Boost",
                "max |Java-Boost|", "samples Java / Boost");
        for (String set : LambertWInputs.SETS) {
            for (String type : new String[] {"f64", "f32"}) {
                boolean isFloat = type.equals("f32");
                List<Double> j = samples.getOrDefault("java " + set + " " + type, List.of());
                List<Double> b = samples.getOrDefault("boost " + set + " " + type, List.of());
                double javaNs = median(j);
                double boostNs = median(b);
                double ulps = maxUlpDifference(dir, set, isFloat);
                System.out.printf("%-10s %-6s %12.2f %12.2f %14.3f %14.1f ulp   %d / %d%n", set, type, javaNs, boostNs,
                        javaNs / boostNs, ulps, j.size(), b.size());
                System.out.printf("LAMBERTW\t%s\t%s\t%.3f\t%.3f\t%.4f\t%.1f%n", set, type, javaNs, boostNs,
                        javaNs / boostNs, ulps);
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
