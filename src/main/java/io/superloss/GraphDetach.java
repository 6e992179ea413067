package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.custom.BitCast;

/**
 * A stop-gradient for SameDiff graphs that also hides the detached subgraph from SameDiff's search for trainable
 * variables: the value goes through a bit-exact round trip over an integer type (native {@code bitcast} op, DOUBLE to
 * LONG and back).
 *
 * <p>Why not {@code StopGradient}: in 1.0.0-M2.1 SameDiff's gradient function walks every floating-point input back
 * from the loss, through StopGradient too, so (1) every op behind a StopGradient is differentiated with zero gradients,
 * which fails for ops without a derivative such as {@code where}, and (2) a state VARIABLE behind a StopGradient gets a
 * (zero) gradient and with it the updater and the {@code TrainingConfig} regularization: L2 and weight decay were seen
 * to decay such a threshold (1.0, 0.95, 0.9025 with weight decay 0.5). The walk stops at a non-floating-point
 * variable, so nothing behind this detach is differentiated, updated or regularized. The bitcast allocates its output,
 * so the detached value is a copy that a later in-place assign to the source cannot change.
 */
final class GraphDetach {
    private GraphDetach() {
    }

    /** {@code x} (DOUBLE) as a new value with no gradient path to anything behind it. */
    static SDVariable detach(SDVariable x) {
        if (x.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("GraphDetach works on DOUBLE variables, got " + x.dataType()
                    + " for " + x.name());
        }
        return bitcast(bitcast(x, DataType.LONG), DataType.DOUBLE);
    }

    /**
     * {@code x} itself when nothing can be behind it (a placeholder or a constant: no op to differentiate, nothing
     * trainable), else {@link #detach}: for inputs that a gradient walk may reach but that need no gradient.
     */
    static SDVariable detachUnlessInput(SDVariable x) {
        VariableType type = x.getVariableType();
        return type == VariableType.PLACEHOLDER || type == VariableType.CONSTANT ? x : detach(x);
    }

    private static SDVariable bitcast(SDVariable x, DataType to) {
        SameDiff sd = x.getSameDiff();
        // The SameDiff constructor of BitCast takes the target type as a second input; the native op reads the
        // integer argument, which is what the op's own output-type inference uses as well.
        BitCast op = new BitCast(sd, x, sd.constant(to.toInt()));
        op.addIArgument(to.toInt());
        return op.outputVariable();
    }
}
