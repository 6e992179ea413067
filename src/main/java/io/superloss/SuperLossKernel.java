package io.superloss;

/**
 * The per-row SuperLoss arithmetic shared by every execution path: from a row's base loss l, the threshold tau and the
 * regularisation lambda to the row's SuperLoss and confidence sigma.
 *
 * <p>With beta = (l - tau) / lambda and W = W0(max(-1/e, beta / 2)) (Castells et al. 2020, eq. 4, and the
 * closed form of its minimiser):
 * <ul>
 *   <li>sigma = exp(-W), in (0, e]: above 1 for easy rows (l &lt; tau), below 1 for hard ones;</li>
 *   <li>SuperLoss = (l - tau) sigma + lambda (ln sigma)^2, evaluated as {@code lambda W (W + 2)}, which is the same
 *       value without the cancellation of the first form;</li>
 *   <li>for beta &lt; -2/e the minimiser is clamped: W = -1, sigma = e, SuperLoss = e (l - tau) + lambda (both forms
 *       agree at beta = -2/e). FastEstimator clamps at -1.9999998/e instead; the ~5e-4 difference in sigma on clamped
 *       rows is intended.</li>
 * </ul>
 * sigma minimises the SuperLoss over the confidence, so by the envelope theorem dSuperLoss/dl = sigma exactly: the
 * gradient of SuperLoss is sigma times the gradient of the base loss, with no term through W.
 *
 * <p>Non-finite losses follow IEEE arithmetic: NaN gives NaN, +Inf gives sigma 0 and SuperLoss +Inf, -Inf gives
 * sigma e and SuperLoss -Inf.
 */
final class SuperLossKernel {
    /** -2/e rounded to double: twice the double nearest -1/e, which lies just below -1/e, so W0(beta/2) = -1 there. */
    static final double CLAMP_BETA = -0.7357588823428847;

    private SuperLossKernel() {
    }

    /**
     * Evaluates every row.
     *
     * @param loss       per-row base loss (unweighted)
     * @param weight     per-row weight (mask value); a row with weight 0 is masked: SuperLoss 0, sigma NaN
     * @param tau        the threshold
     * @param lambda     the regularisation, finite and positive
     * @param superLoss  out: weight times the row's SuperLoss
     * @param sigma      out: the row's confidence (NaN for masked rows)
     */
    static void forward(double[] loss, double[] weight, double tau, double lambda, double[] superLoss,
                        double[] sigma) {
        for (int i = 0; i < loss.length; i++) {
            if (weight[i] == 0.0) {
                superLoss[i] = 0.0;
                sigma[i] = Double.NaN;
                continue;
            }
            double diff = loss[i] - tau;
            double beta = diff / lambda;
            double rowLoss;
            double rowSigma;
            if (beta < CLAMP_BETA) {
                rowSigma = Math.E;
                rowLoss = Math.E * diff + lambda;
            } else {
                double w = LambertW.w0(0.5 * beta);
                rowSigma = Math.exp(-w);
                rowLoss = lambda * w * (w + 2.0);
            }
            superLoss[i] = weight[i] * rowLoss;
            sigma[i] = rowSigma;
        }
    }
}
