package io.superloss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-row work of one fused training step: every row's SuperLoss and sigma ({@link SuperLossKernel#forward}) and
 * the scaling of the wrapped loss's gradient rows by sigma (0 for masked rows), which is the whole SuperLoss gradient
 * (see {@link SuperLossKernel}). On ND4J's CUDA backend one kernel does both on the device ({@link CudaKernels});
 * elsewhere the Java kernel computes the rows and ND4J scales the gradient.
 */
final class FusedSuperLoss {
    private FusedSuperLoss() {
    }

    /**
     * @param gradient [rows, nOut], scaled in place
     * @see SuperLossKernel#forward for the other parameters
     */
    static void forwardAndScale(double[] loss, double[] weight, double tau, double lambda, double[] superLoss,
                                double[] sigma, INDArray gradient) {
        CudaKernels cuda = CudaKernels.forCurrentBackend();
        if (cuda != null && cuda.superLoss(loss, weight, tau, lambda, superLoss, sigma, gradient)) {
            return;
        }
        SuperLossKernel.forward(loss, weight, tau, lambda, superLoss, sigma);
        scaleRows(weight, sigma, gradient);
    }

    /**
     * Scales each gradient row by its sigma, masked rows (weight 0) by 0: the SuperLoss gradient from the wrapped
     * loss's (also used by GRAPH execution, whose graph computes sigma).
     *
     * @param gradient [rows, nOut], scaled in place
     */
    static void scaleRows(double[] weight, double[] sigma, INDArray gradient) {
        double[] scale = new double[sigma.length];
        for (int i = 0; i < scale.length; i++) {
            scale[i] = weight[i] == 0.0 ? 0.0 : sigma[i];
        }
        INDArray column = Nd4j.createFromArray(scale).reshape(scale.length, 1);
        gradient.muliColumnVector(column.castTo(gradient.dataType()));
    }
}
