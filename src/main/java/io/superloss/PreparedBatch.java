package io.superloss;

/**
 * One batch as both executions consume it: the wrapped loss's per-row values (unweighted) and the rows' weights
 * ({@link BatchShape#rowWeights}), with the sums over the rows usable for the threshold (weight &gt; 0 and a finite loss). Never
 * modified once built: {@link BatchPreparation} may hand the same instance to a later call with the same arguments.
 */
final class PreparedBatch {
    final int count;
    final double[] loss;
    final double[] weight;
    /** Sum over the usable rows of weight times loss. */
    final double usableSum;
    /** Total weight of the usable rows; 0 when the batch cannot move the threshold. */
    final double usableWeight;
    /** Unmasked rows whose base loss is NaN or infinite. */
    final int nonFinite;

    PreparedBatch(double[] loss, double[] weight) {
        this.count = loss.length;
        this.loss = loss;
        this.weight = weight;
        double sum = 0.0;
        double total = 0.0;
        int nonFiniteRows = 0;
        for (int i = 0; i < count; i++) {
            if (weight[i] == 0.0) {
                continue;
            }
            if (!Double.isFinite(loss[i])) {
                nonFiniteRows++;
                continue;
            }
            sum += weight[i] * loss[i];
            total += weight[i];
        }
        this.usableSum = sum;
        this.usableWeight = total;
        this.nonFinite = nonFiniteRows;
    }

    /** The threshold a scoring call uses: {@code trainedTau}, or this batch's own mean when no call has set it. */
    double scoringTau(double trainedTau) {
        if (Double.isNaN(trainedTau) && usableWeight > 0.0) {
            return usableSum / usableWeight;
        }
        return trainedTau;
    }
}
