package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.ArrayList;
import java.util.List;

/**
 * The per-row SuperLoss arithmetic of a batch as one native ND4J op ({@code superloss_rows}), a building block of this
 * library's SameDiff SuperLoss; public only because SameDiff rebuilds graph ops by reflection. Requires the native ops
 * ({@link LambertW#nativeOps()} NATIVE).
 *
 * <p>Inputs, all DOUBLE: {@code loss} [rows,1] (the per-row base loss), {@code tau} (one element; NaN, a threshold
 * that no training call has set, stands for the batch's own mean over its usable rows, the rows with a weight other
 * than 0 and a finite loss, as in FUSED execution), optionally {@code weight} [rows,1] (row weights, the mask; none
 * means 1). Argument: {@code lambda}, finite and &gt; 0. Outputs,
 * [rows,1] DOUBLE each, by the rules of {@code SuperLossKernel.forward} (the native code is generated from it):
 * <ol start="0">
 *   <li>{@code superLoss}: weight times the row's SuperLoss, exactly 0 where the weight is 0;</li>
 *   <li>{@code sigma}: the row's confidence, NaN where the weight is 0 (the C library's {@code exp}, so within 1 ulp
 *       of the Java kernel's);</li>
 *   <li>{@code slope}: d superLoss / d loss = weight times sigma, 0 where the weight is 0.</li>
 * </ol>
 * Gradient: {@code slope} times the incoming gradient of {@code superLoss} for {@code loss} (sigma minimises the
 * SuperLoss, so this is the full derivative, with sigma treated as a constant); zero for {@code tau} and
 * {@code weight}; the gradients of the {@code sigma} and {@code slope} outputs are not propagated.
 */
public final class SuperLossRowsOp extends NativeOp {
    /** The op's name in libnd4j's registry. */
    public static final String OP_NAME = "superloss_rows";
    private static final Signature SIGNATURE = new Signature(OP_NAME, -1, 3, 1, 0);
    private static final String[] INPUTS = {"loss", "tau", "weight"};

    /** For ND4J's reflection (graph rebuilding and deserialisation). */
    public SuperLossRowsOp() {
    }

    /**
     * The op on SameDiff variables; outputs in the order superLoss, sigma, slope ({@link #outputVariables()}).
     *
     * @param weight null for no weights
     * @throws IllegalArgumentException if a variable is not DOUBLE or {@code lambda} is not finite and positive
     */
    SuperLossRowsOp(SameDiff sd, SDVariable loss, SDVariable tau, SDVariable weight, double lambda) {
        super(sd, doubleInputs(OP_NAME, INPUTS, new SDVariable[] {loss, tau, weight}, SDVariable::dataType));
        addTArgument(checkedLambda(OP_NAME, lambda));
    }

    /**
     * The op on arrays, for {@code Nd4j.exec}; outputs allocated by ND4J.
     *
     * @param weight null for no weights
     * @throws IllegalArgumentException if an array is not DOUBLE or {@code lambda} is not finite and positive
     */
    SuperLossRowsOp(INDArray loss, INDArray tau, INDArray weight, double lambda) {
        super(doubleInputs(OP_NAME, INPUTS, new INDArray[] {loss, tau, weight}, INDArray::dataType), null);
        addTArgument(checkedLambda(OP_NAME, lambda));
    }

    /** {@code lambda}, checked to be finite and &gt; 0 (else an IllegalArgumentException naming {@code op}). */
    static double checkedLambda(String op, double lambda) {
        if (!(lambda > 0.0) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException(op + ": 'lambda' must be finite and > 0, got " + lambda);
        }
        return lambda;
    }

    @Override
    Signature signature() {
        return SIGNATURE;
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> dataTypes) {
        return doubleOutputs(OP_NAME, dataTypes, 2, 3, 3);
    }

    /** Three outputs of the loss's dimensions, for a DOUBLE, non-empty [rows,1] loss. */
    @Override
    List<LongShapeDescriptor> outputShapesOf(List<INDArray> inputs) {
        LongShapeDescriptor rows = inputs.isEmpty() ? null : rowsShapeOf(inputs.get(0));
        return rows == null ? null : List.of(rows, rows, rows);
    }

    /** The shape of a per-row output for a DOUBLE, non-empty [rows,1] {@code loss}; else null. */
    static LongShapeDescriptor rowsShapeOf(INDArray loss) {
        LongShapeDescriptor shape = doubleOutputLike(loss);
        return shape == null || shape.getShape().length != 2 || shape.getShape()[1] != 1 ? null : shape;
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        SDVariable slope = outputVariables()[2];
        List<SDVariable> result = new ArrayList<>();
        result.add(gradients.get(0).mul(slope));
        SDVariable[] inputs = args();
        for (int i = 1; i < inputs.length; i++) {
            result.add(sameDiff.zerosLike(inputs[i]));
        }
        return result;
    }
}
