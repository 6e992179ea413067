package io.superloss;

import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data types: networks of every type DL4J 1.0.0-M2.1 configurations accept (DOUBLE, FLOAT, HALF) train with SuperLoss,
 * and the loss function itself, called on FLOAT, HALF or BFLOAT16 arrays, agrees with the DOUBLE computation within
 * that type's resolution and answers in that type.
 */
class SuperLossDataTypeTest {

    /**
     * The updaters: HALF needs Sgd or an Adam epsilon of at least 1e-4, because Adam's default 1e-8 is below fp16's
     * smallest subnormal (6e-8) and its updates turn NaN.
     */
    static Stream<Arguments> networks() {
        return Stream.of(
                Arguments.of(DataType.DOUBLE, new Adam(1e-2)),
                Arguments.of(DataType.FLOAT, new Adam(1e-2)),
                Arguments.of(DataType.HALF, new Sgd(0.3)),
                Arguments.of(DataType.HALF, new Adam(1e-2, 0.9, 0.999, 1e-4)));
    }

    @ParameterizedTest
    @MethodSource("networks")
    void networksOfEveryConfigurableTypeTrain(DataType dataType, IUpdater updater) {
        Digits all = Digits.load().shuffled(4);
        Digits train = all.range(0, Digits.TRAIN_SIZE);
        Digits test = all.range(Digits.TRAIN_SIZE, Digits.TRAIN_SIZE + Digits.TEST_SIZE);
        SuperLoss loss = new SuperLoss(new LossMCXENT());
        MultiLayerNetwork net = DigitsModels.mlp(loss, 4, dataType, updater, 32);
        DataSet trainSet = cast(train.dataSet(train.labels), dataType);
        DataSet testSet = cast(test.dataSet(test.labels), dataType);
        DigitsModels.train(net, trainSet, 3, 32, 4);

        double accuracy = DigitsModels.accuracy(net, testSet);
        // Chance is 0.1; measured after 3 epochs: 0.92 (DOUBLE, FLOAT, HALF with Adam), 0.87 (HALF with Sgd).
        assertTrue(accuracy > 0.8, dataType + " " + updater + ": test accuracy " + accuracy);
        assertTrue(Double.isFinite(loss.tau()) && loss.tau() > 0, "tau " + loss.tau());
        assertTrue(Double.isFinite(net.params().sumNumber().doubleValue()), "finite parameters");
        assertEquals(dataType, loss.lastConfidence().dataType());
    }

