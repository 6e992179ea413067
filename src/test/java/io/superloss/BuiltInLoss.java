package io.superloss;

import io.superloss.examples.SameDiffMse;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossCosineProximity;
import org.nd4j.linalg.lossfunctions.impl.LossFMeasure;
import org.nd4j.linalg.lossfunctions.impl.LossHinge;
import org.nd4j.linalg.lossfunctions.impl.LossKLD;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMAE;
import org.nd4j.linalg.lossfunctions.impl.LossMAPE;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossMSLE;
import org.nd4j.linalg.lossfunctions.impl.LossMixtureDensity;
import org.nd4j.linalg.lossfunctions.impl.LossMultiLabel;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;
import org.nd4j.linalg.lossfunctions.impl.LossPoisson;
import org.nd4j.linalg.lossfunctions.impl.LossSparseMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossSquaredHinge;
import org.nd4j.linalg.lossfunctions.impl.LossWasserstein;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Every built-in {@link ILossFunction} of ND4J 1.0.0-M2.1 and a user-written {@code SameDiffLoss}, as DL4J's own
 * loss-function gradient checks use them ({@code LossFunctionGradientCheck} and {@code TestGradientCheckTestsMasking}
 * in the deeplearning4j test sources): the output activations they pair each loss with, the output size, and labels
 * of the kind the loss expects. The clipping epsilons of the cross-entropies are 0, as GradientCheckUtil sets them on
 * unwrapped losses (it cannot reach a wrapped one).
 */
enum BuiltInLoss {
    BINARY_XENT(() -> new LossBinaryXENT(0.0), Labels.BINARY, 3, Activation.SIGMOID),
    BINARY_XENT_ONE_OUTPUT(() -> new LossBinaryXENT(0.0), Labels.BINARY, 1, Activation.SIGMOID),
    COSINE_PROXIMITY(LossCosineProximity::new, Labels.CENTERED, 5, Activation.TANH),
    F_MEASURE(LossFMeasure::new, Labels.BINARY, 1, Activation.SIGMOID, Activation.SOFTMAX),
    HINGE(LossHinge::new, Labels.PLUS_MINUS_ONE, 3, Activation.TANH),
    KLD(LossKLD::new, Labels.DISTRIBUTION, 3, Activation.SIGMOID, Activation.SOFTMAX),
    L1(LossL1::new, Labels.SYMMETRIC, 3, Activation.TANH, Activation.RATIONALTANH, Activation.SOFTMAX),
    L2(LossL2::new, Labels.SYMMETRIC, 3, Activation.TANH, Activation.SOFTMAX),
    MAE(LossMAE::new, Labels.SYMMETRIC, 3, Activation.IDENTITY, Activation.SOFTMAX, Activation.TANH),
    MAPE(LossMAPE::new, Labels.ONE_TO_TWO, 3, Activation.IDENTITY, Activation.SOFTMAX, Activation.TANH),
    MCXENT(() -> new LossMCXENT(0.0, null), Labels.ONE_HOT, 3, Activation.SOFTMAX, Activation.SIGMOID),
    MIXTURE_DENSITY(() -> LossMixtureDensity.builder().gaussians(2).labelWidth(3).build(), Labels.UNIT, 10,
            Activation.IDENTITY, Activation.TANH),
    MSE(LossMSE::new, Labels.SYMMETRIC, 3, Activation.IDENTITY, Activation.SOFTMAX, Activation.TANH),
    MSLE(LossMSLE::new, Labels.UNIT, 3, Activation.SIGMOID, Activation.SOFTMAX),
    MULTI_LABEL(LossMultiLabel::new, Labels.MULTI_LABEL, 10, Activation.TANH),
    NEGATIVE_LOG_LIKELIHOOD(BuiltInLoss::unclippedNll, Labels.ONE_HOT, 3, Activation.SIGMOID, Activation.SOFTMAX),
    POISSON(LossPoisson::new, Labels.BINARY, 3, Activation.SIGMOID),
    SPARSE_MCXENT(() -> new LossSparseMCXENT(0.0, null), Labels.CLASS_INDEX, 4, Activation.SOFTMAX),
    SQUARED_HINGE(LossSquaredHinge::new, Labels.PLUS_MINUS_ONE, 3, Activation.TANH),
    WASSERSTEIN(LossWasserstein::new, Labels.SYMMETRIC, 2, Activation.IDENTITY),
    SAME_DIFF_MSE(SameDiffMse::new, Labels.SYMMETRIC, 3, Activation.SOFTMAX, Activation.SIGMOID, Activation.TANH);

