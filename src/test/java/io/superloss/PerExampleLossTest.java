package io.superloss;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossFMeasure;
import org.nd4j.linalg.lossfunctions.impl.LossMAE;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossWasserstein;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-example values SuperLoss uses are consistent with the gradient it scales (central finite differences of the
 * values against the gradient), where ND4J's own per-example values are not; losses without per-example values are
 * refused with an exception naming the loss, at construction where that is known and otherwise at the first call,
 * before any state changes. The ND4J behaviours behind the compensations are pinned in {@link Nd4jLossBehaviourTest}.
 *
 * <p>Tolerance of the finite differences: h = 1e-6 on O(1) values, truncation ~h^2 and rounding ~1e-16 / h = 1e-10,
 * so 1e-7 absolute.
 */
@ExtendWith(DoublePrecision.class)
class PerExampleLossTest {
    private static final IActivation IDENTITY = new ActivationIdentity();
    private static final IActivation SOFTMAX = new ActivationSoftmax();
    private static INDArray matrix(double[]... rows) {
        return Nd4j.createFromArray(rows);
    }

    /** Every value row's central finite differences against the gradient row, at the outputs the mask keeps. */
    private static void assertValuesConsistentWithGradient(PerExampleLoss loss, INDArray labels, INDArray pre,
                                                           IActivation activation, INDArray mask, String what) {
        int rows = (int) pre.rows();
        double[] weight = BatchShape.rowWeights(mask, rows);
        INDArray gradient = loss.gradient(labels.dup(), pre.dup(), activation, mask, weight);
        double h = 1e-6;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < pre.columns(); j++) {
                if (mask != null && mask.columns() > 1 && mask.getDouble(i, j) == 0.0) {
                    continue; // DL4J's layers zero a masked output's pre-output: its derivative is never used
                }
                double x = pre.getDouble(i, j);
                pre.putScalar(i, j, x + h);
                double up = loss.values(labels.dup(), pre.dup(), activation, mask, weight)[i];
                pre.putScalar(i, j, x - h);
                double down = loss.values(labels.dup(), pre.dup(), activation, mask, weight)[i];
                pre.putScalar(i, j, x);
                assertEquals(weight[i] * (up - down) / (2 * h), gradient.getDouble(i, j), 1e-7,
                        what + " (" + i + ", " + j + ")");
            }
        }
    }

    @Test
    void lossMaeValuesAreTheRowMeansItsGradientDifferentiates() {
        // The example: SuperLoss's gradient was 1/nOut of the finite differences of its score.
        INDArray labels = matrix(new double[] {0.2, -0.4, 0.9}, new double[] {1.0, 0.0, -1.0});
        INDArray pre = matrix(new double[] {0.5, 0.1, 0.3}, new double[] {0.0, 0.5, 0.0});
        PerExampleLoss mae = PerExampleLoss.of(new LossMAE());
        double[] values = mae.values(labels, pre.dup(), IDENTITY, null, new double[] {1, 1});
        assertEquals((0.3 + 0.5 + 0.6) / 3, values[0], 1e-15);
        assertEquals((1.0 + 0.5 + 1.0) / 3, values[1], 1e-15);
        assertValuesConsistentWithGradient(mae, labels, pre, IDENTITY, null, "LossMAE");

        // The reproduction on SuperLoss: gradient 0.2408 against finite differences of 0.7225 before.
        SuperLoss loss = SuperLoss.builder(new LossMAE()).threshold(Threshold.constant(0.5)).build();
        INDArray y = labels.getRow(0, true);
        INDArray z = pre.getRow(0, true);
        double gradient = loss.computeGradient(y, z.dup(), IDENTITY, null).getDouble(0, 0);
        double sigma = SuperLossOracle.row(1.4 / 3, 0.5, 1.0).sigma();
        assertEquals(sigma / 3, gradient, 1e-15, "sigma of the row mean times d|0.5 - 0.2|/3");
        double h = 1e-6;
        INDArray up = z.dup();
        up.putScalar(0, 0, 0.5 + h);
        INDArray down = z.dup();
        down.putScalar(0, 0, 0.5 - h);
        double fd = (loss.computeScore(y, up, IDENTITY, null, false)
                - loss.computeScore(y, down, IDENTITY, null, false)) / (2 * h);
        assertEquals(fd, gradient, 1e-7, "finite differences of SuperLoss's score");
    }

    @Test
    void lossBinaryXentUnderSoftmaxValuesAreTheFullBinaryCrossEntropy() {
        INDArray labels = matrix(new double[] {1, 0, 1}, new double[] {0, 0, 1});
        INDArray pre = matrix(new double[] {0.3, -1.2, 0.8}, new double[] {1.5, 0.2, -0.7});
        PerExampleLoss xent = PerExampleLoss.of(new LossBinaryXENT(0.0));
        double[] values = xent.values(labels, pre.dup(), SOFTMAX, null, new double[] {1, 1});
        for (int i = 0; i < 2; i++) {
            double[] z = pre.getRow(i).toDoubleVector();
            double[] y = labels.getRow(i).toDoubleVector();
            double sum = Math.exp(z[0]) + Math.exp(z[1]) + Math.exp(z[2]);
            double expected = 0;
            for (int j = 0; j < 3; j++) {
                double p = Math.exp(z[j]) / sum;
                expected -= y[j] * Math.log(p) + (1 - y[j]) * Math.log(1 - p);
            }
            assertEquals(expected, values[i], 1e-14, "row " + i);
        }
        assertValuesConsistentWithGradient(xent, labels, pre, SOFTMAX, null, "LossBinaryXENT with softmax");
        // Under a sigmoid, ND4J's score and gradient agree: nothing changes.
        INDArray sigmoidValues = new LossBinaryXENT(0.0).computeScoreArray(labels, pre.dup(), new ActivationSigmoid(),
                null);
        double[] compensated = xent.values(labels, pre.dup(), new ActivationSigmoid(), null, new double[] {1, 1});
        assertEquals(sigmoidValues.getDouble(0, 0), compensated[0], 0.0);
        assertEquals(sigmoidValues.getDouble(1, 0), compensated[1], 0.0);
    }

    @Test
    void lossWassersteinWithAPerOutputMaskIsConsistentAndLeavesTheCallersLabelsAlone() {
        INDArray labels = matrix(new double[] {0.5, -1.0, 0.25}, new double[] {-0.5, 0.75, 1.0});
        INDArray pre = matrix(new double[] {0.3, -1.2, 0.8}, new double[] {1.5, 0.2, -0.7});
        INDArray mask = matrix(new double[] {1, 0, 1}, new double[] {0, 1, 1});
        INDArray labelsBefore = labels.dup();
        PerExampleLoss wasserstein = PerExampleLoss.of(new LossWasserstein());
        wasserstein.gradient(labels, pre.dup(), SOFTMAX, mask, new double[] {1, 1});
        assertEquals(labelsBefore, labels, "the caller's labels");
        assertValuesConsistentWithGradient(wasserstein, labels, pre, SOFTMAX, mask, "LossWasserstein, softmax");
    }

    @Test
    void perRowWeightsAreAppliedOnceWhateverTheWrappedLossDoesWithAOneColumnMask() {
        // One output: ND4J's LossMSE would weigh a [rows,1] mask twice in its gradient.
        INDArray labels = matrix(new double[] {0.25}, new double[] {0.75}, new double[] {-1});
        INDArray pre = matrix(new double[] {-0.4}, new double[] {0.9}, new double[] {2});
        INDArray mask = matrix(new double[] {2.0}, new double[] {0.0}, new double[] {0.5});
        PerExampleLoss mse = PerExampleLoss.of(new LossMSE());
        double[] values = mse.values(labels, pre.dup(), IDENTITY, mask, BatchShape.rowWeights(mask, 3));
        assertEquals(0.65 * 0.65, values[0], 1e-15, "unweighted");
        assertEquals(0.0, values[1], 0.0, "masked row");
        assertEquals(9.0, values[2], 1e-15, "unweighted");
        assertValuesConsistentWithGradient(mse, labels, pre, IDENTITY, mask, "LossMSE, one output, weights");
    }

    @Test
    void lossFMeasureIsRefusedWhenTheSuperLossIsBuilt() {
        List<Executable> constructions = List.of(
            () -> new SuperLoss(new LossFMeasure()),
            () -> SuperLoss.builder(new LossFMeasure(2.0)).threshold(Threshold.constant(0.1)).build(),
            () -> new SuperLoss(new LossFMeasure() { }));
        for (Executable construction : constructions) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction);
            assertTrue(e.getMessage().contains("LossFMeasure") && e.getMessage().contains("per-example"),
                    e.getMessage());
        }
    }

    /** A subclass may give the F-measure per-example values: then it is wrapped like any loss. */
    @Test
    void aLossFMeasureSubclassWithItsOwnScoreArrayIsAccepted() {
        ILossFunction withValues = new LossFMeasure() {
            @Override
            public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
                                              INDArray mask) {
                return new LossMSE().computeScoreArray(labels, preOutput, activationFn, mask);
            }
        };
        SuperLoss loss = SuperLoss.builder(withValues).threshold(Threshold.constant(0.1)).build();
        INDArray scores = loss.computeScoreArray(matrix(new double[] {1}, new double[] {0}),
                matrix(new double[] {0.3}, new double[] {-0.2}), IDENTITY, null);
        assertEquals(2, scores.length());
    }

    /** A wrapped loss that misbehaves in a given way: its score array comes from the function. */
    private static final class Misbehaving extends LossMSE {
        private final Function<INDArray, INDArray> scoreArray;

        Misbehaving(Function<INDArray, INDArray> scoreArray) {
            this.scoreArray = scoreArray;
        }

        @Override
        public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
                                          INDArray mask) {
            return scoreArray.apply(preOutput);
        }

        @Override
        public String toString() {
            return "Misbehaving()";
        }
    }

    enum Misbehaviour {
        THROWS(pre -> {
            throw new UnsupportedOperationException("no per-example scores here");
        }, "no per-example scores here"),
        ONE_VALUE_FOR_THE_BATCH(pre -> Nd4j.ones(DataType.DOUBLE, 1, 1), "[1, 1]"),
        ONE_VALUE_PER_OUTPUT(pre -> Nd4j.ones(DataType.DOUBLE, pre.rows(), pre.columns()), "[3, 2]");

        final Function<INDArray, INDArray> scoreArray;
        final String named;

        Misbehaviour(Function<INDArray, INDArray> scoreArray, String named) {
            this.scoreArray = scoreArray;
            this.named = named;
        }
    }

    @ParameterizedTest
    @EnumSource(Misbehaviour.class)
    void aLossWithoutOneValuePerRowIsRefusedAtTheFirstCallBeforeAnyStateChanges(Misbehaviour misbehaviour) {
        for (SuperLossVariant variant : SuperLossVariant.values()) {
            SuperLoss loss = variant.build(SuperLoss.builder(new Misbehaving(misbehaviour.scoreArray)));
            INDArray labels = Nd4j.zeros(DataType.DOUBLE, 3, 2);
            INDArray pre = Nd4j.ones(DataType.DOUBLE, 3, 2);
            List<Executable> calls = List.of(
                () -> loss.computeGradient(labels, pre, IDENTITY, null),
                () -> loss.computeGradientAndScore(labels, pre, IDENTITY, null, true),
                () -> loss.computeScore(labels, pre, IDENTITY, null, false),
                () -> loss.computeScoreArray(labels, pre, IDENTITY, null),
                () -> loss.confidence(labels, pre, IDENTITY, null));
            for (Executable call : calls) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
                assertTrue(e.getMessage().contains("Misbehaving()") && e.getMessage().contains(misbehaviour.named),
                        variant + ": " + e.getMessage());
                if (misbehaviour == Misbehaviour.THROWS) {
                    assertSame(UnsupportedOperationException.class, e.getCause().getClass());
                }
            }
            assertTrue(Double.isNaN(loss.tau()), variant + ": no state change");
            assertEquals(0, loss.snapshot().calls(), variant + ": no training call counted");
        }
    }

    @Test
    void lossBinaryXentWithWeightsIsRefusedUnderSoftmaxAtTheFirstCall() {
        SuperLoss loss = new SuperLoss(new LossBinaryXENT(0.0, matrix(new double[] {0.5, 1, 2})));
        INDArray labels = matrix(new double[] {1, 0, 1});
        INDArray pre = matrix(new double[] {0.3, -1.2, 0.8});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loss.computeGradient(labels, pre, SOFTMAX, null));
        assertTrue(e.getMessage().contains("LossBinaryXENT") && e.getMessage().contains("softmax"), e.getMessage());
        assertTrue(Double.isNaN(loss.tau()));
        // With a sigmoid, the weighted loss is consistent and works.
        Pair<Double, INDArray> step = loss.computeGradientAndScore(labels, pre, new ActivationSigmoid(), null, false);
        assertTrue(Double.isFinite(step.getFirst()) && Double.isFinite(loss.tau()));
    }
}
