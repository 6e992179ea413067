package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.Arrays;
import java.util.List;

/**
 * W<sub>0</sub> element-wise as a native ND4J op ({@code superloss_lambertw0}): one op of this library's native
 * library, run by ND4J's CPU backend, eagerly ({@code Nd4j.exec}) or in a SameDiff graph.
 *
 * <p>Input: a FLOAT or DOUBLE array of any shape, rank (0 included) and layout (views, 'f' order), possibly empty.
 * Output: the same type and shape, each element exactly {@link LambertW#w0(float)} / {@link LambertW#w0(double)} of the
 * input's (the native code is generated from the same Java kernel). Gradient: {@code W / (z (1 + W))}, evaluated in
 * double as {@code e^-W / (1 + W)} (1 at z = 0); at the branch point, where it is infinite, {@code Double.MAX_VALUE}
 * (as {@link LambertW#w0(SameDiff, SDVariable)}'s composite form).
 *
 * <p>The op exists only where the native ops are loaded ({@link LambertW#nativeOps()} is {@code NATIVE}): executing it
 * elsewhere throws an {@link IllegalStateException} with the reason. {@link LambertW#w0(SameDiff, SDVariable)} uses it
 * when it can and also accepts HALF and BFLOAT16 variables.
 */
public final class LambertW0Op extends NativeOp {
    /** The op's name in libnd4j's registry. */
    public static final String OP_NAME = "superloss_lambertw0";
    private static final Signature SIGNATURE = new Signature(OP_NAME, 1, 1, 0, 0);

    /** For ND4J's reflection (graph deserialisation); use the other constructors. */
    public LambertW0Op() {
    }

    /**
     * W0 of a SameDiff variable.
     *
     * @throws IllegalArgumentException if {@code z} is null or neither FLOAT nor DOUBLE
     */
    public LambertW0Op(SameDiff sd, SDVariable z) {
        super(sd, new SDVariable[] {checked(z)});
    }

    /**
     * Eager W0 of an array, the output allocated by ND4J: {@code Nd4j.exec(new LambertW0Op(z))[0]}.
     *
     * @throws IllegalArgumentException if {@code z} is null or neither FLOAT nor DOUBLE
     */
    public LambertW0Op(INDArray z) {
        this(z, null);
    }

    /**
     * Eager W0 of an array into {@code w} (same type and shape, any layout; may be {@code z} itself), or into a new
     * array if {@code w} is null.
     *
     * @throws IllegalArgumentException if {@code z} is null or neither FLOAT nor DOUBLE, or if {@code w} differs from
     *                                  it in type or shape
     */
    public LambertW0Op(INDArray z, INDArray w) {
        super(new INDArray[] {checked(z)}, w == null ? null : new INDArray[] {requireOutputLike(z, w)});
    }

    private static SDVariable checked(SDVariable z) {
        if (z == null) {
            throw new IllegalArgumentException(OP_NAME + ": parameter 'z' must not be null");
        }
        return requireSupported(z.dataType(), "variable " + z.name(), z);
    }

    private static INDArray checked(INDArray z) {
        if (z == null) {
            throw new IllegalArgumentException(OP_NAME + ": parameter 'z' must not be null");
        }
        return requireSupported(z.dataType(), "array " + Arrays.toString(z.shape()), z);
    }

    private static <T> T requireSupported(DataType type, String what, T z) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException(OP_NAME + ": 'z' (" + what + ") must be FLOAT or DOUBLE, got " + type
                    + " (LambertW.w0(SameDiff, SDVariable) accepts HALF and BFLOAT16 too)");
        }
        return z;
    }

    private static INDArray requireOutputLike(INDArray z, INDArray w) {
        if (w.dataType() != z.dataType() || !Arrays.equals(w.shape(), z.shape())) {
            throw new IllegalArgumentException(OP_NAME + ": output 'w' " + w.dataType() + " "
                    + Arrays.toString(w.shape()) + " does not match 'z' " + z.dataType() + " "
                    + Arrays.toString(z.shape()));
        }
        return w;
    }

    @Override
    Signature signature() {
        return SIGNATURE;
    }

    @Override
    public List<DataType> calculateOutputDataTypes(List<DataType> dataTypes) {
        if (dataTypes == null || dataTypes.size() != 1) {
            throw new IllegalArgumentException(OP_NAME + " takes 1 input, got data types " + dataTypes);
        }
        return List.of(requireSupported(dataTypes.get(0), "input", dataTypes.get(0)));
    }

    /** One output of the input's dimensions and type, for a FLOAT or DOUBLE, non-empty input. */
    @Override
    List<LongShapeDescriptor> outputShapesOf(List<INDArray> inputs) {
        LongShapeDescriptor w = inputs.size() != 1 ? null : outputLike(inputs.get(0), DataType.FLOAT, DataType.DOUBLE);
        return w == null ? null : List.of(w);
    }

    @Override
    public List<SDVariable> doDiff(List<SDVariable> gradients) {
        SDVariable z = arg();
        DataType type = z.dataType();
        SDVariable w = outputVariable();
        SDVariable gradient = gradients.get(0);
        SDVariable dz = LambertWGraph.derivative(LambertWGraph.toDouble(w)).mul(LambertWGraph.toDouble(gradient));
        return List.of(type == DataType.DOUBLE ? dz : dz.castTo(type));
    }
}