    /** Label kinds, as DL4J's gradient checks draw them. */
    enum Labels {
        BINARY, CENTERED, PLUS_MINUS_ONE, DISTRIBUTION, SYMMETRIC, ONE_TO_TWO, ONE_HOT, UNIT, MULTI_LABEL, CLASS_INDEX
    }

    private final Supplier<ILossFunction> factory;
    final Labels labels;
    final int nOut;
    final List<Activation> activations;

    BuiltInLoss(Supplier<ILossFunction> factory, Labels labels, int nOut, Activation... activations) {
        this.factory = factory;
        this.labels = labels;
        this.nOut = nOut;
        this.activations = List.of(activations);
    }

    private static ILossFunction unclippedNll() {
        LossNegativeLogLikelihood nll = new LossNegativeLogLikelihood();
        nll.setSoftmaxClipEps(0.0);
        return nll;
    }

    /** A new instance of the loss. */
    ILossFunction create() {
        return factory.get();
    }

    /** Whether SuperLoss refuses the loss (it has no per-example values). */
    boolean refused() {
        return this == F_MEASURE;
    }

    /** The output size with {@code activation} (LossFMeasure: 1 for a sigmoid, 2 for a softmax). */
    int nOut(Activation activation) {
        return this == F_MEASURE && activation == Activation.SOFTMAX ? 2 : nOut;
    }

    /** The width of a label row: the class index, the mixture's label width, or nOut. */
    int labelWidth(Activation activation) {
        return this == SPARSE_MCXENT ? 1 : this == MIXTURE_DENSITY ? 3 : nOut(activation);
    }

    /**
     * Whether the loss takes per-output masks with {@code activation}: ND4J's cross-entropies refuse them with softmax;
     * cosine proximity, the mixture density, the multi-label loss and a stock SameDiffLoss have none (the last two
     * apply a mask to a per-example array).
     */
    boolean takesPerOutputMasks(Activation activation) {
        switch (this) {
            case COSINE_PROXIMITY:
            case MIXTURE_DENSITY:
            case MULTI_LABEL:
            case SPARSE_MCXENT:
            case SAME_DIFF_MSE:
            case F_MEASURE:
                return false;
            case MCXENT:
            case NEGATIVE_LOG_LIKELIHOOD:
                return activation != Activation.SOFTMAX;
            default:
                return true;
        }
    }

    /** {@code rows} label rows of width {@link #labelWidth}, drawn as DL4J's gradient checks draw them. */
    double[][] labelRows(Random r, int rows, Activation activation) {
        int width = labelWidth(activation);
        double[][] y = new double[rows][width];
        for (double[] row : y) {
            switch (labels) {
                case BINARY:
                    for (int j = 0; j < width; j++) {
                        row[j] = r.nextBoolean() ? 1 : 0;
                    }
                    break;
                case CENTERED:
                    for (int j = 0; j < width; j++) {
                        row[j] = r.nextDouble() - 0.5;
                    }
                    break;
                case PLUS_MINUS_ONE:
                    java.util.Arrays.fill(row, 1.0);
                    row[r.nextInt(width)] = -1;
                    break;
                case DISTRIBUTION:
                    double sum = 0;
                    for (int j = 0; j < width; j++) {
                        row[j] = Math.exp(r.nextDouble());
                        sum += row[j];
                    }
                    for (int j = 0; j < width; j++) {
                        row[j] /= sum;
                    }
                    break;
                case SYMMETRIC:
                    for (int j = 0; j < width; j++) {
                        row[j] = 2 * r.nextDouble() - 1;
                    }
                    break;
                case ONE_TO_TWO:
                    for (int j = 0; j < width; j++) {
                        row[j] = 1 + r.nextDouble();
                    }
                    break;
                case ONE_HOT:
                    row[r.nextInt(width)] = 1;
                    break;
                case UNIT:
                    for (int j = 0; j < width; j++) {
                        row[j] = r.nextDouble();
                    }
                    break;
                case MULTI_LABEL:
                    // At least one positive and one negative label, so that every row has a loss.
                    for (int j = 0; j < width; j++) {
                        row[j] = r.nextDouble() < 0.3 ? 1 : 0;
                    }
                    int positive = r.nextInt(width);
                    row[positive] = 1;
                    row[(positive + 1 + r.nextInt(width - 1)) % width] = 0;
                    break;
                case CLASS_INDEX:
                    row[0] = r.nextInt(nOut);
                    break;
                default:
                    throw new AssertionError(labels);
            }
        }
        return y;
    }
}
