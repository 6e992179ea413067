package io.superloss;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA W0 kernels (compiled by NVRTC on the device) against the Java kernel, element by element, on 2^21
 * arguments per type covering every regime ({@link KernelSweep}), and {@link LambertW#w0(INDArray)} on ND4J's CUDA
 * backend for several layouts. Runs only where a CUDA device is present ({@link GpuTestSupport}).
 *
 * <p>Bit-identical: the kernels are generated from the Java kernel with the same operations in the same order
 * (scripts/port_lambertw_kernel.py), call no library function, and are compiled without FMA contraction; GPU division
 * and square root are correctly rounded, as in Java. The host build of the same code is bit-identical to Java
 * (CudaHostMathTest).
 */
@Tag("gpu")
class CudaLambertWTest {
    private static final Logger log = LoggerFactory.getLogger(CudaLambertWTest.class);
    private static final int POINTS = 1 << 21;

    private CudaKernels kernels;

    @BeforeEach
    void cuda() {
        kernels = GpuTestSupport.cudaKernels();
    }

    @Test
    void float32KernelIsBitIdenticalToJavaOnTwoMillionArguments() {
        float[] z = KernelSweep.floats(POINTS, 11);
        INDArray in = Nd4j.createFromArray(z);
        float[] device = kernels.w0(in).toFloatVector();
        float[] dispatched = LambertW.w0(in).toFloatVector();
        int identical = 0;
        StringBuilder mismatches = new StringBuilder();
        for (int i = 0; i < z.length; i++) {
            float java = LambertW.w0(z[i]);
            if (Float.floatToIntBits(java) == Float.floatToIntBits(device[i])) {
                identical++;
            } else if (mismatches.length() < 500) {
                mismatches.append(" z=").append(z[i]).append(": device ").append(device[i]).append(", Java ")
                        .append(java).append(';');
            }
        }
        log.info("W0 float32 on CUDA: {} of {} bit-identical to Java", identical, z.length);
        assertEquals(z.length, identical, "bit-identical to Java; first mismatches:" + mismatches);
        assertArrayEquals(device, dispatched, "LambertW.w0(INDArray) on CUDA runs the same kernel");
    }

    @Test
    void float64KernelIsBitIdenticalToJavaOnTwoMillionArguments() {
        double[] z = KernelSweep.doubles(POINTS, 13);
        INDArray in = Nd4j.createFromArray(z);
        double[] device = kernels.w0(in).toDoubleVector();
        double[] dispatched = LambertW.w0(in).toDoubleVector();
        int identical = 0;
        StringBuilder mismatches = new StringBuilder();
        for (int i = 0; i < z.length; i++) {
            double java = LambertW.w0(z[i]);
            if (Double.doubleToLongBits(java) == Double.doubleToLongBits(device[i])) {
                identical++;
            } else if (mismatches.length() < 500) {
                mismatches.append(" z=").append(z[i]).append(": device ").append(device[i]).append(", Java ")
                        .append(java).append(';');
            }
        }
        log.info("W0 float64 on CUDA: {} of {} bit-identical to Java", identical, z.length);
        assertEquals(z.length, identical, "bit-identical to Java; first mismatches:" + mismatches);
        assertArrayEquals(device, dispatched, "LambertW.w0(INDArray) on CUDA runs the same kernel");
    }

    @Test
    void arrayVersionKeepsShapeAndOrderForViewsAndFortranOrder() {
        INDArray f = Nd4j.rand(DataType.DOUBLE, 3, 4, 5).muli(6).subi(0.3).dup('f');
        INDArray column = Nd4j.rand(DataType.FLOAT, 7, 5).get(NDArrayIndex.all(), NDArrayIndex.point(2));
        INDArray scalar = Nd4j.scalar(2.5);
        for (INDArray z : new INDArray[] {f, column, scalar}) {
            INDArray w = LambertW.w0(z);
            assertArrayEquals(z.shape(), w.shape(), "shape");
            assertEquals(z.dataType(), w.dataType(), "data type");
            double[] zs = z.dup('c').toDoubleVector();
            double[] ws = w.dup('c').toDoubleVector();
            for (int i = 0; i < zs.length; i++) {
                double expected = z.dataType() == DataType.FLOAT ? LambertW.w0((float) zs[i]) : LambertW.w0(zs[i]);
                assertEquals(expected, ws[i], 0.0, "element " + i + " of " + Arrays.toString(z.shape()));
            }
        }
        assertTrue(LambertW.w0(Nd4j.create(DataType.FLOAT, 0)).isEmpty(), "empty in, empty out");
    }
}
