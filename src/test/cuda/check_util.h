// Shared by the host-math check (host_math.cpp) and the GPU check (gpu_check.cu): the reference file reader and
// errors in units in the last place. Host code only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lambertw.cuh"

// The reference points of src/test/resources/io/superloss/lambertw-reference.csv (written by the Java test class
// LambertWReferenceData): z exactly (a hexadecimal double) and W0(z) to 34 digits, more than a long double holds.
// Rows of the regimes FLOAT_* have arguments that are exact floats, for the float32 function.
struct Reference {
    std::vector<double> z;
    std::vector<long double> w;
    std::vector<bool> isFloat;
};

// Lines "regime,z,w0"; '#' comment lines and the column-name line are skipped.
inline Reference readReference(const char* path) {
    Reference ref;
    std::ifstream in(path);
    if (!in) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.rfind("regime,", 0) == 0) {
            continue;
        }
        std::stringstream s(line);
        std::string regime, z, w;
        std::getline(s, regime, ',');
        std::getline(s, z, ',');
        std::getline(s, w, ',');
        ref.z.push_back(strtod(z.c_str(), nullptr));
        ref.w.push_back(strtold(w.c_str(), nullptr));
        ref.isFloat.push_back(regime.rfind("FLOAT_", 0) == 0);
    }
    if (ref.z.empty()) {
        fprintf(stderr, "no reference points in %s\n", path);
        exit(2);
    }
    return ref;
}

inline bool sameValue(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

// |w - ref| in units of the last place of ref, in a format with `digits` significand bits whose smallest normal is
// 2^minExp: ulp(ref) = 2^(e - digits) for ref = m 2^e, m in [0.5, 1), and the subnormal spacing below 2^minExp.
// NaN against NaN and equal infinities count 0, any other mismatch of non-finite values infinity.
inline double ulpError(long double w, long double ref, int digits, int minExp) {
    if (std::isnan((double)ref) || std::isnan((double)w)) {
        return std::isnan((double)ref) && std::isnan((double)w) ? 0.0 : INFINITY;
    }
    if (std::isinf((double)ref) || std::isinf((double)w)) {
        return w == ref ? 0.0 : INFINITY;
    }
    int e;
    frexpl(ref, &e);
    e = std::max(e, minExp + 1);
    return (double)(fabsl(w - ref) / ldexpl(1, e - digits));
}
inline double ulps64(long double w, long double ref) { return ulpError(w, ref, 53, -1022); }
inline double ulps32(long double w, long double ref) { return ulpError(w, ref, 24, -126); }

// The reference for the float32 W0: the float64 W0 at the same float input (its own error, a few double ulp, is about
// 1e-8 float ulp). The float nearest -1/e lies below -1/e, where the float64 function is NaN; W0 of that float is -1
// by definition (as for the double nearest -1/e).
inline double referenceF32(float z) {
    return z == SL_W0_F32_BRANCH_POINT ? -1.0 : sl_w0_f64((double)z);
}
