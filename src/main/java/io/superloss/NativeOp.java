package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOpDescriptor;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.util.HashUtil;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The Java side of one of this library's native libnd4j ops: what ND4J needs to know about an op it does not list.
 * ND4J reads its list of native custom ops once and caches it, so it finds these ops only through the op class: the
 * hash (libnd4j files an op under {@link HashUtil#getLongHash(String)} of its name; {@link NativeOps} checks that the
 * two agree) and the descriptor. Subclasses need a public no-argument constructor: SameDiff rebuilds ops by
 * reflection from their FlatBuffers form when it builds a gradient function or loads a graph.
 */
abstract class NativeOp extends DynamicCustomOp {

    /**
     * An op's declaration, as its native side registers it.
     *
     * @param name    the op's name in libnd4j's registry
     * @param inputs  the number of inputs, -1 for a variable number
     * @param outputs the number of outputs
     * @param tArgs   the number of floating-point arguments
     * @param iArgs   the number of integer arguments
     */
    record Signature(String name, int inputs, int outputs, int tArgs, int iArgs) {
        long hash() {
            return HashUtil.getLongHash(name);
        }
    }

    NativeOp() {
    }

    NativeOp(SameDiff sd, SDVariable[] inputs) {
        super(sd, inputs);
    }

    NativeOp(INDArray[] inputs, INDArray[] outputs) {
        super(inputs, outputs);
    }

    abstract Signature signature();

    @Override
    public String opName() {
        return signature().name();
    }

    /**
     * libnd4j's hash of the op's name, by which ND4J runs it.
     *
     * @throws IllegalStateException if the native ops are not loaded (libnd4j would dereference the unknown op)
     */
    @Override
    public long opHash() {
        NativeOps.requireLoaded(signature().name());
        return signature().hash();
    }

    @Override
    public CustomOpDescriptor getDescriptor() {
        Signature s = signature();
        return CustomOpDescriptor.builder().hash(opHash()).numInputs(s.inputs()).numOutputs(s.outputs())
                .allowsInplace(false).numTArgs(s.tArgs()).numIArgs(s.iArgs()).build();
    }

    @Override
    public int getNumOutputs() {
        return signature().outputs();
    }

    /**
     * The output shapes: {@link #outputShapesOf} where it knows them, else libnd4j's shape function (which also names
     * what is wrong with invalid inputs). Computing them here spares ND4J's native call and the five JavaCPP
     * allocations it makes to pass the arguments, a noticeable part of executing a small op.
     */
    @Override
    public List<LongShapeDescriptor> calculateOutputShape(OpContext oc) {
        List<INDArray> inputs = oc != null && oc.getInputArrays() != null && !oc.getInputArrays().isEmpty()
                ? oc.getInputArrays() : inputArguments();
        List<LongShapeDescriptor> shapes = outputShapesOf(inputs);
        return shapes != null ? shapes : super.calculateOutputShape(oc);
    }

    /**
     * The shapes of the outputs for valid, non-empty {@code inputs}, as the native shape function gives them; null
     * (the default) to leave them to the native shape function, as for anything invalid, which it reports.
     */
    List<LongShapeDescriptor> outputShapesOf(List<INDArray> inputs) {
        return null;
    }

    /**
     * The shape of a new array of {@code array}'s dimensions and data type in 'c' order, as the native ops allocate
     * their outputs; null if {@code array} is null, empty or not of one of {@code types}.
     */
    static LongShapeDescriptor outputLike(INDArray array, DataType... types) {
        if (array == null || array.isEmpty() || !Arrays.asList(types).contains(array.dataType())) {
            return null;
        }
        long[] shape = array.shape();
        return LongShapeDescriptor.fromShape(shape, Nd4j.getStrides(shape, 'c'), 1, 'c', array.dataType(), false);
    }

    /** {@link #outputLike} for DOUBLE arrays only. */
    static LongShapeDescriptor doubleOutputLike(INDArray array) {
        return outputLike(array, DataType.DOUBLE);
    }

    /**
     * No properties: the arguments are stored as the op's t/i arguments (the default implementation would look the op
     * up in ND4J's own op registry, which does not know it).
     */
    @Override
    public Map<String, Object> propertiesForFunction() {
        return Collections.emptyMap();
    }

    /**
     * The inputs of an op whose inputs are all DOUBLE, in order; a null last input (an optional one) is left out.
     *
     * @param names  the inputs' parameter names, for messages
     * @param typeOf the data type of an input (array or variable)
     * @throws IllegalArgumentException naming the op, the parameter and its type, for any other missing or non-DOUBLE
     *                                  input
     */
    static <T> T[] doubleInputs(String op, String[] names, T[] inputs, Function<T, DataType> typeOf) {
        int n = inputs[inputs.length - 1] == null ? inputs.length - 1 : inputs.length;
        for (int i = 0; i < n; i++) {
            DataType type = inputs[i] == null ? null : typeOf.apply(inputs[i]);
            if (type != DataType.DOUBLE) {
                throw new IllegalArgumentException(op + ": '" + names[i] + "' must be a DOUBLE "
                        + (inputs[i] == null ? "argument, got null" : "array, got " + type));
            }
        }
        return Arrays.copyOf(inputs, n);
    }

    /**
     * The output types of an op whose inputs and outputs are all DOUBLE.
     *
     * @throws IllegalArgumentException if the number of inputs is outside [minInputs, maxInputs] or one is not DOUBLE
     */
    static List<DataType> doubleOutputs(String op, List<DataType> inputTypes, int minInputs, int maxInputs,
                                        int outputs) {
        if (inputTypes == null || inputTypes.size() < minInputs || inputTypes.size() > maxInputs
                || inputTypes.stream().anyMatch(t -> t != DataType.DOUBLE)) {
            throw new IllegalArgumentException(op + " takes " + minInputs + " to " + maxInputs
                    + " DOUBLE inputs, got data types " + inputTypes);
        }
        return Collections.nCopies(outputs, DataType.DOUBLE);
    }
}
