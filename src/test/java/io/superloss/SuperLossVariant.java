package io.superloss;

import java.util.function.UnaryOperator;

/**
 * The execution paths of SuperLoss that the reliability tests (concurrency, non-finite rows, shapes) run on: every such
 * test is parameterised over this enum, so a new execution path is covered by adding a constant here.
 *
 * <p>Only the fused eager path exists so far; the SameDiff graph execution will add {@code GRAPH} (a builder option).
 */
enum SuperLossVariant {
    /** The default: eager per-row arithmetic next to the wrapped loss. */
    FUSED(b -> b);

    private final UnaryOperator<SuperLoss.Builder> configure;

    SuperLossVariant(UnaryOperator<SuperLoss.Builder> configure) {
        this.configure = configure;
    }

    /** Builds {@code builder}'s SuperLoss with this execution path. */
    SuperLoss build(SuperLoss.Builder builder) {
        return configure.apply(builder).build();
    }
}
