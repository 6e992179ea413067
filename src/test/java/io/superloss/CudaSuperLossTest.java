package io.superloss;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SuperLoss's fused training step on ND4J's CUDA backend (one kernel for the rows and the gradient scaling) against
 * the same step computed by the Java kernel: {@link SuperLossKernel#forward} on the host and ND4J's column scaling.
 * Runs only where a CUDA device is present ({@link GpuTestSupport}).
 *
 * <p>Tolerance: the kernel is the Java algorithm in the same operation order; sigma = exp(-W) uses CUDA's exp instead
 * of Java's (both within 1 ulp), so values agree to 2 ulp in double, and the float gradient (the float multiply of the
 * same operands after rounding sigma to float) to 1 float ulp.
 */
@Tag("gpu")
class CudaSuperLossTest {
    private CudaKernels kernels;

    @BeforeEach
    void cuda() {
        kernels = GpuTestSupport.cudaKernels();
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void fusedTrainingStepOnCudaMatchesTheJavaKernel(DataType type) {
        int rows = 4096;
        int cols = 10;
        SplittableRandom random = new SplittableRandom(5);
        INDArray labels = Nd4j.rand(type, rows, cols);
        INDArray preOutput = Nd4j.rand(type, rows, cols).muli(3);
        double[] maskValues = new double[rows];
        for (int i = 0; i < rows; i++) {
            maskValues[i] = i % 17 == 0 ? 0.0 : random.nextDouble() < 0.1 ? 0.5 : 1.0;
        }
        INDArray mask = Nd4j.createFromArray(maskValues).reshape(rows, 1).castTo(type);
        LossMSE inner = new LossMSE();
        double tau = 0.9;
        double lambda = 0.4;
        SuperLoss loss = SuperLoss.builder(inner).threshold(Threshold.constant(tau)).lambda(lambda).build();

        INDArray gradient = loss.computeGradient(labels, preOutput, new ActivationIdentity(), mask);
        double[] sigma = loss.lastConfidence().toDoubleVector();

        // The same step on the Java kernel.
        double[] base = inner.computeScoreArray(labels, preOutput, new ActivationIdentity(), mask).toDoubleVector();
        double[] weight = maskValues.clone();
        for (int i = 0; i < rows; i++) {
            if (weight[i] != 0.0) {
                base[i] /= weight[i];
            }
        }
        double[] expectedLoss = new double[rows];
        double[] expectedSigma = new double[rows];
        SuperLossKernel.forward(base, weight, tau, lambda, expectedLoss, expectedSigma);
        double[] scale = new double[rows];
        for (int i = 0; i < rows; i++) {
            scale[i] = weight[i] == 0.0 ? 0.0 : expectedSigma[i];
        }
        INDArray expectedGradient = inner.computeGradient(labels, preOutput, new ActivationIdentity(), mask)
                .mulColumnVector(Nd4j.createFromArray(scale).reshape(rows, 1).castTo(type));

        for (int i = 0; i < rows; i++) {
            if (weight[i] == 0.0) {
                assertTrue(Double.isNaN(sigma[i]), "masked row " + i + " has NaN confidence");
            } else if (type == DataType.DOUBLE) {
                assertWithinUlp(expectedSigma[i], sigma[i], 2, "sigma of row " + i);
            } else { // lastConfidence() is in the batch's type: sigma rounded to float
                assertTrue(Math.abs(sigma[i] - expectedSigma[i]) <= Math.ulp((float) expectedSigma[i]),
                        "sigma of row " + i + ": " + sigma[i] + " vs " + expectedSigma[i]);
            }
        }
        double[] got = gradient.toDoubleVector();
        double[] want = expectedGradient.toDoubleVector();
        for (int i = 0; i < got.length; i++) {
            double ulp = type == DataType.DOUBLE ? 3 * Math.ulp(want[i]) : Math.ulp((float) want[i]);
            assertTrue(Math.abs(got[i] - want[i]) <= ulp, "gradient element " + i + ": " + got[i] + " vs " + want[i]);
        }
    }

    @Test
    void kernelRowsMatchTheJavaKernelOnAMillionRows() {
        int rows = 1 << 20;
        SplittableRandom random = new SplittableRandom(9);
        double[] loss = new double[rows];
        double[] weight = new double[rows];
        for (int i = 0; i < rows; i++) {
            // (l - tau) / lambda spans the clamp, the branch point, zero and large values
            loss[i] = i % 1000 == 0 ? Double.NaN : Math.pow(10, -3 + 6 * random.nextDouble());
            weight[i] = i % 13 == 0 ? 0.0 : 1.0;
        }
        double tau = 1.1;
        double lambda = 0.3;
        double[] superLoss = new double[rows];
        double[] sigma = new double[rows];
        INDArray gradient = Nd4j.ones(DataType.DOUBLE, rows, 1);
        assertTrue(kernels.superLoss(loss, weight, tau, lambda, superLoss, sigma, gradient));
        double[] expectedLoss = new double[rows];
        double[] expectedSigma = new double[rows];
        SuperLossKernel.forward(loss, weight, tau, lambda, expectedLoss, expectedSigma);
        double[] scaled = gradient.toDoubleVector();
        for (int i = 0; i < rows; i++) {
            if (Double.isNaN(expectedSigma[i])) {
                assertTrue(Double.isNaN(sigma[i]), "row " + i + ": NaN sigma expected");
                continue;
            }
            assertWithinUlp(expectedLoss[i], superLoss[i], 2, "SuperLoss of row " + i);
            assertWithinUlp(expectedSigma[i], sigma[i], 2, "sigma of row " + i);
            assertEquals(weight[i] == 0.0 ? 0.0 : sigma[i], scaled[i], 0.0, "gradient scale of row " + i);
        }
    }

    @Test
    void kernelDeclinesViewsAndSuperLossFallsBackToTheJavaKernel() {
        INDArray big = Nd4j.rand(DataType.FLOAT, 8, 6);
        INDArray view = big.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3));
        double[] loss = {0.1, 0.5, 1.0, 2.0, 4.0, 8.0, 0.0, 1.5};
        double[] weight = {1, 1, 1, 1, 1, 1, 0, 1};
        double[] superLoss = new double[8];
        double[] sigma = new double[8];
        INDArray before = view.dup();
        assertFalse(kernels.superLoss(loss, weight, 1.0, 1.0, superLoss, sigma, view), "a view is declined");
        assertEquals(before, view, "a declined call changes nothing");

        FusedExecution.forwardAndScale(loss, weight, 1.0, 1.0, superLoss, sigma, view);
        double[] expectedLoss = new double[8];
        double[] expectedSigma = new double[8];
        SuperLossKernel.forward(loss, weight, 1.0, 1.0, expectedLoss, expectedSigma);
        for (int i = 0; i < 8; i++) {
            assertEquals(expectedLoss[i], superLoss[i], 0.0, "Java fallback, row " + i);
            for (int c = 0; c < 3; c++) {
                float scaleF = weight[i] == 0 ? 0f : (float) expectedSigma[i];
                assertEquals(before.getFloat(i, c) * scaleF, view.getFloat(i, c), 0f, "scaled view element");
            }
        }
    }

    private static void assertWithinUlp(double expected, double actual, double ulps, String what) {
        assertTrue(expected == actual || Math.abs(expected - actual) <= ulps * Math.ulp(expected),
                what + ": expected " + expected + " but was " + actual + " (" + ulps + " ulp)");
    }
}