    private static DataSet cast(DataSet d, DataType dataType) {
        return new DataSet(d.getFeatures().castTo(dataType), d.getLabels().castTo(dataType));
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"HALF", "BFLOAT16"})
    void confidentCorrectPredictionsKeepAFiniteLossIn16BitTypes(DataType dataType) {
        // Softmax of (20, 0, 0): the wrong classes' probabilities (2e-9) underflow in fp16, where DL4J's clip (1e-10)
        // is 0 too; cross-entropy evaluated in fp16 then gives 0 x log(0) = NaN for this, the easiest, row.
        INDArray labels = Nd4j.createFromArray(new double[][] {{1, 0, 0}, {0, 1, 0}});
        INDArray preOut = Nd4j.createFromArray(new double[][] {{20, 0, 0}, {0, 3, 0}});
        SuperLoss reference = new SuperLoss(new LossMCXENT());
        SuperLoss loss = new SuperLoss(new LossMCXENT());
        INDArray expected = reference.computeGradient(labels, preOut, new ActivationSoftmax(), null);
        INDArray gradient = loss.computeGradient(labels.castTo(dataType), preOut.castTo(dataType),
                new ActivationSoftmax(), null);
        double u = unitRoundoff(dataType);
        assertEquals(reference.tau(), loss.tau(), 8 * u * reference.tau());
        double[] e = expected.dup().data().asDouble();
        double[] a = gradient.dup().data().asDouble();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 8 * u * (1 + Math.abs(e[i])), "gradient [" + i + "] of " + gradient);
        }
        double[] sigma = loss.lastConfidence().toDoubleVector();
        assertTrue(Double.isFinite(sigma[0]) && sigma[0] > 1, "the easy row is trusted: " + sigma[0]);
    }

    /** Unit roundoff of each type (half the distance from 1 to the next value). */
    private static double unitRoundoff(DataType dataType) {
        switch (dataType) {
            case FLOAT:
                return 0x1p-24;
            case HALF:
                return 0x1p-11;
            case BFLOAT16:
                return 0x1p-8;
            default:
                throw new IllegalArgumentException(dataType.toString());
        }
    }

    /**
     * Every ILossFunction call on arrays of {@code dataType} against the same call on DOUBLE arrays holding the same
     * (exactly representable) values, for softmax cross-entropy and MSE, per-row and per-output masks, constant and
     * moving thresholds.
     *
     * <p>Tolerance 8 u (1 + |x|), u the type's unit roundoff: the inputs are exact in every type, the per-row base
     * loss is evaluated in FLOAT for 16-bit arrays, the wrapped loss's gradient in the type carries a few u, SuperLoss's
     * derivative in the loss is sigma &lt;= e and sigma's is at most 2 on these rows (all at beta &gt;= -0.5, away from
     * the branch point at -2/e), and results are rounded once to the type. Measured maximum: 2.0 u (FLOAT), 1.2 u (HALF,
     * BFLOAT16). A wrong threshold, branch or weighting moves values by 1e-2 or more.
     */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "HALF", "BFLOAT16"})
    void lossFunctionCallsAgreeWithDoubleWithinTheTypeResolution(DataType dataType) {
        Random r = new Random(9);
        int rows = 7;
        int classes = 4;
        double lambda = 4.0;
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, rows, classes);
        INDArray preOut = Nd4j.zeros(DataType.DOUBLE, rows, classes);
        for (int i = 0; i < rows; i++) {
            labels.putScalar(i, r.nextInt(classes), 1.0);
            for (int j = 0; j < classes; j++) {
                preOut.putScalar(i, j, (r.nextInt(49) - 24) / 8.0); // k/8, exact in every type
            }
        }
        INDArray perRow = Nd4j.createFromArray(1.0, 0.0, 1.0, 0.5, 1.0, 1.0, 0.0).reshape(rows, 1);
        INDArray perOutput = Nd4j.ones(DataType.DOUBLE, rows, classes);
        perOutput.putScalar(1, 2, 0.0);
        perOutput.getRow(4).assign(0.0);

        record Case(ILossFunction inner, IActivation activation, INDArray mask) {
        }
        Case[] cases = {
            new Case(new LossMCXENT(), new ActivationSoftmax(), null),
            new Case(new LossMCXENT(), new ActivationSoftmax(), perRow),
            new Case(new LossMSE(), new ActivationIdentity(), perOutput),
        };
        double u = unitRoundoff(dataType);
        for (Case c : cases) {
            for (Threshold threshold : new Threshold[] {Threshold.constant(2.0), Threshold.ema(0.9)}) {
                String what = dataType + " " + c.inner + " mask " + (c.mask == null ? "none" : c.mask.columns())
                        + " " + threshold;
                Outputs expected = Outputs.of(SuperLoss.builder(c.inner).threshold(threshold).lambda(lambda).build(),
                        labels, preOut, c.activation, c.mask, DataType.DOUBLE);
                Outputs actual = Outputs.of(SuperLoss.builder(c.inner).threshold(threshold).lambda(lambda).build(),
                        labels, preOut, c.activation, c.mask, dataType);
                expected.assertAgrees(actual, 8 * u, dataType, what);
            }
        }
    }

    /** Everything one SuperLoss answers for one batch, computed from arrays cast to one data type. */
    private record Outputs(INDArray gradient, INDArray lastConfidence, double tau, double trainingScore,
                           INDArray scoreArray, INDArray confidence, double score) {
        static Outputs of(SuperLoss loss, INDArray labels, INDArray preOut, IActivation activation, INDArray mask,
                          DataType dataType) {
            INDArray l = labels.castTo(dataType);
            INDArray m = mask == null ? null : mask.castTo(dataType);
            // Fresh pre-output copies: DL4J activations may backprop in place.
            Pair<Double, INDArray> trained = loss.computeGradientAndScore(l, preOut.castTo(dataType), activation, m,
                    false);
            return new Outputs(trained.getSecond(), loss.lastConfidence(), loss.tau(), trained.getFirst(),
                    loss.computeScoreArray(l, preOut.castTo(dataType), activation, m),
                    loss.confidence(l, preOut.castTo(dataType), activation, m),
                    loss.computeScore(l, preOut.castTo(dataType), activation, m, true));
        }

        void assertAgrees(Outputs actual, double rel, DataType dataType, String what) {
            assertArrays(gradient, actual.gradient, rel, dataType, what + " gradient");
            assertArrays(lastConfidence, actual.lastConfidence, rel, dataType, what + " last confidence");
            assertArrays(scoreArray, actual.scoreArray, rel, dataType, what + " score array");
            assertArrays(confidence, actual.confidence, rel, dataType, what + " confidence");
            assertClose(tau, actual.tau, rel, what + " tau");
            assertClose(trainingScore, actual.trainingScore, rel * gradient.rows(), what + " training score");
            assertClose(score, actual.score, rel, what + " score");
        }

        private static void assertArrays(INDArray expected, INDArray actual, double rel, DataType dataType,
                                         String what) {
            assertEquals(dataType, actual.dataType(), what + " data type");
            assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
            double[] e = expected.dup().data().asDouble();
            double[] a = actual.dup().data().asDouble();
            for (int i = 0; i < e.length; i++) {
                if (Double.isNaN(e[i])) {
                    assertTrue(Double.isNaN(a[i]), what + " [" + i + "] should be NaN (masked), was " + a[i]);
                } else {
                    assertClose(e[i], a[i], rel, what + " [" + i + "]");
                }
            }
        }

        private static void assertClose(double expected, double actual, double rel, String what) {
            TestUtils.assertClose(expected, actual, rel, rel, what);
        }
    }
}
