package io.superloss;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.SameDiffLoss;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * SuperLoss (Castells, Weinzaepfel and Revaud, "SuperLoss: A Generic Loss for Robust Curriculum Learning",
 * NeurIPS 2020) as a DL4J loss function: it wraps any per-example loss ({@link PerExampleLoss}) and reweights each
 * example by a confidence sigma = exp(-W0(max(-2/e, (l - tau) / lambda) / 2)), so that examples whose loss stays far
 * above the threshold tau (often mislabeled ones) get little weight. It is especially useful for noisy datasets, and
 * the confidences ({@link #lastConfidence()}, {@link #confidence}) point at difficult or mislabeled examples.
 *
 * <pre>{@code
 * new OutputLayer.Builder(new SuperLoss(new LossMCXENT())).activation(Activation.SOFTMAX).nOut(10).build()
 * SuperLoss.builder(new LossMCXENT()).threshold(Threshold.constant(Math.log(10))).lambda(0.25).build()
 * }</pre>
 *
 * <p><b>Semantics.</b> A row is an example (or an example and time step for RNN output layers).
 * <ul>
 *   <li>One training call is one {@link #computeGradient} (or {@link #computeGradientAndScore}) call: it first
 *       advances the threshold with the batch mean of the base loss (FastEstimator's order), then computes sigma,
 *       the SuperLoss and the gradient with the new tau. The gradient of each row is sigma times the wrapped loss's
 *       gradient row (exact: sigma minimises the SuperLoss, see {@link SuperLossKernel}).</li>
 *   <li>{@link #computeScore} and {@link #computeScoreArray} read the threshold and never change it; before any
 *       training call they use the batch's own mean for that call only.</li>
 *   <li>Masks ({@link BatchShape}): per-row masks ([rows,1]) weight each row (0 = masked out) and are applied by
 *       SuperLoss; per-output masks ([rows,nOut], values 0 or 1) are passed to the wrapped loss, and a row whose mask
 *       is all zero is masked out. Masked rows give 0 loss, 0 gradient, NaN confidence and do not count towards tau;
 *       the batch mean weights rows by their mask value. Other mask values are refused
 *       ({@link IllegalArgumentException}).</li>
 *   <li>Rows with a non-finite base loss are left out of the threshold update (a WARN is logged with their count);
 *       their SuperLoss and sigma follow IEEE arithmetic, so the problem stays visible. A batch with no usable row
 *       changes no state and is not counted.</li>
 * </ul>
 *
 * <p><b>State and threads.</b> The threshold state is updated atomically, so the copies made by {@code net.clone()},
 * which share this object, can train concurrently. Build a new SuperLoss for every network: networks built from one
 * configuration object share its loss instance and so its threshold. The state is written into the configuration JSON
 * (and so by {@code ModelSerializer}); {@code equals}/{@code hashCode} compare the configuration only.
 *
 * <p><b>Execution</b> ({@link Execution}). FUSED (the default) computes everything eagerly on the wrapped loss's
 * per-row values. GRAPH runs the same computation as a SameDiff graph ({@link SuperLossGraph}, the instance
 * {@link #sameDiff()} returns), with the threshold updated by the graph's own assign ops: the wrapped loss's
 * per-example values and mask weights enter the graph, its sigma scales the wrapped loss's gradient rows, so any
 * wrapped loss works; both executions give the same results (within 1e-9) and share one state
 * ({@link #withExecution}). {@link #defineLoss} is the symbolic form for SameDiff models when the wrapped loss is
 * itself a {@link SameDiffLoss}.
 *
 * <p><b>Cost.</b> DL4J scores every training batch right after the gradient call: when a call's arrays hold bit for bit
 * the values of the same thread's previous call (and the wrapped loss and activation are ND4J's own, which are
 * deterministic), the wrapped loss's per-row values are reused rather than computed again. A FUSED training iteration
 * then runs one native op more than the wrapped loss alone (BENCHMARKS.md has the measurements).
 *
 * <p><b>State API.</b> {@link #snapshot()}, {@link Threshold#merge} and {@link #restore} let a training engine that
 * trains copies of a network apart (Spark, ParallelWrapper) combine the copies' thresholds.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
public class SuperLoss extends SameDiffLoss {
    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(SuperLoss.class);

    /** The default threshold: an exponential moving average with FastEstimator's momentum. */
    public static final double DEFAULT_MOMENTUM = 0.9;
    /** The default regularisation, as in the paper's experiments and FastEstimator. */
    public static final double DEFAULT_LAMBDA = 1.0;

    @JsonProperty("inner")
    private final ILossFunction inner;
    @JsonProperty("threshold")
    private final Threshold threshold;
    @JsonProperty("lambda")
    private final double lambda;
    @JsonProperty("warmupIterations")
    private final int warmupIterations;
    @JsonProperty("execution")
    private final Execution execution;

    private final ThresholdState state;
    /** The wrapped loss's per-example values and the gradient they are consistent with. */
    private final PerExampleLoss perExample;
    /** Made by the constructor; made on first use after a deserialisation that bypasses both (Kryo). */
    private transient volatile BatchPreparation batches;
    private transient volatile Confidences lastConfidences;
    /** The execution's implementation, made on first use (guarded by this for creation). */
    private transient volatile SuperLossExecution executor;
    /** The SameDiff form of this loss, built on first use (guarded by this for creation). */
    private transient volatile GraphExecution graphExecution;
    /** Whether that graph is ND4J's built-in ops only, even where the native ops are loaded ({@link #withGraphOps}). */
    private transient boolean compositeGraph;

    /** How a SuperLoss computes: both executions implement the same semantics and share the same state. */
    public enum Execution {
        /** Eager per-row computation in Java next to the wrapped loss: the fastest; the default. */
        FUSED {
            @Override
            SuperLossExecution executor(SuperLoss loss) {
                return new FusedExecution(loss.lambda);
            }
        },
        /**
         * A SameDiff graph ({@link SuperLossGraph}) with the threshold state in SameDiff variables, executed on every
         * call: the instance {@link SuperLoss#sameDiff()} returns. Several times the cost of FUSED per call
         * (BENCHMARKS.md); the symbolic form, for inspection and for parity with SameDiff models.
         */
        GRAPH {
            @Override
            SuperLossExecution executor(SuperLoss loss) {
                return loss.graphExecution();
            }
        };

        /** The implementation of this execution for {@code loss}. */
        abstract SuperLossExecution executor(SuperLoss loss);
    }

    /**
     * SuperLoss over {@code inner} with an EMA threshold (momentum 0.9), lambda = 1 and no warm-up.
     *
     * @param inner the per-example loss to wrap
     * @throws IllegalArgumentException if {@code inner} is null or has no per-example values (LossFMeasure; see
     *                                  {@link PerExampleLoss})
     */
    public SuperLoss(ILossFunction inner) {
        this(inner, Threshold.ema(DEFAULT_MOMENTUM), DEFAULT_LAMBDA, 0, null);
    }

    SuperLoss(ILossFunction inner, Threshold threshold, double lambda, int warmupIterations,
              ThresholdSnapshot state) {
        this(inner, threshold, lambda, warmupIterations, state, Execution.FUSED);
    }

    /** The JSON creator; a missing {@code execution} means FUSED. */
    @JsonCreator
    SuperLoss(@JsonProperty("inner") ILossFunction inner, @JsonProperty("threshold") Threshold threshold,
              @JsonProperty("lambda") double lambda, @JsonProperty("warmupIterations") int warmupIterations,
              @JsonProperty("state") ThresholdSnapshot state, @JsonProperty("execution") Execution execution) {
        if (inner == null) {
            throw new IllegalArgumentException("inner loss must not be null");
        }
        requireValidParameters(threshold, lambda, warmupIterations);
        this.inner = inner;
        this.threshold = threshold;
        this.lambda = lambda;
        this.warmupIterations = warmupIterations;
        this.execution = execution == null ? Execution.FUSED : execution;
        this.perExample = PerExampleLoss.of(inner);
        this.state = new ThresholdState(threshold, warmupIterations, state);
        this.batches = new BatchPreparation(inner, perExample);
    }

    /**
     * Java deserialization (e.g. of a broadcast configuration): the same configuration and state, fresh caches.
     * Serializers that restore fields without a constructor or this method (Kryo, as Spark uses it) give a working
     * loss too: every transient field is made on first use.
     */
    private Object readResolve() {
        return new SuperLoss(inner, threshold, lambda, warmupIterations, state.snapshot(), execution);
    }

    /**
     * The checks shared by every SuperLoss configuration (this class and {@link SuperLossGraph}).
     *
     * @throws IllegalArgumentException naming the parameter and its value when one is invalid
     */
    static void requireValidParameters(Threshold threshold, double lambda, int warmupIterations) {
        if (threshold == null) {
            throw new IllegalArgumentException("threshold must not be null");
        }
        if (!(lambda > 0.0) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and > 0, got: " + lambda);
        }
        if (warmupIterations < 0) {
            throw new IllegalArgumentException("warmupIterations must be >= 0, got: " + warmupIterations);
        }
    }

    /** A builder for a SuperLoss over {@code inner}, starting from the defaults of {@link #SuperLoss(ILossFunction)}. */
    public static Builder builder(ILossFunction inner) {
        return new Builder(inner);
    }

    /**
     * The SuperLoss of {@code net}'s output layer: the instance the network trains with, so its {@link #tau()} is the
     * network's threshold, also after a {@code ModelSerializer} restore or a configuration JSON round trip.
     *
     * @throws IllegalArgumentException if the output layer's loss is not a SuperLoss (the message names the layer
     *                                  and its loss)
     */
    public static SuperLoss of(MultiLayerNetwork net) {
        return OutputLayers.superLoss(net);
    }

    /**
     * The SuperLoss of {@code graph}'s output layer that has one, as {@link #of(MultiLayerNetwork)}.
     *
     * @throws IllegalArgumentException if no output layer has a SuperLoss, or several do (the message names them;
     *                                  choose one with {@link #of(ComputationGraph, String)})
     */
    public static SuperLoss of(ComputationGraph graph) {
        return OutputLayers.superLoss(graph, null);
    }

    /**
     * The SuperLoss of {@code graph}'s output layer {@code layerName}, as {@link #of(MultiLayerNetwork)}.
     *
     * @throws IllegalArgumentException if {@code layerName} is not an output layer of the graph, or its loss is not
     *                                  a SuperLoss (the message names the graph's output layers)
     */
    public static SuperLoss of(ComputationGraph graph, String layerName) {
        if (layerName == null) {
            throw new IllegalArgumentException("layerName must not be null");
        }
        return OutputLayers.superLoss(graph, layerName);
    }

    /** The wrapped per-example loss. */
    public ILossFunction inner() {
        return inner;
    }

    /** The threshold policy. */
    public Threshold threshold() {
        return threshold;
    }

    /** The regularisation lambda: larger values keep sigma closer to 1. */
    public double lambda() {
        return lambda;
    }

    /** The number of warm-up training calls during which tau is reset to each batch mean. */
    public int warmupIterations() {
        return warmupIterations;
    }

    /** The execution: FUSED (default) or GRAPH. */
    public Execution execution() {
        return execution;
    }

    /**
     * A copy with the same configuration, the given execution and the current state (threshold and last confidences),
     * which continues exactly where this loss is; the two evolve independently afterwards.
     *
     * @throws IllegalArgumentException if {@code execution} is null
     */
    public SuperLoss withExecution(Execution execution) {
        if (execution == null) {
            throw new IllegalArgumentException("execution must not be null");
        }
        SuperLoss copy = new SuperLoss(inner, threshold, lambda, warmupIterations, state.snapshot(), execution);
        copy.lastConfidences = lastConfidences;
        copy.compositeGraph = compositeGraph;
        return copy;
    }

    /**
     * A copy as {@link #withExecution} makes, whose SameDiff form uses this library's native ops when
     * {@code nativeOps} is true and they are loaded (the default), and ND4J's built-in ops only when it is false: for
     * comparing the two forms in one JVM (tests, benchmarks).
     */
    SuperLoss withGraphOps(boolean nativeOps) {
        SuperLoss copy = withExecution(execution);
        copy.compositeGraph = !nativeOps;
        return copy;
    }

    /**
     * The SameDiff instance that GRAPH execution runs (built on first use, also for a FUSED loss), with this loss's
     * current state loaded: its DOUBLE scalar variable {@code tau} equals {@link #tau()} after every training call.
     * Placeholders {@code loss} and {@code weight} ([rows,1], DOUBLE) take the per-row base losses and mask weights.
     * This loss's own state stays authoritative: it is loaded into the instance before each execution, so executing
     * the instance directly does not change {@link #tau()}. Synchronise on the instance to execute it yourself.
     */
    public SameDiff sameDiff() {
        return graphExecution().sameDiff(state.snapshot());
    }

    private GraphExecution graphExecution() {
        GraphExecution g = graphExecution;
        if (g == null) {
            synchronized (this) {
                g = graphExecution;
                if (g == null) {
                    g = new GraphExecution(threshold, lambda, warmupIterations,
                            !compositeGraph && NativeOps.status().isNative());
                    graphExecution = g;
                }
            }
        }
        return g;
    }

    private BatchPreparation batches() {
        BatchPreparation b = batches;
        if (b == null) {
            synchronized (this) {
                b = batches;
                if (b == null) {
                    b = new BatchPreparation(inner, perExample);
                    batches = b;
                }
            }
        }
        return b;
    }

    private SuperLossExecution executor() {
        SuperLossExecution e = executor;
        if (e == null) {
            synchronized (this) {
                e = executor;
                if (e == null) {
                    e = execution.executor(this);
                    executor = e;
                }
            }
        }
        return e;
    }

    /**
     * The current training threshold: the constant for {@link Threshold#constant}; NaN before the first counted
     * training call for the moving thresholds.
     */
    public double tau() {
        return state.tau();
    }

    /**
     * An immutable copy of the threshold state (tau, counted calls, row weights), taken atomically. With
     * {@link Threshold#merge} and {@link #restore} it lets copies of a network that train apart combine their
     * thresholds.
     */
    public ThresholdSnapshot snapshot() {
        return state.snapshot();
    }

    /**
     * Replaces the threshold state, atomically: later training and scoring calls continue from {@code snapshot}. For
     * a constant threshold tau stays the configured constant (the counts are taken). {@link #lastConfidence()} is
     * unchanged.
     *
     * @throws IllegalArgumentException if {@code snapshot} is null ({@link #resetState()} returns to the untrained
     *                                  state)
     */
    public void restore(ThresholdSnapshot snapshot) {
        if (snapshot == null) {
            throw new IllegalArgumentException("snapshot must not be null; resetState() returns to the untrained state");
        }
        state.restore(snapshot);
    }

    /** Back to the untrained state: {@link #tau()} NaN for the moving thresholds, {@link #lastConfidence()} null. */
    public void resetState() {
        state.restore(null);
        lastConfidences = null;
    }

    /**
     * The confidences of the last training batch, shape [rows,1], in the data type of that batch's preOutput, detached
     * from any workspace; NaN for masked rows. Null before the first training call and after {@link #resetState()}.
     */
    public INDArray lastConfidence() {
        Confidences c = lastConfidences;
        return c == null ? null : c.toArray();
    }

    /**
     * Confidence sigma per row from the current threshold (before any training call: from this batch's own mean).
     * Changes no state.
     *
     * @return shape [rows,1], the data type of {@code preOutput}; NaN for masked rows
     */
    public INDArray confidence(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return HostArrays.column(score(labels, preOutput, activationFn, mask).sigma, preOutput.dataType());
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return HostArrays.column(score(labels, preOutput, activationFn, mask).superLoss, preOutput.dataType());
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        return score(labels, preOutput, activationFn, mask).score(average);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return train(labels, preOutput, activationFn, mask).getSecond();
    }

    /** One training step: advances the threshold once, then scores and differentiates with the new threshold. */
    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        Pair<RowEvaluation, INDArray> step = train(labels, preOutput, activationFn, mask);
        return new Pair<>(step.getFirst().score(average), step.getSecond());
    }

    /**
     * The whole loss as a SameDiff graph (the {@link SameDiffLoss} contract): the wrapped loss's own
     * {@code defineLoss}, inlined, followed by {@link SuperLossGraph} with this loss's configuration. The graph gets
     * its own state variables ({@code tau}, ...), initialised from this loss's current state; executing the result
     * advances them, not this loss's state. DL4J networks never call this method (they use FUSED or GRAPH execution).
     *
     * @return the per-row training SuperLoss, shape [rows,1] (see {@link SuperLossGraph#trainingLoss()})
     * @throws UnsupportedOperationException naming the wrapped class when it is not a {@link SameDiffLoss} (a plain
     *                                       {@code ILossFunction} has no symbolic form)
     * @throws IllegalArgumentException      if {@code sd} already has a variable named {@code tau}
     */
    @Override
    public SDVariable defineLoss(SameDiff sd, SDVariable layerInput, SDVariable labels) {
        if (!(inner instanceof SameDiffLoss)) {
            throw new UnsupportedOperationException("SuperLoss.defineLoss needs a symbolic wrapped loss, but "
                    + inner.getClass().getName() + " is not a SameDiffLoss (a plain ILossFunction has no SameDiff "
                    + "form); in DL4J networks SuperLoss works with any wrapped loss, in FUSED or GRAPH execution");
        }
        SDVariable perExample = ((SameDiffLoss) inner).defineLoss(sd, layerInput, labels);
        // The SameDiffLoss contract allows [minibatch]; SuperLossGraph (and SameDiff's loss gradients) need [rows,1].
        SDVariable rows = sd.reshape(perExample, -1, 1);
        return SuperLossGraph.builder(sd, rows).threshold(threshold).lambda(lambda)
                .warmupIterations(warmupIterations).initialState(state.snapshot()).build().trainingLoss();
    }

    /** As {@link SameDiffLoss}'s, with rank-2 placeholders [rows, nOut] (the stock ones are rank 1). */
    @Override
    protected void createSameDiffInstance(DataType dataType) {
        sd = SameDiff.create();
        SDVariable layerInput = sd.placeHolder("layerInput", dataType, -1, -1);
        SDVariable labels = sd.placeHolder("labels", dataType, -1, -1);
        scorePerExampleVariable = defineLoss(sd, layerInput, labels);
        scorePerExampleVariable.markAsLoss();
        sd.createGradFunction("layerInput");
    }

    private Pair<RowEvaluation, INDArray> train(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                INDArray mask) {
        PreparedBatch batch = batches().prepare(labels, preOutput, activationFn, mask);
        // Everything that can fail runs before the state changes, so a bad batch cannot corrupt tau.
        INDArray gradient = perExample.gradient(labels, preOutput, activationFn, mask, batch.weight);
        if (batch.nonFinite > 0) {
            log.warn("SuperLoss: {} of {} rows have a non-finite base loss ({}); they are left out of the threshold "
                    + "update", batch.nonFinite, batch.count, inner);
        }
        RowEvaluation eval = executor().train(batch, state, gradient);
        if (batch.usableWeight > 0.0) {
            lastConfidences = new Confidences(eval.sigma, preOutput.dataType());
        }
        return new Pair<>(eval, gradient);
    }

    /** A scoring call: the training tau, or the batch's own mean before any training call; no state change. */
    private RowEvaluation score(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return executor().score(batches().prepare(labels, preOutput, activationFn, mask), state.snapshot());
    }

    @JsonProperty("state")
    private ThresholdSnapshot stateForJson() {
        return state.snapshot();
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        SuperLoss s = (SuperLoss) o;
        return inner.equals(s.inner) && threshold.equals(s.threshold)
                && Double.compare(lambda, s.lambda) == 0 && warmupIterations == s.warmupIterations
                && execution == s.execution;
    }

    @Override
    public int hashCode() {
        return Objects.hash(inner, threshold, lambda, warmupIterations, execution);
    }

    @Override
    public String toString() {
        return "SuperLoss(inner=" + inner + ", threshold=" + threshold + ", lambda=" + lambda
                + ", warmupIterations=" + warmupIterations + ", execution=" + execution + ")";
    }

    /** Builder for {@link SuperLoss}; every parameter is validated by {@link #build()}. */
    public static final class Builder {
        private final ILossFunction inner;
        private Threshold threshold = Threshold.ema(DEFAULT_MOMENTUM);
        private double lambda = DEFAULT_LAMBDA;
        private int warmupIterations;
        private Execution execution = Execution.FUSED;

        private Builder(ILossFunction inner) {
            this.inner = inner;
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

        /** FUSED (default) or GRAPH; see {@link Execution}. */
        public Builder execution(Execution execution) {
            this.execution = execution;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the parameter and its value when one is invalid
         */
        public SuperLoss build() {
            if (execution == null) {
                throw new IllegalArgumentException("execution must not be null");
            }
            return new SuperLoss(inner, threshold, lambda, warmupIterations, null, execution);
        }
    }

    /** The last training batch's confidences, kept on the Java heap so that no workspace can reclaim them. */
    private static final class Confidences {
        private final double[] sigma;
        private final DataType dataType;

        Confidences(double[] sigma, DataType dataType) {
            this.sigma = sigma;
            this.dataType = dataType;
        }

        INDArray toArray() {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return HostArrays.column(sigma.clone(), dataType);
            }
        }
    }
}
