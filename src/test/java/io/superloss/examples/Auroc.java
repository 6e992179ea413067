package io.superloss.examples;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Area under the ROC curve of a score that should be higher for the positive examples, computed exactly from ranks
 * (the Mann-Whitney U statistic divided by n+ n-): the probability that a random positive scores above a random
 * negative, ties counting one half. Tied scores get the mean of the ranks they span.
 */
public final class Auroc {
    private Auroc() {
    }

    /**
     * @param scores   one finite score per example
     * @param positive whether each example is a positive (for the experiments: its label was flipped)
     * @return the AUROC in [0, 1]
     * @throws IllegalArgumentException if the lengths differ, a score is not finite, or either class is empty
     */
    public static double of(double[] scores, boolean[] positive) {
        if (scores.length != positive.length) {
            throw new IllegalArgumentException("scores and positive must have the same length, got " + scores.length
                    + " and " + positive.length);
        }
        long positives = IntStream.range(0, positive.length).filter(i -> positive[i]).count();
        long negatives = positive.length - positives;
        if (positives == 0 || negatives == 0) {
            throw new IllegalArgumentException("AUROC needs positives and negatives, got " + positives + " and "
                    + negatives);
        }
        for (int i = 0; i < scores.length; i++) {
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException("scores must be finite, got scores[" + i + "] = " + scores[i]);
            }
        }
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        double positiveRankSum = 0.0;
        int start = 0;
        while (start < order.length) {
            int end = start;
            while (end + 1 < order.length && scores[order[end + 1]] == scores[order[start]]) {
                end++;
            }
            double meanRank = (start + end) / 2.0 + 1.0; // ranks are 1-based
            for (int k = start; k <= end; k++) {
                if (positive[order[k]]) {
                    positiveRankSum += meanRank;
                }
            }
            start = end + 1;
        }
        double u = positiveRankSum - positives * (positives + 1) / 2.0;
        return u / ((double) positives * negatives);
    }
}
