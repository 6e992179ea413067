package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.List;

/**
 * A SuperLoss training call without gradients as one native ND4J op ({@code superloss_training_rows}): the threshold
 * update of {@link ThresholdUpdateOp}, then the rows of {@link SuperLossRowsOp} at the new threshold, without the slope.
 * The building block of {@link SuperLoss.Execution#GRAPH}, which never takes gradients through its graph: one op where
 * the two would cost SameDiff one more op execution per call. Public only because SameDiff rebuilds graph ops by
 * reflection. Requires the native ops ({@link LambertW#nativeOps()} NATIVE).
 *
 * <p>Inputs (all DOUBLE), integer arguments and the first floating-point argument (momentum) are
 * {@link ThresholdUpdateOp}'s; the second floating-point argument is {@code lambda}, finite and &gt; 0. Outputs, exactly
 * those of the two ops in sequence: 0, the new {@code tau}; 1, the new {@code counts}; 2, {@code superLoss} and 3,
 * {@code sigma}, [rows,1] each, as {@link SuperLossRowsOp}'s outputs 0 and 1 for the new tau.
 *
 * <p>No gradient: {@link #doDiff} refuses. Graphs that take gradients use the two ops ({@link SuperLossGraph}).
 */
public final class TrainingRowsOp extends NativeOp {
    /** The op's name in libnd4j's registry. */
    public static final String OP_NAME = "superloss_training_rows";
    private static final Signature SIGNATURE = new Signature(OP_NAME, -1, 4, 2, 2);
    private static final String[] INPUTS = {"tau", "counts", "loss", "weight"};

    /** For ND4J's reflection (graph rebuilding and deserialisation). */
    public TrainingRowsOp() {
    }

    /**
     * The op on SameDiff variables; outputs in the order tau, counts, superLoss, sigma.
     *
     * @param weight null for no weights
     * @throws IllegalArgumentException if a variable is missing or not DOUBLE, or an argument is out of range
     */
    TrainingRowsOp(SameDiff sd, SDVariable tau, SDVariable counts, SDVariable loss, SDVariable weight,
                   ThresholdUpdateOp.Policy policy, int warmupIterations, double momentum, double lambda) {
        super(sd, doubleInputs(OP_NAME, INPUTS, new SDVariable[] {tau, counts, loss, weight}, SDVariable::dataType));
        addArguments(policy, warmupIterations, momentum, lambda);
    }

    /**
     * The op on arrays, for {@code Nd4j.exec}; outputs allocated by ND4J.
     *
     * @param weight null for no weights
     * @throws IllegalArgumentException if an array is missing or not DOUBLE, or an argument is out of range
     */
    TrainingRowsOp(INDArray tau, INDArray counts, INDArray loss, INDArray weight, ThresholdUpdateOp.Policy policy,
                   int warmupIterations, double momentum, double lambda) {
        super(doubleInputs(OP_NAME, INPUTS, new INDArray[] {tau, counts, loss, weight}, INDArray::dataType), null);
        addArguments(policy, warmupIterations, momentum, lambda);
    }

    private void addArguments(ThresholdUpdateOp.Policy policy, int warmupIterations, double momentum,
                              double lambda) {
        double checkedLambda = SuperLossRowsOp.checkedLambda(OP_NAME, lambda);
        ThresholdUpdateOp.addUpdateArguments(this, policy, warmupIterations, momentum);
        addTArgument(checkedLambda);
    }

    @Override
    Signature signature() {
        return SIGNATURE;
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> dataTypes) {
        return doubleOutputs(OP_NAME, dataTypes, 3, 4, 4);
    }

    /** The state's shapes, then two of the loss's dimensions, for a DOUBLE state and a DOUBLE, non-empty loss. */
    @Override
    List<LongShapeDescriptor> outputShapesOf(List<INDArray> inputs) {
        List<LongShapeDescriptor> state = ThresholdUpdateOp.stateShapesOf(inputs);
        LongShapeDescriptor rows = inputs.size() < 3 ? null : SuperLossRowsOp.rowsShapeOf(inputs.get(2));
        return state == null || rows == null ? null : List.of(state.get(0), state.get(1), rows, rows);
    }

    /** @throws UnsupportedOperationException always: the op has no gradient */
    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        throw new UnsupportedOperationException(OP_NAME + " has no gradient; graphs that take gradients through "
                + "SuperLoss use " + ThresholdUpdateOp.OP_NAME + " and " + SuperLossRowsOp.OP_NAME
                + " (SuperLossGraph)");
    }
}
