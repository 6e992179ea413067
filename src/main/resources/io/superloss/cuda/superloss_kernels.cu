// CUDA kernels of superloss-dl4j: Lambert W0 element-wise (float, double) and the fused SuperLoss forward.
//
// The arithmetic is in lambertw.cuh, shared with the host build that CI tests against the Java kernels. This file is
// compiled at run time by NVRTC (NvrtcCudaKernels, on ND4J's CUDA backend), by nvcc in CI (scripts/cuda-cpu-check.sh:
// PTX for compute_75, cubin for sm_90) and by the GPU check (scripts/gpu-check.sh). Kernel names are extern "C" so
// that the launchers find them without C++ name mangling.
#include "lambertw.cuh"

// Grid-stride loops: any grid size covers any n, so the launcher sizes the grid to the device, not to n.
#define SL_GRID_STRIDE_LOOP(i, n)                                                                          \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n);                       \
         i += (long long)gridDim.x * blockDim.x)

extern "C" __global__ void superloss_w0_f32(const float* __restrict__ z, float* __restrict__ w, long long n) {
    SL_GRID_STRIDE_LOOP(i, n) {
        w[i] = sl_w0_f32(z[i]);
    }
}

extern "C" __global__ void superloss_w0_f64(const double* __restrict__ z, double* __restrict__ w, long long n) {
    SL_GRID_STRIDE_LOOP(i, n) {
        w[i] = sl_w0_f64(z[i]);
    }
}

// One warp per row: every lane evaluates the row (the same instructions on the same values, so this costs what one
// lane would), lane 0 stores the row's SuperLoss and sigma, and the lanes share the scaling of the gradient row, whose
// elements are grad[r * rowStride + c * colStride] (any default-stride layout). Masked rows (weight 0) scale their
// gradient row by 0, exactly as the Java path does; the scale is rounded to the gradient's type before multiplying,
// as ND4J's muliColumnVector on a column cast to that type does.
template <typename G>
__device__ void superloss_rows(const double* __restrict__ loss, const double* __restrict__ weight, double tau,
                               double lambda, long long rows, double* __restrict__ superLoss,
                               double* __restrict__ sigma, G* __restrict__ grad, long long cols, long long rowStride,
                               long long colStride) {
    const int lane = threadIdx.x & 31;
    const long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const long long warps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long r = warp; r < rows; r += warps) {
        double rowLoss;
        double rowSigma;
        sl_superloss_row(loss[r], weight[r], tau, lambda, &rowLoss, &rowSigma);
        if (lane == 0) {
            superLoss[r] = rowLoss;
            sigma[r] = rowSigma;
        }
        const G scale = weight[r] == 0.0 ? (G)0 : (G)rowSigma;
        G* row = grad + r * rowStride;
        for (long long c = lane; c < cols; c += 32) {
            row[c * colStride] *= scale;
        }
    }
}

extern "C" __global__ void superloss_forward_f32(const double* loss, const double* weight, double tau, double lambda,
                                                 long long rows, double* superLoss, double* sigma, float* grad,
                                                 long long cols, long long rowStride, long long colStride) {
    superloss_rows<float>(loss, weight, tau, lambda, rows, superLoss, sigma, grad, cols, rowStride, colStride);
}

extern "C" __global__ void superloss_forward_f64(const double* loss, const double* weight, double tau, double lambda,
                                                 long long rows, double* superLoss, double* sigma, double* grad,
                                                 long long cols, long long rowStride, long long colStride) {
    superloss_rows<double>(loss, weight, tau, lambda, rows, superLoss, sigma, grad, cols, rowStride, colStride);
}
