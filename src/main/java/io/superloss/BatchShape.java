package io.superloss;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * What SuperLoss requires of the arrays of one loss call, and how it reads their mask. SuperLoss checks only what it
 * needs itself and leaves the label layout to the wrapped loss (class indices [rows,1] for LossSparseMCXENT, labels
 * narrower than the output for LossMixtureDensity, ...):
 * <ul>
 *   <li>labels and preOutput are rank 2 with the same number of rows (a row is an example, or an example and time
 *       step);</li>
 *   <li>a mask is rank 2 with that number of rows and either one column (a <em>per-row</em> mask: each value, finite
 *       and &gt;= 0, weights its row, 0 masks it out) or as many columns as preOutput or labels (a
 *       <em>per-output</em> mask: each value, 0 or 1, selects an output; a row whose mask is all zero is masked
 *       out).</li>
 * </ul>
 * A per-row mask is applied by SuperLoss itself and never reaches the wrapped loss; a per-output mask goes to it
 * ({@link #maskForWrappedLoss}). Per-output values other than 0 and 1 are refused: ND4J 1.0.0-M2.1's elementwise losses
 * weigh such a value m once in their score and twice in their gradient (LossSquaredHinge: m^2 and m^3), so no
 * per-example loss would have their gradient ({@code Nd4jLossBehaviourTest} pins this).
 */
final class BatchShape {
    private BatchShape() {
    }

    /**
     * Checks the shapes of one call's arrays.
     *
     * @return the number of rows
     * @throws IllegalArgumentException naming the arrays and their shapes when a rule above is broken
     */
    static int rows(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        if (labels == null || preOutput == null || activationFn == null) {
            throw new IllegalArgumentException("labels, preOutput and activationFn must not be null (labels: "
                    + (labels == null ? "null" : "present") + ", preOutput: " + (preOutput == null ? "null" : "present")
                    + ", activationFn: " + activationFn + ")");
        }
        if (preOutput.rank() != 2 || labels.rank() != 2 || labels.size(0) != preOutput.size(0)) {
            throw new IllegalArgumentException("labels and preOutput must be rank-2 arrays with the same number of "
                    + "rows ([rows, nOut] for preOutput), got labels " + Arrays.toString(labels.shape())
                    + " and preOutput " + Arrays.toString(preOutput.shape()));
        }
        long rows = preOutput.size(0);
        if (mask != null) {
            boolean columnsFit = mask.rank() == 2 && (mask.size(1) == 1 || mask.size(1) == preOutput.size(1)
                    || mask.size(1) == labels.size(1));
            if (!columnsFit || mask.size(0) != rows) {
                throw new IllegalArgumentException("mask must have shape [rows,1] (per row) or the shape of preOutput "
                        + "or labels (per output), got mask " + Arrays.toString(mask.shape()) + ", preOutput "
                        + Arrays.toString(preOutput.shape()) + " and labels " + Arrays.toString(labels.shape()));
            }
        }
        return Math.toIntExact(rows);
    }

    /** Whether {@code mask} is a per-row mask (one column); false for null. */
    static boolean isPerRow(INDArray mask) {
        return mask != null && mask.size(1) == 1;
    }

    /** The mask the wrapped loss gets: a per-output mask as it is, none for a per-row mask (SuperLoss applies it). */
    static INDArray maskForWrappedLoss(INDArray mask) {
        return isPerRow(mask) ? null : mask;
    }

    /**
     * The weight of every row: its per-row mask value; 1 or 0 (all zero) for a per-output mask; 1 without a mask.
     * Checks the mask values first (a negative, NaN or infinite weight would corrupt the threshold's weighted mean).
     *
     * @param mask a mask whose shape {@link #rows} accepted, or null
     * @throws IllegalArgumentException naming the value, its position and the mask's shape when a value is invalid
     */
    static double[] rowWeights(INDArray mask, int rows) {
        double[] weight = new double[rows];
        if (mask == null) {
            Arrays.fill(weight, 1.0);
            return weight;
        }
        double[] values = Nd4j.toFlattened('c', mask).toDoubleVector();
        int columns = Math.toIntExact(mask.size(1));
        boolean perRow = columns == 1;
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (!(v >= 0.0) || v == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("mask values must be finite and >= 0, got " + v + " at ["
                        + i / columns + ", " + i % columns + "] of mask " + Arrays.toString(mask.shape()));
            }
            if (!perRow && v != 0.0 && v != 1.0) {
                throw new IllegalArgumentException("per-output mask values must be 0 or 1 (they select outputs; weight "
                        + "rows with a [rows,1] mask), got " + v + " at [" + i / columns + ", " + i % columns
                        + "] of mask " + Arrays.toString(mask.shape()));
            }
            if (perRow) {
                weight[i] = v;
            } else if (v != 0.0) {
                weight[i / columns] = 1.0;
            }
        }
        return weight;
    }

    /** Whether some weight is neither 0 nor 1, i.e. a gradient row needs scaling by its weight. */
    static boolean hasFractionalWeights(double[] weight) {
        for (double w : weight) {
            if (w != 0.0 && w != 1.0) {
                return true;
            }
        }
        return false;
    }
}
