package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Benchmark access to package-private kernels and op constructors (this class is compiled only by the {@code bench}
 * profile): the array loops of {@link LambertWKernel}, which {@link LambertW#w0(org.nd4j.linalg.api.ndarray.INDArray)}
 * runs between its copies from and to ND4J buffers, and the native SuperLoss ops.
 */
public final class BenchAccess {
    private BenchAccess() {
    }

    /** {@code dst[i] = LambertW.w0(src[i])}, the loop of the DOUBLE array op. */
    public static void w0(double[] src, double[] dst) {
        LambertWKernel.w0(src, dst, src.length);
    }

    /** {@code dst[i] = LambertW.w0(src[i])}, the loop of the FLOAT array op. */
    public static void w0(float[] src, float[] dst) {
        LambertWKernel.w0(src, dst, src.length);
    }

    /** The native {@code superloss_rows} op on arrays: superLoss, sigma, slope. */
    public static INDArray[] superLossRows(INDArray loss, INDArray tau, INDArray weight, double lambda) {
        return Nd4j.exec(new SuperLossRowsOp(loss, tau, weight, lambda));
    }

    /** The native {@code superloss_rows} op in a graph: superLoss, sigma, slope. */
    public static SDVariable[] superLossRows(SameDiff sd, SDVariable loss, SDVariable tau, SDVariable weight,
                                             double lambda) {
        return new SuperLossRowsOp(sd, loss, tau, weight, lambda).outputVariables();
    }

    /** The native {@code superloss_threshold_update} op on arrays (tau, counts), EMA with momentum 0.9, no warm-up. */
    public static INDArray[] emaUpdate(INDArray tau, INDArray counts, INDArray loss, INDArray weight) {
        return Nd4j.exec(new ThresholdUpdateOp(tau, counts, loss, weight, ThresholdUpdateOp.Policy.EMA, 0, 0.9));
    }

    /** The native {@code superloss_threshold_update} op in a graph, EMA with momentum 0.9, no warm-up. */
    public static SDVariable[] emaUpdate(SameDiff sd, SDVariable tau, SDVariable counts, SDVariable loss,
                                         SDVariable weight) {
        return new ThresholdUpdateOp(sd, tau, counts, loss, weight, ThresholdUpdateOp.Policy.EMA, 0, 0.9)
                .outputVariables();
    }

    /**
     * The native {@code superloss_training_rows} op on arrays (tau, counts, superLoss, sigma), EMA with momentum 0.9,
     * no warm-up, lambda 1.
     */
    public static INDArray[] emaTrainingRows(INDArray tau, INDArray counts, INDArray loss, INDArray weight) {
        return Nd4j.exec(new TrainingRowsOp(tau, counts, loss, weight, ThresholdUpdateOp.Policy.EMA, 0, 0.9, 1.0));
    }

    /** The native {@code superloss_training_rows} op in a graph, EMA with momentum 0.9, no warm-up, lambda 1. */
    public static SDVariable[] emaTrainingRows(SameDiff sd, SDVariable tau, SDVariable counts, SDVariable loss,
                                               SDVariable weight) {
        return new TrainingRowsOp(sd, tau, counts, loss, weight, ThresholdUpdateOp.Policy.EMA, 0, 0.9, 1.0)
                .outputVariables();
    }

    /**
     * A SuperLoss(LossMSE) in GRAPH execution whose graph is built on the native ops ({@code nativeOps} true, where
     * they are loaded) or on ND4J's built-in ops only.
     */
    public static SuperLoss graphSuperLoss(boolean nativeOps) {
        return SuperLoss.builder(new org.nd4j.linalg.lossfunctions.impl.LossMSE())
                .execution(SuperLoss.Execution.GRAPH).build().withGraphOps(nativeOps);
    }
}
