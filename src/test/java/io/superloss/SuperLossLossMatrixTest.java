package io.superloss;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J's loss-function gradient-check matrix run on SuperLoss: every built-in ND4J loss and a user SameDiffLoss
 * ({@link BuiltInLoss}), with the output activations DL4J's own checks pair it with, on OutputLayer, LossLayer and
 * RnnOutputLayer, without a mask, with per-output masks and with per-row masks (per-example for the feed-forward
 * layers, per-time-step for RnnOutputLayer), under two constant thresholds and the default EMA, in FUSED and GRAPH
 * execution. In every cell:
 * <ul>
 *   <li>DL4J's GradientCheckUtil passes on the network, in double precision (epsilon 1e-6, max relative error 1e-5,
 *       min absolute error 1e-8, DL4J's settings for its loss functions);</li>
 *   <li>the threshold is the constant, or for the EMA the mask-weighted mean of the batch's per-example losses (the
 *       gradient check's one training call sets it);</li>
 *   <li>per row, {@code computeScoreArray} equals (l - tau) sigma + lambda (ln sigma)^2 from the apfloat oracle
 *       ({@link SuperLossOracle}), and {@code lastConfidence} its sigma, with l the wrapped loss's score of that row
 *       alone ({@code computeScore}, which is the per-example loss consistent with its gradient for every loss here:
 *       with the score array instead, LossMAE's rows are nOut times too large).</li>
 * </ul>
 * The matrix is trimmed in repetitions, not in losses: each (loss, activation) pair runs once per layer, and the mask
 * kind, threshold and execution rotate so that every loss meets every layer, mask kind, threshold and execution
 * ({@link #everyLossMeetsEveryLayerMaskKindThresholdAndExecution}). Losses that take no per-output masks meet them in
 * {@link #perOutputMasksAreRefusedByLossesWithoutThem}, LossFMeasure is refused when the SuperLoss is built.
 * Per-output masks with a softmax output run on OutputLayer and RnnOutputLayer only: ND4J's losses give masked outputs
 * a zero gradient, which is the derivative of the masked score only where the layer also zeroes those outputs'
 * pre-outputs (these two layers do, LossLayer does not); DL4J's own gradient check of an unwrapped LossMSE, LossL1 or
 * LossKLD with softmax and per-output masks on a LossLayer fails alike.
 *
 * <p>Tolerance of the oracle comparison: SuperLoss's l and the reference l come from different ND4J reductions (a few
 * ulp apart) and dSuperLoss/dl = sigma &lt;= e, so 1e-12 relative to the magnitudes involved.
 */
@ExtendWith(DoublePrecision.class)
class SuperLossLossMatrixTest {
    private static final int N_IN = 2;
    private static final int EXAMPLES = 3;
    private static final int STEPS = 3;
    enum Layer { OUTPUT, LOSS, RNN }

    /** In the order the rotation assigns them to layers. */
    enum MaskKind { PER_OUTPUT, NONE, PER_ROW }

    /** Two constant thresholds (tau, lambda) and the default EMA (tau NaN here: the batch mean). */
    enum Setting {
        CONSTANT_LOW(0.5, 1.0),
        CONSTANT_HIGH(2.0, 0.25),
        DEFAULT_EMA(Double.NaN, SuperLoss.DEFAULT_LAMBDA);

        final double tau;
        final double lambda;

        Setting(double tau, double lambda) {
            this.tau = tau;
            this.lambda = lambda;
        }

        Threshold threshold() {
            return Double.isNaN(tau) ? Threshold.ema(SuperLoss.DEFAULT_MOMENTUM) : Threshold.constant(tau);
        }
    }

    record Cell(BuiltInLoss loss, Activation activation, Layer layer, MaskKind mask, Setting setting,
                SuperLoss.Execution execution) {
        @Override
        public String toString() {
            return loss + "/" + activation + " " + layer + " " + mask + " " + setting + " " + execution;
        }
    }

    /** SuperLoss that keeps copies of the arrays of its training call (DL4J's 2-D rows). */
    private static final class Capturing extends SuperLoss {
        INDArray labels;
        INDArray preOutput;
        INDArray mask;

        Capturing(ILossFunction inner, Setting setting, Execution execution) {
            super(inner, setting.threshold(), setting.lambda, 0, null, execution);
        }

        @Override
        public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn,
                                        INDArray mask) {
            this.labels = labels.detach();
            this.preOutput = preOutput.detach();
            this.mask = mask == null ? null : mask.detach();
            return super.computeGradient(labels, preOutput, activationFn, mask);
        }
    }

    static List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        for (BuiltInLoss loss : BuiltInLoss.values()) {
            for (int k = 0; k < loss.activations.size(); k++) {
                Activation activation = loss.activations.get(k);
                for (Layer layer : Layer.values()) {
                    int turn = layer.ordinal() + k;
                    MaskKind mask = MaskKind.values()[turn % 3];
                    // Per-output masks with softmax only where the layer zeroes the masked outputs' pre-outputs:
                    // in a LossLayer, DL4J's own gradient check fails with them (see the class comment).
                    boolean unzeroedSoftmax = activation == Activation.SOFTMAX && layer == Layer.LOSS;
                    if (mask == MaskKind.PER_OUTPUT && (!loss.takesPerOutputMasks(activation) || unzeroedSoftmax)) {
                        mask = MaskKind.PER_ROW;
                    }
                    Setting setting = Setting.values()[(turn + loss.ordinal()) % 3];
                    SuperLoss.Execution execution = SuperLoss.Execution.values()[(turn + loss.ordinal()) % 2];
                    cells.add(new Cell(loss, activation, layer, mask, setting, execution));
                }
            }
        }
        return cells;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cells")
    void gradientCheckPassesAndEveryRowIsTheSuperLossOfTheExamplesLoss(Cell cell) {
        if (cell.loss.refused()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Capturing(cell.loss.create(), cell.setting, cell.execution));
            assertTrue(e.getMessage().contains("LossFMeasure"), e.getMessage());
            return;
        }
        Random r = new Random(cell.toString().hashCode());
        Capturing loss = new Capturing(cell.loss.create(), cell.setting, cell.execution);
        MultiLayerNetwork net = network(cell, loss, r.nextLong());
        INDArray[] data = data(cell, r);
        boolean passed = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(data[0]).labels(data[1]).labelMask(data[2])
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-8)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
        assertTrue(passed, cell + ": GradientCheckUtil");
        assertRowsMatchTheOracle(cell, loss);
    }

    /** The captured training call's rows against the oracle, with each row's base loss from the wrapped loss. */
    private static void assertRowsMatchTheOracle(Cell cell, Capturing loss) {
        ILossFunction reference = cell.loss.create();
        IActivation activation = cell.activation.getActivationFunction();
        int rows = (int) loss.preOutput.rows();
        boolean perOutput = loss.mask != null && loss.mask.columns() > 1;
        double[] l = new double[rows];
        double[] w = new double[rows];
        double sum = 0;
        double weight = 0;
        for (int i = 0; i < rows; i++) {
            INDArray maskRow = loss.mask == null ? null : loss.mask.getRow(i, true);
            w[i] = maskRow == null ? 1 : maskRow.maxNumber().doubleValue();
            if (w[i] == 0) {
                continue;
            }
            l[i] = reference.computeScore(loss.labels.getRow(i, true), loss.preOutput.getRow(i, true).dup(),
                    activation, perOutput ? maskRow : null, false);
            sum += w[i] * l[i];
            weight += w[i];
        }
        assertTrue(weight > 0, cell + ": some row is unmasked");
        double tau = cell.setting == Setting.DEFAULT_EMA ? sum / weight : cell.setting.tau;
        double lambda = cell.setting.lambda;
        assertEquals(tau, loss.tau(), 1e-12 * Math.abs(tau), cell + ": tau");
        double[] superLoss = loss.computeScoreArray(loss.labels, loss.preOutput, activation, loss.mask)
                .toDoubleVector();
        double[] sigma = loss.lastConfidence().toDoubleVector();
        for (int i = 0; i < rows; i++) {
            if (w[i] == 0) {
                assertEquals(0.0, superLoss[i], 0.0, cell + ": masked row " + i);
                assertTrue(Double.isNaN(sigma[i]), cell + ": confidence of masked row " + i);
                continue;
            }
            SuperLossOracle.Row expected = SuperLossOracle.row(l[i], tau, lambda);
            double scale = Math.abs(expected.superLoss()) + Math.abs(l[i]) + Math.abs(tau) + lambda;
            assertEquals(expected.superLoss(), superLoss[i], 1e-12 * scale, cell + ": SuperLoss of row " + i);
            assertEquals(expected.sigma(), sigma[i], 1e-12 * scale, cell + ": sigma of row " + i);
        }
    }

    private static MultiLayerNetwork network(Cell cell, SuperLoss loss, long seed) {
        int nOut = cell.loss.nOut(cell.activation);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed)
                .dataType(DataType.DOUBLE).updater(new NoOp()).weightInit(new NormalDistribution(0, 1)).list();
        switch (cell.layer) {
            case OUTPUT:
                list.layer(new OutputLayer.Builder(loss).nIn(N_IN).nOut(nOut).activation(cell.activation).build());
                break;
            case LOSS:
                list.layer(new DenseLayer.Builder().nIn(N_IN).nOut(nOut).activation(Activation.IDENTITY).build())
                        .layer(new LossLayer.Builder(loss).activation(cell.activation).build());
                break;
            default:
                list.layer(new RnnOutputLayer.Builder(loss).nIn(N_IN).nOut(nOut).activation(cell.activation)
                        .dataFormat(RNNFormat.NCW).build());
        }
        MultiLayerConfiguration conf = list.validateOutputLayerConfig(false).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Features, labels and mask (or null) in the layer's layout: [examples, n] or [examples, n, steps]. */
    private static INDArray[] data(Cell cell, Random r) {
        boolean rnn = cell.layer == Layer.RNN;
        int rows = rnn ? EXAMPLES * STEPS : EXAMPLES;
        int nOut = cell.loss.nOut(cell.activation);
        double[][] labelRows = cell.loss.labelRows(r, rows, cell.activation);
        double[][] maskRows = maskRows(cell.mask, rows, nOut);
        double[][] featureRows = new double[rows][N_IN];
        for (double[] row : featureRows) {
            for (int j = 0; j < N_IN; j++) {
                row[j] = 2 * r.nextDouble() - 1;
            }
        }
        DataType labelType = cell.loss == BuiltInLoss.SPARSE_MCXENT ? DataType.INT : DataType.DOUBLE;
        INDArray mask;
        if (cell.mask == MaskKind.PER_ROW && rnn) {
            mask = Nd4j.create(DataType.DOUBLE, EXAMPLES, STEPS);
            for (int i = 0; i < rows; i++) {
                mask.putScalar(i % EXAMPLES, i / EXAMPLES, maskRows[i][0]);
            }
        } else {
            mask = maskRows == null ? null : timeSeries(maskRows, rnn, DataType.DOUBLE);
        }
        return new INDArray[] {timeSeries(featureRows, rnn, DataType.DOUBLE), timeSeries(labelRows, rnn, labelType),
            mask};
    }

    /**
     * Rows as a matrix, or as a time series [examples, width, steps] whose DL4J row order (example + examples * step)
     * gives back the rows.
     */
    private static INDArray timeSeries(double[][] rows, boolean rnn, DataType type) {
        if (!rnn) {
            return Nd4j.createFromArray(rows).castTo(type);
        }
        int width = rows[0].length;
        INDArray a = Nd4j.create(DataType.DOUBLE, EXAMPLES, width, STEPS);
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < width; j++) {
                a.putScalar(new int[] {i % EXAMPLES, j, i / EXAMPLES}, rows[i][j]);
            }
        }
        return a.castTo(type);
    }

    /**
     * Mask rows: per row, every third row masked out (RNN: sequences of 3, 2 and 1 steps); per output, rows that are
     * kept whole, kept in every other output, or masked out. Null without a mask.
     */
    private static double[][] maskRows(MaskKind kind, int rows, int nOut) {
        if (kind == MaskKind.NONE) {
            return null;
        }
        double[][] m = new double[rows][kind == MaskKind.PER_ROW ? 1 : nOut];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < m[i].length; j++) {
                m[i][j] = kind == MaskKind.PER_ROW
                        ? (i % EXAMPLES + i / EXAMPLES < EXAMPLES ? 1 : 0)
                        : (i % 3 == 0 || i % 3 == 1 && j % 2 == 0 ? 1 : 0);
            }
        }
        return m;
    }

    static Stream<Arguments> withoutPerOutputMasks() {
        List<Arguments> pairs = new ArrayList<>();
        for (BuiltInLoss loss : BuiltInLoss.values()) {
            for (Activation activation : loss.activations) {
                if (!loss.refused() && !loss.takesPerOutputMasks(activation)) {
                    pairs.add(Arguments.of(loss, activation));
                }
            }
        }
        return pairs.stream();
    }

    @ParameterizedTest(name = "{0}/{1}")
    @MethodSource("withoutPerOutputMasks")
    void perOutputMasksAreRefusedByLossesWithoutThem(BuiltInLoss builtIn, Activation activation) {
        Random r = new Random(builtIn.ordinal());
        int nOut = builtIn.nOut(activation);
        INDArray labels = Nd4j.createFromArray(builtIn.labelRows(r, EXAMPLES, activation));
        INDArray preOutput = Nd4j.rand(DataType.DOUBLE, EXAMPLES, nOut);
        INDArray mask = Nd4j.createFromArray(maskRows(MaskKind.PER_OUTPUT, EXAMPLES, nOut));
        for (SuperLossVariant variant : SuperLossVariant.values()) {
            ILossFunction inner = builtIn.create();
            SuperLoss loss = variant.build(SuperLoss.builder(inner));
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> loss.computeGradient(labels, preOutput, activation.getActivationFunction(), mask));
            // SuperLoss names the wrapped loss; ND4J's softmax cross-entropies name themselves "MCXENT".
            assertTrue(e instanceof IllegalArgumentException && e.getMessage().contains(inner.toString())
                    || e instanceof UnsupportedOperationException && e.getMessage().contains("MCXENT"),
                    variant + ": " + e);
            assertTrue(Double.isNaN(loss.tau()), variant + ": no state change");
        }
    }

    @Test
    void everyLossMeetsEveryLayerMaskKindThresholdAndExecution() {
        List<Cell> cells = cells();
        for (BuiltInLoss loss : BuiltInLoss.values()) {
            Set<Layer> layers = EnumSet.noneOf(Layer.class);
            Set<MaskKind> masks = EnumSet.noneOf(MaskKind.class);
            Set<Setting> settings = EnumSet.noneOf(Setting.class);
            Set<SuperLoss.Execution> executions = EnumSet.noneOf(SuperLoss.Execution.class);
            Set<Activation> activations = new java.util.HashSet<>();
            boolean timeSteps = false;
            for (Cell c : cells) {
                if (c.loss == loss) {
                    layers.add(c.layer);
                    masks.add(c.mask);
                    settings.add(c.setting);
                    executions.add(c.execution);
                    activations.add(c.activation);
                    timeSteps |= c.layer == Layer.RNN && c.mask == MaskKind.PER_ROW;
                }
            }
            // A loss that takes no per-output masks with any of its activations meets them in their refusal test.
            boolean takesNoPerOutputMasks = loss.activations.stream().noneMatch(loss::takesPerOutputMasks);
            assertEquals(EnumSet.allOf(Layer.class), layers, loss + " layers");
            assertTrue(masks.contains(MaskKind.NONE) && masks.contains(MaskKind.PER_ROW)
                    && (masks.contains(MaskKind.PER_OUTPUT) || takesNoPerOutputMasks), loss + " masks " + masks);
            assertTrue(timeSteps, loss + " per-time-step masks");
            assertEquals(EnumSet.allOf(Setting.class), settings, loss + " thresholds");
            assertEquals(EnumSet.allOf(SuperLoss.Execution.class), executions, loss + " executions");
            assertEquals(Set.copyOf(loss.activations), activations, loss + " activations");
        }
    }
}
