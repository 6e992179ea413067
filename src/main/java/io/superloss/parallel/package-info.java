/**
 * SuperLoss thresholds under DL4J's {@code ParallelWrapper}: {@link io.superloss.parallel.ParallelWrapperThresholds}
 * makes the wrapper merge the thresholds of its workers' SuperLoss copies ({@link io.superloss.NetworkThresholds}) at
 * every averaging round and at the end of {@code fit}. Needs {@code org.deeplearning4j:deeplearning4j-parallel-wrapper}
 * (an optional dependency of this library).
 */
package io.superloss.parallel;
