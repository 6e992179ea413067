package io.superloss.examples;

/**
 * Per-example losses computed in plain Java, as independent references for tests that check what a SuperLoss saw
 * during training (ParallelWrapper, Spark).
 */
public final class ReferenceLosses {
    /** LossMCXENT clips softmax probabilities to [eps, 1 - eps] with this eps before taking their logarithm. */
    public static final double SOFTMAX_CLIP_EPS = 1e-10;

    private ReferenceLosses() {
    }

    /** Row-wise softmax of {@code logits}, shifted by each row's maximum. */
    public static double[][] softmax(double[][] logits) {
        double[][] p = new double[logits.length][];
        for (int r = 0; r < logits.length; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : logits[r]) {
                max = Math.max(max, v);
            }
            double norm = 0;
            p[r] = new double[logits[r].length];
            for (int j = 0; j < p[r].length; j++) {
                p[r][j] = Math.exp(logits[r][j] - max);
                norm += p[r][j];
            }
            for (int j = 0; j < p[r].length; j++) {
                p[r][j] /= norm;
            }
        }
        return p;
    }

    /** {@code input . w + b}, row by row. */
    public static double[][] dense(double[][] input, double[][] w, double[] b) {
        double[][] z = new double[input.length][];
        for (int r = 0; r < input.length; r++) {
            z[r] = b.clone();
            for (int k = 0; k < input[r].length; k++) {
                for (int j = 0; j < z[r].length; j++) {
                    z[r][j] += input[r][k] * w[k][j];
                }
            }
        }
        return z;
    }

    /**
     * Per-row cross-entropy {@code -sum_j labels[j] log p[j]} of softmax probabilities, clipped as LossMCXENT clips
     * them (a NaN probability gives NaN).
     */
    public static double[] crossEntropy(double[][] probabilities, double[][] labels) {
        double[] losses = new double[probabilities.length];
        for (int r = 0; r < probabilities.length; r++) {
            double loss = 0;
            for (int j = 0; j < probabilities[r].length; j++) {
                double p = Math.min(Math.max(probabilities[r][j], SOFTMAX_CLIP_EPS), 1 - SOFTMAX_CLIP_EPS);
                loss -= labels[r][j] * Math.log(p);
            }
            losses[r] = loss;
        }
        return losses;
    }
}
