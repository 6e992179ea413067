// The host build of the CUDA math (lambertw.cuh compiled as plain C++), for the CPU-side checks:
//
//   host_math reference <lambertw-reference.csv>   accuracy on the reference points; exit 1 above the targets
//   host_math eval                                 reads requests on stdin, one per line, answers one line each:
//       d <z as 16 hex digits (double bits)>              -> W0 float64, 16 hex digits
//       f <z as 8 hex digits (float bits)>                -> W0 float32, 8 hex digits
//       s <loss> <weight> <tau> <lambda> (double bits)    -> SuperLoss and sigma of the row, 16 hex digits each
//
// scripts/cuda-cpu-check.sh runs the first; CudaHostMathTest runs the second against the Java kernels.
#include <cinttypes>
#include <cstdint>
#include <cstring>
#include <iostream>

#include "check_util.h"

static double fromBits64(const std::string& hex) {
    uint64_t b = strtoull(hex.c_str(), nullptr, 16);
    double d;
    memcpy(&d, &b, 8);
    return d;
}

static uint64_t bits64(double d) {
    uint64_t b;
    memcpy(&b, &d, 8);
    return b;
}

static int eval() {
    std::string kind;
    while (std::cin >> kind) {
        if (kind == "d") {
            std::string z;
            std::cin >> z;
            printf("%016" PRIx64 "\n", bits64(sl_w0_f64(fromBits64(z))));
        } else if (kind == "f") {
            std::string z;
            std::cin >> z;
            uint32_t b = (uint32_t)strtoul(z.c_str(), nullptr, 16);
            float f;
            memcpy(&f, &b, 4);
            float w = sl_w0_f32(f);
            memcpy(&b, &w, 4);
            printf("%08" PRIx32 "\n", b);
        } else if (kind == "s") {
            std::string l, w, t, m;
            std::cin >> l >> w >> t >> m;
            double loss, sigma;
            sl_superloss_row(fromBits64(l), fromBits64(w), fromBits64(t), fromBits64(m), &loss, &sigma);
            printf("%016" PRIx64 " %016" PRIx64 "\n", bits64(loss), bits64(sigma));
        } else {
            fprintf(stderr, "unknown request '%s'\n", kind.c_str());
            return 2;
        }
    }
    return 0;
}

static int reference(const char* path) {
    Reference ref = readReference(path);
    double max64 = 0, sumSq = 0, max32 = 0;
    size_t worst = 0, floats = 0;
    for (size_t i = 0; i < ref.z.size(); i++) {
        double u = ulps64(sl_w0_f64(ref.z[i]), ref.w[i]);
        if (u > max64) {
            max64 = u;
            worst = i;
        }
        sumSq += std::isfinite(u) ? u * u : 0;
        if (ref.isFloat[i]) {
            floats++;
            max32 = std::max(max32, ulps32(sl_w0_f32((float)ref.z[i]), ref.w[i]));
        }
    }
    size_t n = ref.z.size();
    bool ok = max64 <= SL_W0_F64_MAX_ULP && max32 <= SL_W0_F32_MAX_ULP;
    printf("host build of lambertw.cuh on %zu reference points: float64 max %.3f ulp (rms %.3f, worst at z = %a); "
           "float32 on the %zu float arguments max %.3f ulp; targets %.1f and %.1f ulp: %s\n",
           n, max64, sqrt(sumSq / n), ref.z[worst], floats, max32, (double)SL_W0_F64_MAX_ULP,
           (double)SL_W0_F32_MAX_ULP, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

int main(int argc, char** argv) {
    if (argc == 2 && strcmp(argv[1], "eval") == 0) {
        return eval();
    }
    if (argc == 3 && strcmp(argv[1], "reference") == 0) {
        return reference(argv[2]);
    }
    fprintf(stderr, "usage: %s reference <csv> | %s eval\n", argv[0], argv[0]);
    return 2;
}
