package io.superloss;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossFMeasure;
import org.nd4j.linalg.lossfunctions.impl.LossMAE;
import org.nd4j.linalg.lossfunctions.impl.LossWasserstein;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The wrapped loss's per-example values, consistent with its gradient: for every row, the value l whose derivative with
 * respect to the row's pre-output is that row of the gradient {@link #gradient} returns. SuperLoss's gradient is sigma
 * times this gradient, so these values are the l of its confidence and of its (l - tau) sigma + lambda (ln sigma)^2;
 * with values of another scale, tau and sigma would be in the wrong units and SuperLoss's score and gradient would
 * disagree. Under a per-output mask this holds at the outputs the mask keeps: ND4J's losses give the others a zero
 * gradient, which OutputLayer and RnnOutputLayer make exact by zeroing their pre-outputs; a LossLayer does not, so
 * with a softmax (which couples the outputs) neither DL4J's own gradient nor this one is exact there.
 *
 * <p><b>Masks</b> ({@link BatchShape}): a per-row mask never reaches the wrapped loss; the values are those of the
 * unmasked rows (0 for masked rows) and the gradient rows are scaled by their weights here. A per-output (0/1) mask
 * goes to the wrapped loss. Applying per-row weights here keeps every wrapped loss consistent whatever it does with a
 * [rows,1] mask; ND4J's elementwise losses (L1, L2, MSE, MAE, MAPE, MSLE, Hinge, SquaredHinge, KLD, Poisson,
 * BinaryXENT) treat it as a per-output mask when nOut is 1 ({@code LossUtil.isPerOutputMasking} compares the shapes)
 * and then weight the score by the mask value m but the gradient by m^2 (LossSquaredHinge: m^2 and m^3).
 *
 * <p><b>Compensations</b> for ND4J 1.0.0-M2.1, each applied only where the wrapped loss runs that ND4J code (the named
 * methods are ND4J's, not a subclass's override); a test pins each ND4J behaviour, so that a release that changes it
 * fails that test and the compensation can be removed knowingly ({@code Nd4jLossBehaviourTest}):
 * <ul>
 *   <li>{@code LossMAE}: its {@code computeScoreArray} divides LossL1's per-row sums by the size of the summed
 *       array's second dimension, which is 1, so it returns per-row sums, while its {@code computeScore} and
 *       {@code computeGradient} divide by nOut (per-row means). The values here are the sums divided by nOut.</li>
 *   <li>{@code LossBinaryXENT} with a softmax activation: its score takes a softmax-specific branch that keeps only
 *       the sum of y ln p, while its gradient is that of the full binary cross-entropy,
 *       -sum y ln p + (1 - y) ln(1 - p), on the (clipped) softmax outputs. The values here are its general branch's
 *       score on the softmax outputs (the wrapped loss called with the identity activation on them). With weights and
 *       softmax its gradient applies the weights after the softmax's backprop, so it is the derivative of no
 *       per-example loss: refused.</li>
 *   <li>{@code LossWasserstein} with a per-output mask: its {@code computeGradient} multiplies the labels array in
 *       place by the mask (the caller's array when it has the pre-output's data type) where dL/da was meant, so the
 *       gradient misses the mask under a coupled activation such as softmax, and the caller's labels change. Its
 *       gradient call gets a masked copy of the labels instead.</li>
 * </ul>
 * Left as ND4J has them (differences at the scale of ND4J's clipping constants, as GradientCheckUtil treats the
 * clipping epsilons of LossMCXENT and LossBinaryXENT, or assumptions of the loss): LossMCXENT's and LossBinaryXENT's
 * clipping epsilons (score clipped, gradient not); LossKLD clips labels and outputs to at least 1e-5 in its score only
 * (a zero label adds 1e-5 ln(1e-5 / p) to the score but nothing to the gradient); LossMCXENT/LossNegativeLogLikelihood/
 * LossSparseMCXENT with softmax use the gradient p - y, which is the derivative of their score only for label rows
 * that sum to 1.
 *
 * <p><b>Refused</b> ({@link IllegalArgumentException} naming the loss and why): {@code LossFMeasure} when this is
 * built (its {@code computeScoreArray} always throws: the F-measure is defined on a whole minibatch, not per example);
 * at a call, a wrapped loss whose {@code computeScoreArray} throws (the exception is the cause) or returns another
 * number of values than rows.
 *
 * <p>Immutable; as thread-safe as the wrapped loss.
 */
