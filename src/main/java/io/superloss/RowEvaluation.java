package io.superloss;

/** The per-row outputs of one evaluation: weight times each row's SuperLoss, and each row's confidence sigma. */
final class RowEvaluation {
    final double[] superLoss;
    final double[] sigma;

    RowEvaluation(int rows) {
        superLoss = new double[rows];
        sigma = new double[rows];
    }

    /** The sum of the rows' SuperLoss, or their mean over every row when {@code average}. */
    double score(boolean average) {
        double sum = 0.0;
        for (double v : superLoss) {
            sum += v;
        }
        return average ? sum / superLoss.length : sum;
    }
}
