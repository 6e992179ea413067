package io.superloss.examples;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import javax.imageio.ImageIO;

/**
 * Turns the CSV files written by {@link NoiseExperiment} into mean +- standard deviation tables (Markdown,
 * {@code table.md}), an accuracy-vs-noise plot ({@code accuracy.png}, when there are several noise rates) and sigma
 * histograms of clean vs flipped training
 * samples ({@code sigma.png}). Run on its own to redraw from existing CSV files:
 * {@code -Ddemo.mainClass=io.superloss.examples.ExperimentReport -Dexec.args="experiments/digits digits"}.
 */
public final class ExperimentReport {
    static final String RESULTS_HEADER = "dataset,method,noise,seed,epochs,lambda,train_size,flipped,test_accuracy,"
            + "auroc_sigma,auroc_loss,final_tau,seconds";
    static final String HISTOGRAM_HEADER = "dataset,method,noise,seed,bin_low,bin_high,clean,flipped";
    /** sigma lies in (0, e]; bins of 0.05 up to 2.75 cover it. */
    static final double BIN_WIDTH = 0.05;
    static final int BINS = 55;

    private static final Map<String, String> LABELS = Map.of(
            "ce", "CE", "superloss-ema", "SuperLoss-EMA", "superloss-lnc", "SuperLoss-lnC");

    private ExperimentReport() {
    }

    static String csvRow(NoiseExperiment.Result r) {
        return String.format(Locale.ROOT, "%s,%s,%.2f,%d,%d,%s,%d,%d,%.6f,%.6f,%.6f,%.6f,%.2f%n", r.dataset(),
                r.method().id, r.noise(), r.seed(), r.epochs(), r.lambda(), r.trainSize(), r.flippedCount(),
                r.testAccuracy(), r.aurocSigma(), r.aurocLoss(), r.finalTau(), r.seconds());
    }

    static String histogramRows(NoiseExperiment.Result r) {
        int[][] counts = new int[2][BINS];
        for (int i = 0; i < r.sigma().length; i++) {
            int bin = Math.min(BINS - 1, Math.max(0, (int) Math.floor(r.sigma()[i] / BIN_WIDTH)));
            counts[r.flipped()[i] ? 1 : 0][bin]++;
        }
        StringBuilder sb = new StringBuilder();
        for (int b = 0; b < BINS; b++) {
            sb.append(String.format(Locale.ROOT, "%s,%s,%.2f,%d,%.2f,%.2f,%d,%d%n", r.dataset(), r.method().id,
                    r.noise(), r.seed(), b * BIN_WIDTH, (b + 1) * BIN_WIDTH, counts[0][b], counts[1][b]));
        }
        return sb.toString();
    }

    /** Mean and sample standard deviation of some values. */
    record Stat(double mean, double std, int n) {
        static Stat of(List<Double> values) {
            double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
            return new Stat(mean, values.size() > 1 ? Math.sqrt(ss / (values.size() - 1)) : 0.0, values.size());
        }

        String format(double scale, int decimals) {
            if (n == 0 || Double.isNaN(mean)) {
                return "n/a";
            }
            return String.format(Locale.ROOT, "%." + decimals + "f ± %." + decimals + "f", mean * scale, std * scale);
        }
    }

