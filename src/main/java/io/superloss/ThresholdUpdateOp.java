package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One training call's SuperLoss threshold update as one native ND4J op ({@code superloss_threshold_update}), a building
 * block of this library's SameDiff SuperLoss; public only because SameDiff rebuilds graph ops by reflection. Requires
 * the native ops ({@link LambertW#nativeOps()} NATIVE).
 *
 * <p>Inputs, all DOUBLE, in this order: the state's {@code tau} (one element) and {@code counts} (three elements:
 * calls, rowWeight, seenWeight, as in {@link ThresholdSnapshot}), the batch's per-row {@code loss} [rows,1] and
 * optionally {@code weight} [rows,1] (none means 1). Arguments: the {@link Policy}, {@code warmupIterations} (&ge; 0)
 * and {@code momentum} (EMA: in (0, 1); ignored by the other policies). Outputs: the new {@code tau} and
 * {@code counts}, each of its input's shape.
 *
 * <p>Rules. Usable rows have weight &ne; 0 and a finite loss; S is the sum of weight times loss over them and B the sum
 * of their weights (both summed in row order). If B = 0 nothing changes. Otherwise, with m = S / B and
 * warmingUp = calls &lt; warmupIterations:
 * <ul>
 *   <li>constant: tau unchanged;</li>
 *   <li>EMA: tau = m if warmingUp, tau is NaN or calls = warmupIterations; else tau - (1 - momentum)(tau - m);</li>
 *   <li>global mean: if warmingUp, tau = m (rowWeight unchanged); else total = rowWeight + B,
 *       tau = (rowWeight = 0 ? m : tau + (S - B tau) / total) and rowWeight = total;</li>
 * </ul>
 * then, for every policy, calls += 1 and seenWeight += B.
 *
 * <p>No gradient: {@code doDiff} gives zeros for every input. Keep the op off a loss's gradient path (read its tau
 * output through {@code GraphDetach}): a zero gradient would expose a state VARIABLE to the updater and to weight
 * decay.
 */
public final class ThresholdUpdateOp extends NativeOp {
    /** The op's name in libnd4j's registry. */
    public static final String OP_NAME = "superloss_threshold_update";
    private static final Signature SIGNATURE = new Signature(OP_NAME, -1, 2, 1, 2);
    /** The inputs, in order; the first two are the state, and the outputs. */
    private static final String[] INPUTS = {"tau", "counts", "loss", "weight"};

    /** The threshold policies, by their native code ({@link #code()}). */
    enum Policy {
        CONSTANT(0), EMA(1), GLOBAL_MEAN(2);

        private final int code;

        Policy(int code) {
            this.code = code;
        }

        int code() {
            return code;
        }
    }

    /** For ND4J's reflection (graph rebuilding and deserialisation). */
    public ThresholdUpdateOp() {
    }

    /**
     * The op on SameDiff variables; outputs in the order tau, counts.
     *
     * @param weight null for no weights
     * @throws IllegalArgumentException if a variable is missing or not DOUBLE, or an argument is out of range
     */
    ThresholdUpdateOp(SameDiff sd, SDVariable tau, SDVariable counts, SDVariable loss, SDVariable weight,
                      Policy policy, int warmupIterations, double momentum) {
        super(sd, doubleInputs(OP_NAME, INPUTS, new SDVariable[] {tau, counts, loss, weight}, SDVariable::dataType));
        addUpdateArguments(this, policy, warmupIterations, momentum);
    }

    /**
     * The op on arrays, for {@code Nd4j.exec}; outputs allocated by ND4J.
     *
     * @param weight null for no weights
     * @throws IllegalArgumentException if an array is missing or not DOUBLE, or an argument is out of range
     */
    ThresholdUpdateOp(INDArray tau, INDArray counts, INDArray loss, INDArray weight, Policy policy,
                      int warmupIterations, double momentum) {
        super(doubleInputs(OP_NAME, INPUTS, new INDArray[] {tau, counts, loss, weight}, INDArray::dataType), null);
        addUpdateArguments(this, policy, warmupIterations, momentum);
    }

    /**
     * Checks the update's arguments and adds them to {@code op}: the integer arguments policy and warmupIterations,
     * the floating-point argument momentum (0 for the policies that ignore it).
     *
     * @throws IllegalArgumentException naming {@code op} and the argument if one is out of range
     */
    static void addUpdateArguments(NativeOp op, Policy policy, int warmupIterations, double momentum) {
        Objects.requireNonNull(policy, "policy");
        if (warmupIterations < 0) {
            throw new IllegalArgumentException(op.opName() + ": 'warmupIterations' must be >= 0, got "
                    + warmupIterations);
        }
        if (policy == Policy.EMA && !(momentum > 0.0 && momentum < 1.0)) {
            throw new IllegalArgumentException(op.opName() + ": 'momentum' must be in (0, 1) for EMA, got "
                    + momentum);
        }
        op.addIArgument(policy.code(), warmupIterations);
        op.addTArgument(policy == Policy.EMA ? momentum : 0.0);
    }

    @Override
    Signature signature() {
        return SIGNATURE;
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> dataTypes) {
        return doubleOutputs(OP_NAME, dataTypes, 3, 4, 2);
    }

    @Override
    List<LongShapeDescriptor> outputShapesOf(List<INDArray> inputs) {
        return stateShapesOf(inputs);
    }

    /**
     * The new tau and counts, of the dimensions of the state's tau and counts (inputs 0 and 1) when both are DOUBLE;
     * else null.
     */
    static List<LongShapeDescriptor> stateShapesOf(List<INDArray> inputs) {
        if (inputs.size() < 2) {
            return null;
        }
        LongShapeDescriptor tau = doubleOutputLike(inputs.get(0));
        LongShapeDescriptor counts = doubleOutputLike(inputs.get(1));
        return tau == null || counts == null ? null : List.of(tau, counts);
    }

    /** Zeros for every input: the update has no gradient. */
    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        List<SDVariable> zeros = new ArrayList<>();
        for (SDVariable input : args()) {
            zeros.add(sameDiff.zerosLike(input));
        }
        return zeros;
    }
}
