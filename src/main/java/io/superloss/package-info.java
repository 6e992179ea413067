/**
 * SuperLoss for Deeplearning4j (Castells, Weinzaepfel and Revaud, "SuperLoss: A Generic Loss for Robust Curriculum
 * Learning", NeurIPS 2020).
 *
 * <p>{@link io.superloss.SuperLoss} wraps any DL4J {@link org.nd4j.linalg.lossfunctions.ILossFunction} and weights
 * each example by a confidence sigma computed in closed form from the example's loss, a threshold tau (a
 * {@link io.superloss.Threshold}: constant, exponential moving average or global mean) and a regularisation lambda,
 * through the principal branch of the Lambert W function ({@link io.superloss.LambertW}). Because sigma minimises the
 * SuperLoss, its gradient is exactly sigma times the wrapped loss's gradient; the library computes it eagerly next to
 * the wrapped loss, with the threshold as thread-safe state that is saved with the network configuration. The per-row
 * arithmetic lives in one place ({@code SuperLossKernel}), the threshold rules in another ({@code ThresholdState}).
 *
 * <p>{@link io.superloss.SuperLossGraph} is the same loss as a SameDiff graph for SameDiff models, with the threshold
 * in SameDiff variables updated by the graph's own assign ops and Lambert W as a graph function
 * ({@code LambertWGraph}); {@code SuperLoss} runs it in its GRAPH execution ({@code GraphExecution}).
 *
 * <p>On ND4J's CPU backend (Linux x86-64, nd4j-native 1.0.0-M2.1) the library registers native ops of its own into
 * libnd4j ({@code src/main/native}, loaded by {@code NativeOps}): W0 ({@link io.superloss.LambertW0Op}), the SuperLoss
 * rows ({@link io.superloss.SuperLossRowsOp}) and the threshold update ({@link io.superloss.ThresholdUpdateOp}), each
 * one graph op where the composite form needs many; {@link io.superloss.LambertW#nativeOps()} says which form is in
 * use. Their arithmetic is the generated C of the Java kernels.
 */
package io.superloss;