    /** results.csv as rows of named cells. */
    private static List<Map<String, String>> readCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String[] header = lines.get(0).split(",");
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",");
            Map<String, String> row = new TreeMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], cells[i]);
            }
            rows.add(row);
        }
        return rows;
    }

    /** Per method and noise rate, the statistics of one numeric column. */
    private static Map<String, Map<Double, Stat>> stats(List<Map<String, String>> rows, String column) {
        Map<String, Map<Double, List<Double>>> values = new TreeMap<>();
        for (Map<String, String> row : rows) {
            double v = Double.parseDouble(row.get(column));
            if (Double.isNaN(v)) {
                continue;
            }
            values.computeIfAbsent(row.get("method"), k -> new TreeMap<>())
                    .computeIfAbsent(Double.parseDouble(row.get("noise")), k -> new ArrayList<>()).add(v);
        }
        Map<String, Map<Double, Stat>> out = new TreeMap<>();
        values.forEach((method, byNoise) -> {
            Map<Double, Stat> m = new TreeMap<>();
            byNoise.forEach((noise, list) -> m.put(noise, Stat.of(list)));
            out.put(method, m);
        });
        return out;
    }

    private static List<String> methodsInOrder(List<Map<String, String>> rows) {
        return rows.stream().map(r -> r.get("method")).distinct()
                .sorted((a, b) -> Integer.compare(NoiseExperiment.Method.of(a).ordinal(),
                        NoiseExperiment.Method.of(b).ordinal()))
                .collect(Collectors.toList());
    }

    private static String label(String method) {
        return LABELS.getOrDefault(method, method);
    }

    /** Writes table.md, accuracy.png and sigma.png into {@code dir} from its CSV files. */
    public static void write(Path dir, String dataset) throws IOException {
        List<Map<String, String>> rows = readCsv(dir.resolve("results.csv"));
        List<String> methods = methodsInOrder(rows);
        TreeSet<Double> noise = rows.stream().map(r -> Double.parseDouble(r.get("noise")))
                .collect(Collectors.toCollection(TreeSet::new));
        long seeds = rows.stream().map(r -> r.get("seed")).distinct().count();
        Map<String, Map<Double, Stat>> accuracy = stats(rows, "test_accuracy");
        Map<String, Map<Double, Stat>> aurocSigma = stats(rows, "auroc_sigma");
        Map<String, Map<Double, Stat>> aurocLoss = stats(rows, "auroc_loss");
        Map<String, Map<Double, Stat>> tau = stats(rows, "final_tau");
        Map<String, Map<Double, Stat>> seconds = stats(rows, "seconds");

        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Clean test accuracy (%%), mean ± std over %d seeds:%n%n", seeds));
        md.append("| noise p |");
        methods.forEach(m -> md.append(' ').append(label(m)).append(" |"));
        md.append("\n| --- |");
        methods.forEach(m -> md.append(" --- |"));
        md.append('\n');
        for (double p : noise) {
            md.append(String.format(Locale.ROOT, "| %.1f |", p));
            for (String m : methods) {
                Stat s = accuracy.get(m).get(p);
                md.append(' ').append(s == null ? "n/a" : s.format(100, 1)).append(" |");
            }
            md.append('\n');
        }
        md.append(String.format(Locale.ROOT, "%nAUROC for finding the flipped training labels, mean ± std over %d "
                + "seeds. \"1 - sigma\": SuperLoss's confidence at the end of training (saturated confidences tie); "
                + "\"loss\": the same model's own loss, 1 - p(given label), which is MislabelFinder's order (for CE, "
                + "the baseline any model offers):%n%n", seeds));
        List<String> superLosses = methods.stream().filter(m -> !m.equals("ce")).collect(Collectors.toList());
        List<String[]> columns = new ArrayList<>(); // {method, column, header}
        if (methods.contains("ce")) {
            columns.add(new String[]{"ce", "auroc_loss", "CE: loss"});
        }
        for (String m : superLosses) {
            columns.add(new String[]{m, "auroc_sigma", label(m) + ": 1 - sigma"});
            columns.add(new String[]{m, "auroc_loss", label(m) + ": loss"});
        }
        md.append("| noise p |");
        columns.forEach(c -> md.append(' ').append(c[2]).append(" |"));
        md.append("\n| --- |");
        columns.forEach(c -> md.append(" --- |"));
        md.append('\n');
        for (double p : noise) {
            if (p == 0.0) {
                continue;
            }
            md.append(String.format(Locale.ROOT, "| %.1f |", p));
            for (String[] c : columns) {
                Stat s = (c[1].equals("auroc_sigma") ? aurocSigma : aurocLoss).getOrDefault(c[0], Map.of()).get(p);
                md.append(' ').append(s == null ? "n/a" : s.format(1, 3)).append(" |");
            }
            md.append('\n');
        }
        if (tau.containsKey("superloss-ema")) {
            md.append("\nFinal EMA threshold tau (SuperLoss-EMA): ");
            md.append(tau.get("superloss-ema").entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "p=%.1f: %s", e.getKey(), e.getValue().format(1, 3)))
                    .collect(Collectors.joining("; ")));
            md.append(".\n");
        }
        md.append("\nSeconds per run (mean): ");
        md.append(methods.stream().map(m -> label(m) + " " + String.format(Locale.ROOT, "%.1f",
                seconds.get(m).values().stream().mapToDouble(Stat::mean).average().orElse(Double.NaN)))
                .collect(Collectors.joining(", ")));
        md.append(".\n");
        Files.writeString(dir.resolve("table.md"), md.toString(), StandardCharsets.UTF_8);

        if (noise.size() > 1) {
            accuracyPlot(dir, dataset, methods, accuracy);
        }

        Path histograms = dir.resolve("sigma-histograms.csv");
        if (Files.exists(histograms)) {
            List<Map<String, String>> bins = readCsv(histograms);
            double shown = noise.contains(0.4) ? 0.4 : noise.stream().filter(p -> p > 0).findFirst().orElse(-1.0);
            List<BufferedImage> panels = new ArrayList<>();
            for (String m : superLosses) {
                XYChart panel = sigmaHistogram(bins, dataset, m, shown);
                if (panel != null) {
                    panels.add(BitmapEncoder.getBufferedImage(panel));
                }
            }
            if (!panels.isEmpty()) {
                ImageIO.write(sideBySide(panels), "png", dir.resolve("sigma.png").toFile());
            }
        }
    }

    /** Accuracy vs noise rate, one series per method, error bars of one standard deviation. */
    private static void accuracyPlot(Path dir, String dataset, List<String> methods,
                                     Map<String, Map<Double, Stat>> accuracy) throws IOException {
        XYChart chart = new XYChartBuilder().width(720).height(460)
                .title(dataset + ": clean test accuracy vs symmetric label noise")
                .xAxisTitle("noise rate p").yAxisTitle("test accuracy (%)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        for (String m : methods) {
            double[] x = accuracy.get(m).keySet().stream().mapToDouble(Double::doubleValue).toArray();
            double[] y = accuracy.get(m).values().stream().mapToDouble(s -> 100 * s.mean()).toArray();
            double[] err = accuracy.get(m).values().stream().mapToDouble(s -> 100 * s.std()).toArray();
            chart.addSeries(label(m), x, y, err).setMarker(SeriesMarkers.CIRCLE);
        }
        BitmapEncoder.saveBitmap(chart, dir.resolve("accuracy.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Density of sigma (pooled over seeds) for the clean and the flipped training samples of one method. */
    private static XYChart sigmaHistogram(List<Map<String, String>> bins, String dataset, String method, double p) {
        double[] clean = new double[BINS];
        double[] flipped = new double[BINS];
        for (Map<String, String> row : bins) {
            if (row.get("method").equals(method) && Math.abs(Double.parseDouble(row.get("noise")) - p) < 1e-9) {
                int b = (int) Math.round(Double.parseDouble(row.get("bin_low")) / BIN_WIDTH);
                clean[b] += Double.parseDouble(row.get("clean"));
                flipped[b] += Double.parseDouble(row.get("flipped"));
            }
        }
        double cleanTotal = java.util.Arrays.stream(clean).sum();
        double flippedTotal = java.util.Arrays.stream(flipped).sum();
        if (cleanTotal == 0 || flippedTotal == 0) {
            return null;
        }
        // Step series: one point per bin edge, the last value repeated to close the final bin.
        double[] x = new double[BINS + 1];
        double[] yClean = new double[BINS + 1];
        double[] yFlipped = new double[BINS + 1];
        for (int b = 0; b <= BINS; b++) {
            x[b] = b * BIN_WIDTH;
            int v = Math.min(b, BINS - 1);
            yClean[b] = 100 * clean[v] / cleanTotal;
            yFlipped[b] = 100 * flipped[v] / flippedTotal;
        }
        XYChart chart = new XYChartBuilder().width(560).height(400)
                .title(String.format(Locale.ROOT, "%s, p = %.1f: sigma of %s", dataset, p, label(method)))
                .xAxisTitle("confidence sigma (bins of 0.05)").yAxisTitle("% of the group").build();
        // Most clean samples sit in the last bin (sigma saturates at e): cap the axis so that the rest stays
        // visible, and give the last bin's share in the legend.
        chart.getStyler().setYAxisMax(Math.min(100, Math.max(30, 1.1 * Math.max(max(yClean, BINS - 1),
                max(yFlipped, BINS - 1)))));
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setSeriesColors(new Color[]{new Color(40, 120, 200, 150), new Color(220, 60, 40, 150)});
        chart.addSeries(String.format(Locale.ROOT, "clean labels (%,d; %.0f%% at sigma > 2.70)", (long) cleanTotal,
                yClean[BINS - 1]), x, yClean);
        chart.addSeries(String.format(Locale.ROOT, "flipped labels (%,d; %.0f%% at sigma > 2.70)",
                (long) flippedTotal, yFlipped[BINS - 1]), x, yFlipped);
        return chart;
    }

    /** The largest of the first {@code count} values. */
    private static double max(double[] values, int count) {
        double m = 0.0;
        for (int i = 0; i < count; i++) {
            m = Math.max(m, values[i]);
        }
        return m;
    }

    private static BufferedImage sideBySide(List<BufferedImage> panels) {
        int width = panels.stream().mapToInt(BufferedImage::getWidth).sum();
        int height = panels.stream().mapToInt(BufferedImage::getHeight).max().orElse(0);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int x = 0;
        for (BufferedImage panel : panels) {
            g.drawImage(panel, x, 0, null);
            x += panel.getWidth();
        }
        g.dispose();
        return out;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: ExperimentReport DIR TITLE..., e.g. experiments/digits digits");
        }
        write(Paths.get(args[0]), String.join(" ", java.util.Arrays.asList(args).subList(1, args.length)));
        System.out.println(Files.readString(Paths.get(args[0]).resolve("table.md")));
    }
}
