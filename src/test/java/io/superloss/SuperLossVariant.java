package io.superloss;

import java.util.function.UnaryOperator;

/**
 * The execution paths of SuperLoss that the reliability tests (concurrency, non-finite rows, shapes) run on: every such
 * test is parameterised over this enum, so a new execution path is covered by adding a constant here.
 *
 */
enum SuperLossVariant {
    /** The default: eager per-row arithmetic next to the wrapped loss. */
    FUSED(b -> b.execution(SuperLoss.Execution.FUSED), 1000),
    /** The SameDiff graph execution. */
    GRAPH(b -> b.execution(SuperLoss.Execution.GRAPH), 1000);

    private final UnaryOperator<SuperLoss.Builder> configure;
    private final int stressCallsPerThread;

    SuperLossVariant(UnaryOperator<SuperLoss.Builder> configure, int stressCallsPerThread) {
        this.configure = configure;
        this.stressCallsPerThread = stressCallsPerThread;
    }

    /** Training calls per thread in the concurrency stress tests, sized to this path's cost per call. */
    int stressCallsPerThread() {
        return stressCallsPerThread;
    }

    /** Builds {@code builder}'s SuperLoss with this execution path. */
    SuperLoss build(SuperLoss.Builder builder) {
        return configure.apply(builder).build();
    }
}
