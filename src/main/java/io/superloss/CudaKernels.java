package io.superloss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUDA versions of this library's eager kernels, used when ND4J runs on its CUDA backend. The implementation,
 * {@code io.superloss.NvrtcCudaKernels}, lives in {@code src/cuda/java} and is compiled only by the Maven profile
 * {@code cuda}, because it needs nd4j-cuda and the JavaCPP CUDA presets; it compiles the CUDA C kernels shipped in
 * {@code io/superloss/cuda/} with NVRTC for the device's own architecture and launches them on ND4J's device buffers
 * and stream. Everything else in the library reaches it only through this interface, loaded by reflection, so the CPU
 * build neither needs nor sees any CUDA class.
 *
 * <p>Each method either does the whole job on the device or returns without touching anything, telling the caller to
 * use the Java kernel (which works on every backend, through host copies).
 */
interface CudaKernels {
    /** The class name of the implementation, present only in builds made with {@code -Pcuda}. */
    String IMPLEMENTATION = "io.superloss.NvrtcCudaKernels";

    /**
     * W0 of every element of {@code z}, computed on the device.
     *
     * @param z any shape; FLOAT or DOUBLE
     * @return a new array of the shape, order and data type of {@code z}; null if {@code z} has another data type
     */
    INDArray w0(INDArray z);

    /**
     * The contract of {@link SuperLossKernel#forward} for every row, and in the same launch the in-place scaling of
     * each gradient row by the row's sigma (by 0 for masked rows). The gradient stays on the device; the per-row
     * vectors (one value per row) are copied in and out.
     *
     * @param gradient [rows, nOut], the wrapped loss's gradient, scaled in place
     * @return false, having changed nothing, when the gradient cannot be handled on the device (a data type other than
     *     FLOAT or DOUBLE, or a view into a larger buffer)
     */
    boolean superLoss(double[] loss, double[] weight, double tau, double lambda, double[] superLoss, double[] sigma,
                      INDArray gradient);

    /**
     * The CUDA kernels when ND4J's backend is CUDA and this build contains them; null otherwise (CPU backend, or a
     * CPU-only build on a CUDA backend, which is logged once as a WARN). Decided once per JVM.
     */
    static CudaKernels forCurrentBackend() {
        return Holder.INSTANCE;
    }

    /** Lazily decides, once, which kernels the backend gets. */
    final class Holder {
        private static final Logger log = LoggerFactory.getLogger(CudaKernels.class);
        static final CudaKernels INSTANCE = load();

        private Holder() {
        }

        private static CudaKernels load() {
            String backend = Nd4j.getBackend().getClass().getName();
            if (!isCudaBackend(backend)) {
                return null;
            }
            try {
                Class<?> impl = Class.forName(IMPLEMENTATION);
                return (CudaKernels) impl.getDeclaredConstructor().newInstance();
            } catch (ClassNotFoundException e) {
                log.warn("ND4J runs on CUDA ({}) but superloss-dl4j was built without the 'cuda' profile: LambertW and "
                        + "SuperLoss use their Java kernels through host copies", backend);
                return null;
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // NVRTC or the CUDA driver could not be loaded: the Java kernels still give the same results.
                log.warn("ND4J runs on CUDA ({}) but the CUDA kernels of superloss-dl4j could not be initialised; "
                        + "using the Java kernels through host copies", backend, e);
                return null;
            }
        }

        /** ND4J's CUDA backend is {@code org.nd4j.linalg.jcublas.JCublasBackend}. */
        static boolean isCudaBackend(String backendClassName) {
            return backendClassName.contains("jcublas") || backendClassName.contains("Cuda");
        }
    }
}
