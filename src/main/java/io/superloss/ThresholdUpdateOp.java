package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * One training call's SuperLoss threshold update as one native ND4J op ({@code superloss_threshold_update}), a building
 * block of this library's SameDiff SuperLoss; public only because SameDiff rebuilds graph ops by reflection. Requires
 * the native ops ({@link LambertW#nativeOps()} NATIVE).
 *
 * <p>Inputs, all DOUBLE, in this order: the state {@code tau}, {@code calls}, {@code rowWeight}, {@code seenWeight}
 * (one element each), the batch's per-row {@code loss} [rows,1] and optionally {@code weight} [rows,1] (none means 1).
 * Arguments: the {@link Policy}, {@code warmupIterations} (&ge; 0) and {@code momentum} (EMA: in (0, 1); ignored by
 * the other policies). Outputs: the new {@code tau}, {@code calls}, {@code rowWeight}, {@code seenWeight}, each of its
 * input's shape.
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
 * <p>No gradient: {@code doDiff} gives zeros for every input. A state held in a SameDiff VARIABLE should still reach
 * this op only through a detached value (see {@code GraphDetach}): a zero gradient exposes the variable to the updater
 * and to weight decay.
 *
 * <p>In a SameDiff graph, keep the state in arrays of shape [1] rather than rank 0: SameDiff 1.0.0-M2.1 puts every
 * intermediate array it releases into its array cache but never takes a rank-0 array out of it again
 * ({@code ArrayCacheMemoryMgr.allocate} skips rank 0), so rank-0 intermediates (outputs of this op that no one
 * requests, or that are consumed) pile up on the heap call after call, bounded only by the cache's byte limit.
 */
public final class ThresholdUpdateOp extends NativeOp {
    /** The op's name in libnd4j's registry. */
    public static final String OP_NAME = "superloss_threshold_update";
    private static final Signature SIGNATURE = new Signature(OP_NAME, -1, 4, 1, 2);
    /** The inputs, in order; the first four are the state, and the outputs. */
    private static final String[] INPUTS = {"tau", "calls", "rowWeight", "seenWeight", "loss", "weight"};

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
     * The op on SameDiff variables; outputs in the order tau, calls, rowWeight, seenWeight.
     *
     * @param state  tau, calls, rowWeight, seenWeight
     * @param weight null for no weights
     * @throws IllegalArgumentException if a variable is missing or not DOUBLE, or an argument is out of range
     */
    ThresholdUpdateOp(SameDiff sd, SDVariable[] state, SDVariable loss, SDVariable weight, Policy policy,
                      int warmupIterations, double momentum) {
        super(sd, inputs(state, loss, weight, SDVariable::dataType));
        addArguments(policy, warmupIterations, momentum);
    }

    /**
     * The op on arrays, for {@code Nd4j.exec}; outputs allocated by ND4J.
     *
     * @param state  tau, calls, rowWeight, seenWeight
     * @param weight null for no weights
     * @throws IllegalArgumentException if an array is missing or not DOUBLE, or an argument is out of range
     */
    ThresholdUpdateOp(INDArray[] state, INDArray loss, INDArray weight, Policy policy, int warmupIterations,
                      double momentum) {
        super(inputs(state, loss, weight, INDArray::dataType), null);
        addArguments(policy, warmupIterations, momentum);
    }

    /** tau, calls, rowWeight, seenWeight, loss, weight, each DOUBLE; no weight if it is null. */
    private static <T> T[] inputs(T[] state, T loss, T weight, Function<T, DataType> typeOf) {
        if (state == null || state.length != 4) {
            throw new IllegalArgumentException(OP_NAME + ": 'state' must hold tau, calls, rowWeight and seenWeight,"
                    + " got " + (state == null ? "null" : state.length + " elements"));
        }
        T[] inputs = Arrays.copyOf(state, INPUTS.length);
        inputs[4] = loss;
        inputs[5] = weight;
        return doubleInputs(OP_NAME, INPUTS, inputs, typeOf);
    }

    private void addArguments(Policy policy, int warmupIterations, double momentum) {
        Objects.requireNonNull(policy, "policy");
        if (warmupIterations < 0) {
            throw new IllegalArgumentException(OP_NAME + ": 'warmupIterations' must be >= 0, got " + warmupIterations);
        }
        if (policy == Policy.EMA && !(momentum > 0.0 && momentum < 1.0)) {
            throw new IllegalArgumentException(OP_NAME + ": 'momentum' must be in (0, 1) for EMA, got " + momentum);
        }
        addIArgument(policy.code(), warmupIterations);
        addTArgument(policy == Policy.EMA ? momentum : 0.0);
    }

    @Override
    Signature signature() {
        return SIGNATURE;
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> dataTypes) {
        return doubleOutputs(OP_NAME, dataTypes, 5, 6, 4);
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
