package io.superloss;

/**
 * Benchmark access to package-private kernels (this class is compiled only by the {@code bench} profile): the array
 * loops of {@link LambertWKernel}, which {@link LambertW#w0(org.nd4j.linalg.api.ndarray.INDArray)} runs between its
 * copies from and to ND4J buffers.
 */
public final class BenchAccess {
    private BenchAccess() {
    }

    /** {@code dst[i] = LambertW.w0(src[i])}, the loop of the DOUBLE array op. */
    public static void w0(double[] src, double[] dst) {
        LambertWKernel.w0(src, dst, src.length);
    }

    /** {@code dst[i] = LambertW.w0(src[i])}, the loop of the FLOAT array op. */
    public static void w0(float[] src, float[] dst) {
        LambertWKernel.w0(src, dst, src.length);
    }
}
