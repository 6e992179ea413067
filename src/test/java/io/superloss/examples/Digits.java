package io.superloss.examples;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The UCI optical digits (8x8 images, 10 classes, 1,797 rows) shipped as a test resource, split and corrupted with
 * symmetric label noise for the demo, the tests and the experiments.
 */
public final class Digits {
    public static final int FEATURES = 64;
    public static final int CLASSES = 10;
    public static final int TRAIN_SIZE = 1297;
    public static final int TEST_SIZE = 500;

    private static final String RESOURCE = "/io/superloss/data/digits.csv.gz";

    /** Pixel intensities scaled to [0, 1], one row per image. */
    public final double[][] features;
    /** Class per row. */
    public final int[] labels;

    private Digits(double[][] features, int[] labels) {
        this.features = features;
        this.labels = labels;
    }

    /** Reads all 1,797 rows from the class path. */
    public static Digits load() {
        try (InputStream in = Digits.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            BufferedReader reader = new BufferedReader(
                    new InputStreamReader(new GZIPInputStream(in), StandardCharsets.US_ASCII));
            List<double[]> rows = new ArrayList<>();
            List<Integer> classes = new ArrayList<>();
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",");
                double[] pixels = new double[FEATURES];
                for (int j = 0; j < FEATURES; j++) {
                    pixels[j] = Double.parseDouble(cells[j]) / 16.0;
                }
                rows.add(pixels);
                classes.add((int) Double.parseDouble(cells[FEATURES]));
            }
            return new Digits(rows.toArray(new double[0][]), classes.stream().mapToInt(Integer::intValue).toArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rows in an order shuffled with {@code seed}. */
    public Digits shuffled(long seed) {
        return subset(permutation(labels.length, new Random(seed)));
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates, from the last position down). */
    static int[] permutation(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive). */
    public Digits range(int from, int to) {
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = from + i;
        }
        return subset(idx);
    }

    private Digits subset(int[] idx) {
        double[][] f = new double[idx.length][];
        int[] l = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            f[i] = features[idx[i]];
            l[i] = labels[idx[i]];
        }
        return new Digits(f, l);
    }

    /**
     * Symmetric label noise: each label is replaced, with probability {@code rate}, by a uniformly chosen
     * <em>different</em> class.
     *
     * @return the noisy labels; {@code flipped[i]} tells whether row i was changed
     */
    public static int[] withSymmetricNoise(int[] labels, int classes, double rate, long seed, boolean[] flipped) {
        Random random = new Random(seed);
        int[] noisy = labels.clone();
        for (int i = 0; i < labels.length; i++) {
            if (random.nextDouble() < rate) {
                int other = random.nextInt(classes - 1);
                noisy[i] = other >= labels[i] ? other + 1 : other;
                flipped[i] = true;
            }
        }
        return noisy;
    }

    /** Features as a [rows, 64] FLOAT array. */
    public INDArray featureArray() {
        return Nd4j.createFromArray(features).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
    }

    /** One-hot [rows, classes] FLOAT labels. */
    public static INDArray oneHot(int[] labels, int classes) {
        float[][] m = new float[labels.length][classes];
        for (int i = 0; i < labels.length; i++) {
            m[i][labels[i]] = 1f;
        }
        return Nd4j.createFromArray(m);
    }

    /** A data set of these features with the given labels. */
    public DataSet dataSet(int[] labelsToUse) {
        return new DataSet(featureArray(), oneHot(labelsToUse, CLASSES));
    }
}
