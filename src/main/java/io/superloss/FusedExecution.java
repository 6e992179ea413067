package io.superloss;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link SuperLoss.Execution#FUSED}: the per-row work computed eagerly next to the wrapped loss. Every row's SuperLoss
 * and sigma come from {@link SuperLossKernel#forward}, and the gradient rows are scaled by {@link GradientScaling}; on
 * ND4J's CUDA backend one kernel does both on the device ({@link CudaKernels}). Stateless apart from its
 * configuration, so one instance serves every thread.
 */
final class FusedExecution implements SuperLossExecution {
    private final double lambda;

    FusedExecution(double lambda) {
        this.lambda = lambda;
    }

    @Override
    public RowEvaluation train(PreparedBatch batch, ThresholdState state, INDArray gradient) {
        double tau = batch.usableWeight > 0.0 ? state.advance(batch.usableSum, batch.usableWeight)
                : batch.scoringTau(state.tau());
        RowEvaluation eval = new RowEvaluation(batch.count);
        forwardAndScale(batch.loss, batch.weight, tau, lambda, eval.superLoss, eval.sigma, gradient);
        GradientScaling.zeroMaskedRows(batch.weight, gradient);
        return eval;
    }

    @Override
    public RowEvaluation score(PreparedBatch batch, ThresholdSnapshot state) {
        RowEvaluation eval = new RowEvaluation(batch.count);
        SuperLossKernel.forward(batch.loss, batch.weight, batch.scoringTau(state.tau()), lambda, eval.superLoss,
                eval.sigma);
        return eval;
    }

    /**
     * {@link SuperLossKernel#forward} for every row and the scaling of each gradient row by its sigma (0 for masked
     * rows): in one CUDA kernel on ND4J's CUDA backend when the gradient allows it, else in Java.
     *
     * @param gradient [rows, nOut], scaled in place
     */
    static void forwardAndScale(double[] loss, double[] weight, double tau, double lambda, double[] superLoss,
                                double[] sigma, INDArray gradient) {
        CudaKernels cuda = CudaKernels.forCurrentBackend();
        if (cuda != null && cuda.superLoss(loss, weight, tau, lambda, superLoss, sigma, gradient)) {
            return;
        }
        SuperLossKernel.forward(loss, weight, tau, lambda, superLoss, sigma);
        GradientScaling.scaleRows(weight, sigma, gradient);
    }
}
