package io.superloss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Turns the wrapped loss's gradient into the SuperLoss gradient, in place: every row times its sigma (the whole
 * SuperLoss gradient, see {@link SuperLossKernel}), masked rows exactly 0. Shared by both executions.
 */
final class GradientScaling {
    private GradientScaling() {
    }

    /**
     * Scales each gradient row by its sigma, masked rows (weight 0) by 0.
     *
     * @param gradient [rows, nOut], scaled in place
     */
    static void scaleRows(double[] weight, double[] sigma, INDArray gradient) {
        double[] scale = new double[sigma.length];
        for (int i = 0; i < scale.length; i++) {
            scale[i] = weight[i] == 0.0 ? 0.0 : sigma[i];
        }
        multiplyRows(gradient, scale);
    }

    /**
     * Multiplies row i of {@code matrix} by {@code factors[i]}, in place: in host memory where the layout allows
     * ({@link HostArrays#scaleRows}), else with one ND4J op; the same IEEE products either way.
     */
    static void multiplyRows(INDArray matrix, double[] factors) {
        if (!HostArrays.scaleRows(matrix, factors)) {
            matrix.muliColumnVector(HostArrays.column(factors, matrix.dataType()));
        }
    }

    /**
     * Sets the gradient rows of masked rows to exactly 0: wrapped losses apply masks by multiplication, which keeps
     * NaN or Inf that a masked row's pre-output (padding) carries, and 0 x NaN is NaN. Masked rows are already exactly
     * 0 unless something non-finite reached them, so one reduction decides before any row is touched.
     */
    static void zeroMaskedRows(double[] weight, INDArray gradient) {
        boolean anyMasked = false;
        for (double w : weight) {
            anyMasked |= w == 0.0;
        }
        if (!anyMasked || BooleanIndexing.and(gradient, Conditions.isFinite())) {
            return;
        }
        for (int i = 0; i < weight.length; i++) {
            if (weight[i] == 0.0) {
                gradient.getRow(i).assign(0.0);
            }
        }
    }
}