final class PerExampleLoss implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ILossFunction loss;
    /** LossMAE's computeScoreArray and computeGradient: the score array holds per-row sums, the gradient means. */
    private final boolean scoreArrayHoldsRowSums;
    /** LossBinaryXENT's computeScoreArray and computeGradient: under softmax they are of different functions. */
    private final boolean binaryXentScoreDiffersUnderSoftmax;
    /** LossWasserstein's computeGradient: it masks the labels (in place) instead of dL/da. */
    private final boolean gradientMasksLabelsInPlace;

    private PerExampleLoss(ILossFunction loss) {
        this.loss = loss;
        this.scoreArrayHoldsRowSums = runsOwn(loss, LossMAE.class, "computeScoreArray")
                && runsOwn(loss, LossMAE.class, "computeGradient");
        this.binaryXentScoreDiffersUnderSoftmax = runsOwn(loss, LossBinaryXENT.class, "computeScoreArray")
                && runsOwn(loss, LossBinaryXENT.class, "computeGradient");
        this.gradientMasksLabelsInPlace = runsOwn(loss, LossWasserstein.class, "computeGradient");
    }

    /**
     * The per-example view of {@code loss}.
     *
     * @throws IllegalArgumentException naming {@code loss} when it is known to have no per-example values
     */
    static PerExampleLoss of(ILossFunction loss) {
        if (runsOwn(loss, LossFMeasure.class, "computeScoreArray")) {
            throw new IllegalArgumentException("SuperLoss cannot wrap " + loss + ": it has no per-example values (the "
                    + "F-measure is defined on a whole minibatch, and its computeScoreArray always throws), and "
                    + "SuperLoss weights every example by its own loss");
        }
        return new PerExampleLoss(loss);
    }

    /**
     * The per-example values l of one batch, unweighted: 0 for masked rows.
     *
     * @param mask       the call's mask (per row or per output) or null, with a shape {@link BatchShape#rows} accepted
     * @param rowWeights the rows' weights ({@link BatchShape#rowWeights})
     * @throws IllegalArgumentException naming the wrapped loss and the shapes when it gives no value per row
     */
    double[] values(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                    double[] rowWeights) {
        INDArray wrappedMask = BatchShape.maskForWrappedLoss(mask);
        boolean softmaxBinaryXent = binaryXentScoreDiffersUnderSoftmax && activationFn instanceof ActivationSoftmax;
        if (softmaxBinaryXent && ((LossBinaryXENT) loss).getWeights() != null) {
            throw new IllegalArgumentException("SuperLoss cannot wrap " + loss + " with a softmax activation: with "
                    + "weights, its gradient applies them after the softmax's derivative, so it is the derivative of "
                    + "no per-example loss (use a sigmoid activation, or weights with LossMCXENT)");
        }
        INDArray scores;
        try {
            scores = softmaxBinaryXent
                    ? loss.computeScoreArray(labels, activationFn.getActivation(preOutput.dup(), true),
                            new ActivationIdentity(), wrappedMask)
                    : loss.computeScoreArray(labels, preOutput, activationFn, wrappedMask);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the wrapped loss " + loss + " gave no per-example values for labels "
                    + Arrays.toString(labels.shape()) + " and preOutput " + Arrays.toString(preOutput.shape())
                    + (wrappedMask == null ? "" : " with mask " + Arrays.toString(wrappedMask.shape()))
                    + " (SuperLoss needs its computeScoreArray): " + e, e);
        }
        if (scores == null || scores.length() != rowWeights.length) {
            throw new IllegalArgumentException("the wrapped loss " + loss + " returned "
                    + (scores == null ? "null" : Arrays.toString(scores.shape())) + " from computeScoreArray for "
                    + rowWeights.length + " rows (labels " + Arrays.toString(labels.shape()) + ", preOutput "
                    + Arrays.toString(preOutput.shape()) + "): SuperLoss needs one value per example");
        }
        double[] values = HostArrays.toDoubles(scores);
        double divisor = scoreArrayHoldsRowSums ? labels.size(1) : 1.0;
        for (int i = 0; i < values.length; i++) {
            values[i] = rowWeights[i] == 0.0 ? 0.0 : values[i] / divisor;
        }
        return values;
    }

    /**
     * The gradient with respect to the pre-output of the per-row values, each row weighted by its row weight: the
     * wrapped loss's gradient with a per-output mask, scaled by the weights of a per-row mask. Rows masked by a
     * per-row mask are left as the wrapped loss computed them (their weight is 0: SuperLoss zeroes them).
     *
     * @param mask       the call's mask (per row or per output) or null, with a shape {@link BatchShape#rows} accepted
     * @param rowWeights the rows' weights ({@link BatchShape#rowWeights})
     */
    INDArray gradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                      double[] rowWeights) {
        INDArray wrappedMask = BatchShape.maskForWrappedLoss(mask);
        INDArray wrappedLabels = labels;
        if (gradientMasksLabelsInPlace && wrappedMask != null) {
            wrappedLabels = labels.castTo(preOutput.dataType()).mul(wrappedMask.castTo(preOutput.dataType()));
        }
        INDArray gradient = loss.computeGradient(wrappedLabels, preOutput, activationFn, wrappedMask);
        if (BatchShape.isPerRow(mask) && BatchShape.hasFractionalWeights(rowWeights)) {
            GradientScaling.multiplyRows(gradient, rowWeights);
        }
        return gradient;
    }

    /** Whether {@code loss}'s {@code method(labels, preOutput, activationFn, mask)} is {@code nd4jClass}'s own. */
    private static boolean runsOwn(ILossFunction loss, Class<? extends ILossFunction> nd4jClass, String method) {
        if (!nd4jClass.isInstance(loss)) {
            return false;
        }
        try {
            return loss.getClass().getMethod(method, INDArray.class, INDArray.class, IActivation.class, INDArray.class)
                    .getDeclaringClass() == nd4jClass;
        } catch (NoSuchMethodException e) {
            throw new AssertionError("ILossFunction." + method + " is public", e);
        }
    }

    @Override
    public String toString() {
        return "PerExampleLoss(" + loss + ")";
    }
}
