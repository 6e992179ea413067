#!/usr/bin/env bash
# GPU check of the CUDA kernels, self-contained (no Java, no network): on a machine with a CUDA GPU, nvcc and
# (optionally) PyTorch, it
#  - builds src/test/cuda/gpu_check.cu with nvcc for this GPU's architecture;
#  - checks accuracy against the reference values shipped in src/test/resources/io/superloss/lambertw-reference.csv,
#    the fused SuperLoss kernel against the host build, and that an NVRTC build of the same source (as the Java
#    launcher makes) gives the same bits;
#  - measures the float32 W0 kernel on 2^28 elements against a device-to-device copy of the same bytes and, where
#    PyTorch with CUDA is installed, against a PyTorch Halley-iteration W0 of the kind FastEstimator uses
#    (scripts/torch_w0_halley.py);
#  - prints one table (also written to $OUT/gpu-check.md when OUT is set) and exits non-zero if a check fails.
# Environment: LOG2N (default 28) sets the element count, NVRTC_LIB the path of libnvrtc if it is not found,
# NVCC_ARCH the nvcc target (default native).
set -euo pipefail
cd "$(dirname "$0")/.."

LOG2N=${LOG2N:-28}
CUDA_SRC=src/main/resources/io/superloss/cuda
REFERENCE=src/test/resources/io/superloss/lambertw-reference.csv
BUILD=$(mktemp -d)
trap 'rm -rf "$BUILD"' EXIT

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem --format=csv,noheader || true
nvcc --version | tail -2 | head -1
# -arch=native: machine code for the GPU of this machine (NVCC_ARCH overrides it, e.g. sm_90).
nvcc -O3 -std=c++17 -fmad=false -arch="${NVCC_ARCH:-native}" -Xcompiler -fopenmp,-ffp-contract=off -I "$CUDA_SRC" -I src/test/cuda \
    src/test/cuda/gpu_check.cu -o "$BUILD/gpu_check" -ldl

if [ -z "${NVRTC_LIB:-}" ]; then
    for dir in "${CUDA_HOME:-/usr/local/cuda}/lib64" "$(dirname "$(dirname "$(command -v nvcc)")")/lib64" \
               $(python3 -c 'import nvidia, os; print(" ".join(os.path.join(p, "cuda_nvrtc", "lib") for p in nvidia.__path__))' 2>/dev/null || true); do
        lib=$(ls "$dir"/libnvrtc.so* 2>/dev/null | grep -v builtins | head -1 || true)
        if [ -n "$lib" ]; then NVRTC_LIB=$lib; break; fi
    done
fi
export NVRTC_LIB=${NVRTC_LIB:-}
echo "NVRTC: ${NVRTC_LIB:-not found}"
if [ -n "$NVRTC_LIB" ]; then  # its builtins library lies beside it
    export LD_LIBRARY_PATH="$(dirname "$NVRTC_LIB")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

TORCH=()
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    if PYTHONUNBUFFERED=1 python3 scripts/torch_w0_halley.py --log2n "$LOG2N" | tee "$BUILD/torch.txt"; then
        line=$(grep '^TORCH ' "$BUILD/torch.txt")
        TORCH=("$(sed -n 's/.* ms=\([0-9.]*\).*/\1/p' <<<"$line")" "$(sed 's/^TORCH //' <<<"$line")")
    else
        echo "the PyTorch benchmark failed: no comparison with an iterative W0"
    fi
else
    echo "PyTorch with CUDA not available: no comparison with an iterative W0"
fi

status=0
"$BUILD/gpu_check" "$REFERENCE" "$CUDA_SRC" "$LOG2N" "${TORCH[@]}" | tee "$BUILD/table.txt" || status=$?
if [ -n "${OUT:-}" ]; then
    { echo "# GPU check, $(date -u +%Y-%m-%d)"; echo; cat "$BUILD/table.txt"; } >"$OUT/gpu-check.md"
fi
exit "$status"
