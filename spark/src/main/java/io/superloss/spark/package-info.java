/**
 * SuperLoss on Spark with DL4J's {@code dl4j-spark}: {@link io.superloss.spark.SuperLossTrainingMaster}, a
 * parameter-averaging training master that merges the SuperLoss thresholds of the workers into the driver's network
 * after every averaging round (workers report through a training hook and a keyed Spark accumulator, so every worker's
 * rows count once under task retries, speculative execution and re-executed stages).
 */
package io.superloss.spark;
