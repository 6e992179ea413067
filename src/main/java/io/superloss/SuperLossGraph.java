package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.IdentityN;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * SuperLoss (Castells, Weinzaepfel and Revaud, NeurIPS 2020) as a SameDiff subgraph, for SameDiff models: built on
 * any {@link SameDiff} from a per-example loss variable of shape [rows,1], with the threshold state held in SameDiff
 * variables. The semantics are those of {@link SuperLoss} (same rules, same per-row arithmetic, see
 * {@link SuperLossKernel} and {@link Threshold}); {@code SuperLoss} in GRAPH execution runs this graph.
 *
 * <pre>{@code
 * SDVariable perExample = ...;                      // [rows,1], e.g. a cross-entropy with keepDims
 * SuperLossGraph s = SuperLossGraph.builder(sd, perExample).threshold(Threshold.ema(0.9)).build();
 * s.trainingLoss().mean("loss").markAsLoss();       // or any reduction; then sd.fit(...)
 * }</pre>
 *
 * <p><b>Outputs</b> (per row, shape [rows,1], the loss's data type; computed in double):
 * <ul>
 *   <li>{@link #trainingLoss()}: executing it advances the state once (one training call), then gives the SuperLoss
 *       with the new threshold, times the row's mask value. Its gradient with respect to the per-example loss is the
 *       mask value times sigma, exactly (sigma and tau are behind a stop-gradient; sigma minimises the SuperLoss, so
 *       this is the full derivative). Rows masked out and rows with a non-finite loss do not move the threshold; a
 *       batch with no usable row changes no state. Masked rows must still have a finite per-example loss: the
 *       identity that attaches the gradient would turn a NaN there into a NaN loss.</li>
 *   <li>{@link #loss()}: the SuperLoss with the current threshold (before any training call: with the batch's own
 *       mean), read-only and with no gradient; {@link #confidence()}: the matching sigma, NaN for masked rows.</li>
 *   <li>{@link #tau()}: the threshold variable, a DOUBLE scalar named {@code tau} ({@code prefix/tau} with
 *       {@link Builder#name}); NaN until the first training call for the moving thresholds. A DOUBLE vector variable
 *       {@code tauCounts} holds the rest of the state ({@link ThresholdSnapshot}): the counted training calls, the
 *       row weight of the global mean and the row weight of every counted call.</li>
 * </ul>
 * If {@code loss()} or {@code confidence()} are requested in the same execution as {@code trainingLoss()}, they see
 * the threshold from before that execution's update.
 *
 * <p><b>How the state is updated.</b> In-place {@code assign} ops write the new values into the state variables; the
 * training outputs consume the assign outputs, so the updates run exactly once in any execution that needs a training
 * output ({@code output}, {@code fit}, {@code calculateGradients}). Data dependencies are used rather than control
 * dependencies because SameDiff (1.0.0-M2.1) drops op control dependencies when it builds its gradient function.
 * Every read of the state goes through {@link GraphDetach}, so no gradient, updater or {@code TrainingConfig}
 * regularization (L2, weight decay) ever touches it: the state variables are VARIABLEs (SameDiff keeps only those
 * across {@code fit} iterations) with no gradient. SameDiff logs "No fields found for property name newType for class
 * BitCast" once per detach when it builds a gradient function; the warning is harmless.
 *
 * <p>A SameDiff instance is not thread-safe: synchronise executions of a graph shared between threads.
 */
public final class SuperLossGraph {
    private static final String TAU = "tau";
    private static final String COUNTS = "tauCounts";
    private static final String LOSS = "superLoss";
    private static final String CONFIDENCE = "confidence";
    private static final String TRAINING_LOSS = "superLossTraining";

    private final SDVariable trainingLoss;
    private final SDVariable loss;
    private final SDVariable confidence;
    private final SDVariable tau;
    private final SDVariable counts;
    private final SDVariable[] stateUpdates;
    private final SDVariable trainingRowLoss;
    private final SDVariable trainingConfidence;
    private final SDVariable scoringRowLoss;
    private final SDVariable scoringConfidence;

    private SuperLossGraph(Builder b) {
        SameDiff sd = b.sd;
        DataType type = b.perExampleLoss.dataType();
        ThresholdSnapshot initial = b.threshold.normalize(b.initialState == null ? b.threshold.untrained()
                : b.initialState);
        // The state arrays live as long as the graph: never in a workspace that the caller may have open.
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            tau = sd.var(b.fullName(TAU), Nd4j.scalar(initial.tau()));
            counts = sd.var(b.fullName(COUNTS), countsOf(initial));
        }

        boolean nativeOps = b.nativeOps == null ? NativeOps.status().isNative() : b.nativeOps;
        SDVariable trainingSuperLoss;
        if (nativeOps) {
            SDVariable loss64 = cast(b.perExampleLoss, DataType.DOUBLE);
            SDVariable weight64 = b.mask == null ? null : cast(b.mask, DataType.DOUBLE);
            // Scoring: the rows op takes an unset (NaN) threshold for the batch's own mean.
            SDVariable lossNoGradient = GraphDetach.detachUnlessInput(loss64);
            SDVariable weightNoGradient = weight64 == null ? null : GraphDetach.detachUnlessInput(weight64);
            // Without gradients, no detach is needed to keep them off the state variable.
            SDVariable scoringTau = b.withGradients ? GraphDetach.detach(tau) : tau;
            SDVariable[] scoring = rows(sd, lossNoGradient, scoringTau, weightNoGradient, b.lambda);
            scoringRowLoss = scoring[0];
            scoringConfidence = scoring[1];
            loss = sd.identity(b.fullName(LOSS), cast(scoring[0], type));
            confidence = sd.identity(b.fullName(CONFIDENCE), cast(scoring[1], type));
            if (b.withGradients) {
                // Training: the update reads the state variables, the loss and the mask as they are: its outputs reach
                // the training loss only through the detached trainingTau, so no gradient walk reaches its inputs.
                SDVariable[] next = b.threshold.advanceNative(sd, tau, counts, loss64, weight64, b.warmupIterations);
                SDVariable trainingTau = assign(sd, next[0], next[1]);
                stateUpdates = null;
                // The rows op reads the loss itself: its derivative is mask value times sigma.
                SDVariable[] training = rows(sd, loss64, trainingTau, weightNoGradient, b.lambda);
                trainingRowLoss = training[0];
                trainingConfidence = training[1];
            } else {
                // No gradient is taken: the update and the rows are one op, and the owner requests the two assigns
                // with the training outputs (no identity_n, no detach).
                SDVariable[] next = b.threshold.advanceNativeWithRows(sd, tau, counts, loss64, weight64,
                        b.warmupIterations, b.lambda);
                stateUpdates = new SDVariable[] {sd.assign(tau, next[0]), sd.assign(counts, next[1])};
                trainingRowLoss = next[2];
                trainingConfidence = next[3];
            }
            trainingSuperLoss = cast(trainingRowLoss, type);
        } else {
            GraphBatch batch = new GraphBatch(sd, b.perExampleLoss, b.mask);
            GraphThresholdState now = GraphThresholdState.of(GraphDetach.detach(tau), GraphDetach.detach(counts));
            // Scoring: the current threshold, or the batch's own mean before the first training call.
            SDVariable scoringTau = sd.where(batch.mean, now.tau(),
                    sd.math.and(sd.math.isNaN(now.tau()), batch.hasRows));
            RowTerms scoring = new RowTerms(sd, batch, scoringTau, b.lambda);
            scoringRowLoss = scoring.superLoss;
            scoringConfidence = scoring.sigma;
            loss = sd.identity(b.fullName(LOSS), cast(scoring.superLoss, type));
            confidence = sd.identity(b.fullName(CONFIDENCE), cast(scoring.sigma, type));
            // Training: advance the state once, then evaluate with the new threshold.
            GraphThresholdState next = b.threshold.advance(sd, now, batch, b.warmupIterations);
            SDVariable trainingTau = assign(sd, next.tau(), next.counts(sd));
            stateUpdates = null;
            RowTerms training = new RowTerms(sd, batch, trainingTau, b.lambda);
            trainingRowLoss = training.superLoss;
            trainingConfidence = training.sigma;
            SDVariable slope = batch.masked == null ? training.sigma
                    : sd.where(batch.zeros, training.sigma.mul(batch.weight), batch.masked);
            // Value: the SuperLoss (l - stop(l) is exactly 0); derivative with respect to l: mask value times sigma.
            SDVariable zero = b.perExampleLoss.sub(cast(batch.loss, type));
            trainingSuperLoss = cast(training.superLoss, type).add(cast(slope, type).mul(zero));
        }
        trainingLoss = sd.identity(b.fullName(TRAINING_LOSS), trainingSuperLoss);
    }

    /**
     * Writes the new tau and counts into the state variables with in-place assign ops and returns the new tau,
     * detached. identity_n consumes both assign outputs, so whatever reads its first output runs both updates.
     */
    private SDVariable assign(SameDiff sd, SDVariable nextTau, SDVariable nextCounts) {
        SDVariable[] assigned = {sd.assign(tau, nextTau), sd.assign(counts, nextCounts)};
        return GraphDetach.detach(new IdentityN(sd, assigned).outputVariables()[0]);
    }

    /** The counts of {@code state} as the graph stores them: [calls, rowWeight, seenWeight]. */
    static INDArray countsOf(ThresholdSnapshot state) {
        return Nd4j.createFromArray((double) state.calls(), state.rowWeight(), state.seenWeight());
    }

    /** The rows' SuperLoss and sigma as one native op ({@link SuperLossRowsOp}), which defines the derivative. */
    private static SDVariable[] rows(SameDiff sd, SDVariable loss, SDVariable tau, SDVariable weight, double lambda) {
        return new SuperLossRowsOp(sd, loss, tau, weight, lambda).outputVariables();
    }

    /**
     * A builder for the SuperLoss subgraph of {@code perExampleLoss}.
     *
     * @param sd             the graph to build on
     * @param perExampleLoss a floating-point variable of {@code sd} of shape [rows,1] (for example a reduction over the
     *                       output dimension with keepDims)
     */
    public static Builder builder(SameDiff sd, SDVariable perExampleLoss) {
        return new Builder(sd, perExampleLoss);
    }

    /**
     * Per-row SuperLoss of a training call, times the mask: executing it advances the threshold state once. Autodiff
     * gives mask value times sigma as its derivative with respect to the per-example loss.
     */
    public SDVariable trainingLoss() {
        return trainingLoss;
    }

    /** Per-row SuperLoss with the current threshold, times the mask (0 for masked rows); read-only, no gradient. */
    public SDVariable loss() {
        return loss;
    }

    /** Per-row confidence sigma with the current threshold, in (0, e]; NaN for masked rows; read-only. */
    public SDVariable confidence() {
        return confidence;
    }

    /** The threshold state variable: a DOUBLE scalar, NaN before the first training call of a moving threshold. */
    public SDVariable tau() {
        return tau;
    }

    /**
     * The assigns that write a training call's tau and counts, in a graph built {@link Builder#withoutGradients()} on
     * the native ops: executing the training outputs runs them only when they are requested too. Null otherwise (the
     * training outputs run every update themselves).
     */
    SDVariable[] stateUpdates() {
        return stateUpdates == null ? null : stateUpdates.clone();
    }

    /** The counts [calls, rowWeight, seenWeight] (DOUBLE vector variable). */
    SDVariable counts() {
        return counts;
    }



    /** The training call's per-row SuperLoss times the mask, in DOUBLE (advances the state like trainingLoss). */
    SDVariable trainingRowLoss() {
        return trainingRowLoss;
    }

    /** The training call's per-row sigma, in DOUBLE, NaN for masked rows (advances the state like trainingLoss). */
    SDVariable trainingConfidence() {
        return trainingConfidence;
    }

    /** The per-row SuperLoss with the current threshold times the mask, in DOUBLE (as {@link #loss()}). */
    SDVariable scoringRowLoss() {
        return scoringRowLoss;
    }

    /** The per-row sigma with the current threshold, in DOUBLE, NaN for masked rows (as {@link #confidence()}). */
    SDVariable scoringConfidence() {
        return scoringConfidence;
    }

    private static SDVariable cast(SDVariable x, DataType type) {
        return x.dataType() == type ? x : x.castTo(type);
    }

    /**
     * The per-row arithmetic of {@link SuperLossKernel#forward} for one threshold in ND4J's built-in ops (the composite
     * graph), in double: the rows' SuperLoss (times the mask value, 0 for masked rows) and sigma (NaN for masked rows).
     */
    private static final class RowTerms {
        final SDVariable superLoss;
        final SDVariable sigma;

        RowTerms(SameDiff sd, GraphBatch batch, SDVariable tau, double lambda) {
            SDVariable diff = batch.loss.sub(tau);
            SDVariable beta = diff.div(lambda);
            SDVariable clamped = sd.lt(beta, SuperLossKernel.CLAMP_BETA);
            SDVariable w = LambertWGraph.value(sd, beta.mul(0.5));
            // SameDiff (1.0.0-M2.1) finds the ops to run by a breadth-first walk from the requested outputs that
            // visits a variable once more for every op reading it at the same depth, and walks everything behind it
            // again on each visit. w and diff are read at equal depths, which would walk W0's ops several times per
            // call; reading them through identities (SameDiff passes the array through) staggers the depths. Values
            // are unchanged (BENCHMARKS.md has the cost).
            SDVariable s = sd.where(batch.zeros.add(Math.E), sd.math.exp(sd.identity(sd.identity(w)).neg()), clamped);
            SDVariable l = sd.where(sd.identity(diff).mul(Math.E).add(lambda),
                    w.mul(lambda).mul(sd.identity(w).add(2.0)), clamped);
            if (batch.masked == null) {
                superLoss = l;
                sigma = s;
            } else {
                superLoss = sd.where(batch.zeros, batch.weight.mul(l), batch.masked);
                sigma = sd.where(batch.zeros.add(Double.NaN), s, batch.masked);
            }
        }
    }

    /** Builder for {@link SuperLossGraph}; {@link #build()} validates every parameter. */
    public static final class Builder {
        private final SameDiff sd;
        private final SDVariable perExampleLoss;
        private SDVariable mask;
        private Threshold threshold = Threshold.ema(SuperLoss.DEFAULT_MOMENTUM);
        private double lambda = SuperLoss.DEFAULT_LAMBDA;
        private int warmupIterations;
        private String name;
        private ThresholdSnapshot initialState;
        private Boolean nativeOps;
        private boolean withGradients = true;

        private Builder(SameDiff sd, SDVariable perExampleLoss) {
            this.sd = sd;
            this.perExampleLoss = perExampleLoss;
        }

        /** Per-row mask weights, shape [rows,1], floating point: 0 masks a row out (default: no mask). */
        public Builder mask(SDVariable rowMask) {
            this.mask = rowMask;
            return this;
        }

        /** The threshold policy (default: {@code Threshold.ema(0.9)}). */
        public Builder threshold(Threshold threshold) {
            this.threshold = threshold;
            return this;
        }

        /** The regularisation lambda, finite and &gt; 0 (default 1). */
        public Builder lambda(double lambda) {
            this.lambda = lambda;
            return this;
        }

        /** Warm-up training calls during which tau is reset to each batch mean, &gt;= 0 (default 0). */
        public Builder warmupIterations(int warmupIterations) {
            this.warmupIterations = warmupIterations;
            return this;
        }

        /**
         * A prefix for the subgraph's named variables, so that several SuperLoss graphs can live in one SameDiff: the
         * state variable becomes {@code prefix/tau} (default: no prefix, {@code tau}); likewise {@code tauCounts} and
         * the outputs {@code superLossTraining}, {@code superLoss}, {@code confidence}.
         */
        public Builder name(String prefix) {
            this.name = prefix;
            return this;
        }

        /** The state to start from (default: untrained). */
        Builder initialState(ThresholdSnapshot state) {
            this.initialState = state;
            return this;
        }

        /**
         * Whether to build on this library's native ops (default: when they are loaded, {@link LambertW#nativeOps()});
         * false builds the composite graph of ND4J's built-in ops, as where the native ops cannot load.
         *
         * @throws IllegalStateException at {@link #build()} when true and the native ops are not loaded
         */
        Builder nativeOps(boolean useNativeOps) {
            this.nativeOps = useNativeOps;
            return this;
        }

        /**
         * For a graph whose owner never takes gradients through it and executes its training outputs together with
         * {@link SuperLossGraph#stateUpdates()}: the native training path is then one op for the update and the rows
         * ({@link TrainingRowsOp}) and the two assigns, without the identity_n that ties the assigns to the training
         * outputs, and neither path detaches the state variables to keep gradients off them (the composite graph
         * keeps both: its ops need the detach to be differentiable). The owner also never requests the scoring
         * outputs in the same execution as the training ones (the scoring rows would read tau while its assign may
         * be writing it). Default: a graph for any use, gradients included.
         */
        Builder withoutGradients() {
            this.withGradients = false;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the parameter (and the shape or type) when one is invalid, or when
         *                                  the graph already has variables of that name
         */
        public SuperLossGraph build() {
            if (sd == null) {
                throw new IllegalArgumentException("sd (the SameDiff instance) must not be null");
            }
            checkRows("perExampleLoss", perExampleLoss);
            if (mask != null) {
                checkRows("mask", mask);
            }
            SuperLoss.requireValidParameters(threshold, lambda, warmupIterations);
            if (Boolean.TRUE.equals(nativeOps)) {
                NativeOps.requireLoaded(SuperLossRowsOp.OP_NAME);
            }
            if (name != null && name.isEmpty()) {
                throw new IllegalArgumentException("name (the prefix) must not be empty; leave it unset for none");
            }
            for (String own : new String[] {TAU, COUNTS, LOSS, CONFIDENCE, TRAINING_LOSS}) {
                String full = fullName(own);
                if (sd.hasVariable(full)) {
                    throw new IllegalArgumentException("the SameDiff instance already has a variable named '" + full
                            + "': give each SuperLossGraph its own name(prefix)");
                }
            }
            return new SuperLossGraph(this);
        }

        private String fullName(String own) {
            return name == null ? own : name + "/" + own;
        }

        private void checkRows(String parameter, SDVariable v) {
            if (v == null) {
                throw new IllegalArgumentException(parameter + " must not be null");
            }
            if (v.getSameDiff() != sd) {
                throw new IllegalArgumentException(parameter + " (" + v.name()
                        + ") belongs to another SameDiff instance");
            }
            if (!v.dataType().isFPType()) {
                throw new IllegalArgumentException(parameter + " must be floating point, got " + v.dataType()
                        + " for " + v.name());
            }
            long[] shape = v.getShape();
            if (shape != null && (shape.length != 2 || shape[1] != 1)) {
                throw new IllegalArgumentException(parameter + " must have shape [rows,1], got "
                        + Arrays.toString(shape) + " for " + v.name()
                        + " (reduce with keepDims or reshape to [-1,1])");
            }
        }
    }
}
