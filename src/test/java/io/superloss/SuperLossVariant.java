package io.superloss;

import java.util.function.Function;

/**
 * The execution paths of SuperLoss that the reliability tests (concurrency, non-finite rows, shapes) run on: every such
 * test is parameterised over this enum, so a new execution path is covered by adding a constant here.
 */
enum SuperLossVariant {
    /** The default: eager per-row arithmetic next to the wrapped loss. */
    FUSED(b -> b.execution(SuperLoss.Execution.FUSED).build(), 1000),
    /** The SameDiff graph execution, on this library's native ops where they are loaded (composite elsewhere). */
    GRAPH(b -> b.execution(SuperLoss.Execution.GRAPH).build(), 1000),
    /**
     * The SameDiff graph execution on ND4J's built-in ops only, as where the native ops cannot load. Each call runs
     * well over a hundred SameDiff ops, hence fewer stress calls.
     */
    GRAPH_COMPOSITE(b -> b.execution(SuperLoss.Execution.GRAPH).build().withGraphOps(false), 250);

    private final Function<SuperLoss.Builder, SuperLoss> build;
    private final int stressCallsPerThread;

    SuperLossVariant(Function<SuperLoss.Builder, SuperLoss> build, int stressCallsPerThread) {
        this.build = build;
        this.stressCallsPerThread = stressCallsPerThread;
    }

    /** Training calls per thread in the concurrency stress tests, sized to this path's cost per call. */
    int stressCallsPerThread() {
        return stressCallsPerThread;
    }

    /** Builds {@code builder}'s SuperLoss with this execution path. */
    SuperLoss build(SuperLoss.Builder builder) {
        return build.apply(builder);
    }
}
