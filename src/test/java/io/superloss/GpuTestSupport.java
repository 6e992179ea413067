package io.superloss;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Entry condition of the tests tagged {@code gpu}: ND4J runs on its CUDA backend and the library's CUDA kernels
 * loaded. Otherwise the test is skipped with the reason, or fails with it when the system property
 * {@value #REQUIRED} is true (the GPU workflow sets it, so that a runner without a usable GPU cannot pass by
 * skipping).
 */
final class GpuTestSupport {
    static final String REQUIRED = "superloss.gpu.required";

    private GpuTestSupport() {
    }

    static CudaKernels cudaKernels() {
        String reason;
        try {
            String backend = Nd4j.getBackend().getClass().getName();
            if (!CudaKernels.Holder.isCudaBackend(backend)) {
                reason = "ND4J runs on " + backend + ", not CUDA: run `mvn -Pcuda -Dgroups=gpu test` on a machine with "
                        + "a GPU that nd4j-cuda-11.6 runs on (compute capability 3.7 to 8.9)";
            } else {
                CudaKernels kernels = CudaKernels.forCurrentBackend();
                if (kernels != null) {
                    return kernels;
                }
                reason = "ND4J runs on CUDA but the library's CUDA kernels did not load (see the WARN log)";
            }
        } catch (Throwable e) { // a CUDA backend without a usable device fails in its static initialisation
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            reason = "ND4J could not start a backend (no usable CUDA driver or device?): " + root;
        }
        if (Boolean.getBoolean(REQUIRED)) {
            Assertions.fail(reason);
        }
        Assumptions.abort(reason);
        return null;
    }
}
