package io.superloss;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The rule that turns a DL4J label mask into one weight per row (the single place where it is written):
 * <ul>
 *   <li>no mask: every row has weight 1;</li>
 *   <li>a per-row mask, shape [rows,1]: the row's mask value;</li>
 *   <li>any other mask (per output): 1 when some entry of the row is non-zero, 0 when all are zero, i.e. the row is
 *       masked out.</li>
 * </ul>
 * A row with weight 0 is masked out: it has no loss, no gradient, no confidence and does not count towards tau.
 */
final class RowWeights {
    private RowWeights() {
    }

    /** Whether {@code mask} holds one value per row ([rows,1]). */
    static boolean isPerRow(INDArray mask, long rows) {
        return mask != null && mask.rank() == 2 && mask.size(0) == rows && mask.size(1) == 1;
    }

    /**
     * The weight of each of the {@code rows} rows.
     *
     * @param mask null, [rows,1] or rank 2 with {@code rows} rows (validated by the caller)
     */
    static double[] of(INDArray mask, int rows) {
        double[] weight = new double[rows];
        if (mask == null) {
            java.util.Arrays.fill(weight, 1.0);
        } else if (isPerRow(mask, rows)) {
            weight = mask.toDoubleVector();
        } else {
            double[] rowMax = mask.amax(1).toDoubleVector();
            for (int i = 0; i < rows; i++) {
                weight[i] = rowMax[i] == 0.0 ? 0.0 : 1.0;
            }
        }
        return weight;
    }
}
