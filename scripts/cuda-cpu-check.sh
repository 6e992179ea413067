#!/usr/bin/env bash
# CPU-side checks of the CUDA C sources (no GPU needed), run by .ci/run on every change:
#  0. lambertw.cuh is what scripts/port_lambertw_kernel.py generates from the current Java kernel;
#  1. the host build of lambertw.cuh (g++) meets the accuracy targets on the shipped reference points
#     (CudaHostMathTest, in `mvn test`, compares the same host build with the Java kernels);
#  2. when nvcc is on the PATH: superloss_kernels.cu compiles to PTX for compute_75 (the oldest target nvcc 13
#     accepts; older GPUs get their code from NVRTC at run time) and to a cubin for sm_90, with no warnings, and the
#     GPU check harness (src/test/cuda/gpu_check.cu) builds.
set -euo pipefail
cd "$(dirname "$0")/.."

CUDA_SRC=src/main/resources/io/superloss/cuda
REFERENCE=src/test/resources/io/superloss/lambertw-reference.csv
BUILD=target/cuda-check
mkdir -p "$BUILD"

# lambertw.cuh is generated from LambertWKernel.java: it must be up to date.
python3 scripts/port_lambertw_kernel.py --check

CXX=${CXX:-g++}
"$CXX" -O2 -std=c++17 -ffp-contract=off -Wall -Wextra -Werror -I "$CUDA_SRC" -I src/test/cuda src/test/cuda/host_math.cpp \
    -o "$BUILD/host_math"
"$BUILD/host_math" reference "$REFERENCE"

if command -v nvcc >/dev/null 2>&1; then
    for target in "--ptx -arch=compute_75 -o $BUILD/superloss_kernels.compute_75.ptx" \
                  "--cubin -arch=sm_90 -o $BUILD/superloss_kernels.sm_90.cubin"; do
        # shellcheck disable=SC2086
        nvcc -std=c++17 -fmad=false -Werror all-warnings -I "$CUDA_SRC" $target "$CUDA_SRC/superloss_kernels.cu"
    done
    grep -q '.entry superloss_w0_f32' "$BUILD/superloss_kernels.compute_75.ptx"
    grep -q '.entry superloss_forward_f64' "$BUILD/superloss_kernels.compute_75.ptx"
    nvcc -O3 -std=c++17 -fmad=false -arch=sm_90 -Xcompiler -fopenmp,-ffp-contract=off -I "$CUDA_SRC" -I src/test/cuda src/test/cuda/gpu_check.cu \
        -o "$BUILD/gpu_check" -ldl
    echo "nvcc $(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'): kernels compile for compute_75 (PTX) and sm_90 (cubin); GPU check harness builds"
else
    echo "nvcc not found: kernel compilation checks skipped (the host-math check above ran)"
fi
