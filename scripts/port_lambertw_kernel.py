#!/usr/bin/env python3
"""Writes src/main/resources/io/superloss/cuda/lambertw.cuh, the CUDA C port of the Java W0 kernel.

io.superloss.LambertWKernel is written to transcribe one-to-one to C (IEEE + - * / sqrt fma, bit reinterpretation,
constant tables, no library exp/log), so its port is mechanical: this script copies every constant, every table and
every scalar method of LambertWKernel.java into __host__ __device__ C++ with the same operations in the same order,
renaming identifiers (NAME -> SL_NAME, method -> sl_method, w0 -> sl_w0_f64 / sl_w0_f32) and replacing the few Java
library calls by their C equivalents. The SuperLoss row (SuperLossKernel.forward) is written by hand in the template
below. Run it after every change of LambertWKernel.java:

    python3 scripts/port_lambertw_kernel.py            # rewrite the header
    python3 scripts/port_lambertw_kernel.py --check    # exit 1 if the header is not up to date (CI)

CudaHostMathTest then checks the result against Java bit for bit (host build), and the GPU check on a device.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
JAVA = ROOT / "src/main/java/io/superloss/LambertWKernel.java"
HEADER = ROOT / "src/main/resources/io/superloss/cuda/lambertw.cuh"

# Java library calls and literals with their C spelling (host and device).
REPLACEMENTS = [
    (r"Double\.doubleToRawLongBits\(", "sl_double_bits("),
    (r"Double\.longBitsToDouble\(", "sl_bits_double("),
    (r"Integer\.numberOfLeadingZeros\(", "sl_clz32("),
    (r"Math\.sqrt\(", "sqrt("),
    (r"Math\.abs\(", "fabs("),
    (r"Math\.fma\(", "fma("),
    (r"Math\.rint\(", "rint("),
    (r"Double\.POSITIVE_INFINITY", "sl_inf()"),
    (r"Float\.POSITIVE_INFINITY", "(float)sl_inf()"),
    (r"Double\.NaN", "sl_nan()"),
    (r"Float\.NaN", "sl_nanf()"),
    (r"\(long\)", "(sl_int64)"),
    (r"\blong\b", "sl_int64"),
    (r"\bboolean\b", "bool"),
]


def die(message):
    sys.exit("port_lambertw_kernel: " + message)


def strip_javadoc(text):
    return re.sub(r"/\*\*.*?\*/\s*", "", text, flags=re.S)


def c_literal(value):
    """A Java integer literal in C: digit separators removed, long suffix L as LL."""
    value = value.replace("_", "")
    return re.sub(r"\b(0x[0-9a-fA-F]+)L\b", r"\1LL", value)


def parse(java):
    body = strip_javadoc(java)
    constants = [(name, typ, value.strip()) for typ, name, value in
                 re.findall(r"static final (double|float|int) ([A-Z][A-Z0-9_]*) = ([^;]+);", body)]
    tables = [(name, [v.strip() for v in values.replace("\n", " ").split(",") if v.strip()]) for name, values in
              re.findall(r"static final double\[\] ([A-Z][A-Z0-9_]*) = \{(.*?)\};", body, flags=re.S)]
    methods = []
    for m in re.finditer(r"\n    (?:private )?static (double|float|int) (\w+)\(([^)]*)\) \{", body):
        ret, name, params = m.groups()
        if "[]" in params or name == "fma":
            continue
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(body[i], 0)
            i += 1
        methods.append((ret, name, params, body[m.end():i - 1]))
    return constants, tables, methods


def c_name(name, params):
    if name == "w0":
        return "sl_w0_f64" if params.startswith("double") else "sl_w0_f32"
    return "sl_" + name


def translate(code, constants, tables, methods):
    for pattern, replacement in REPLACEMENTS:
        code = re.sub(pattern, replacement, code)
    # x >>> n on a long: shift the bits as unsigned (operand: a name, a call f(...) or a parenthesis).
    code = re.sub(r"((?:\w+)?\([^()]*\)|\w+) >>> (\d+)", r"(sl_int64)((sl_uint64)\1 >> \2)", code)
    code = re.sub(r"\b0x[0-9a-fA-F_]+L\b", lambda m: c_literal(m.group(0)), code)
    for name, _, _ in constants:
        code = re.sub(r"\b%s\b" % name, "SL_" + name, code)
    for name, _ in tables:
        code = re.sub(r"\b%s\[" % name, "SL_TABLE_%s[" % name, code)
    # Calls: w0((double) x) is the double version; other methods are unique by name.
    code = re.sub(r"\bw0\(\(double\)", "sl_w0_f64((double)", code)
    names = {name for _, name, _, _ in methods if name != "w0"}
    for name in names:
        code = re.sub(r"(?<![\w.])%s\(" % name, "sl_%s(" % name, code)
    if re.search(r"\bw0\(", re.sub(r"//.*", "", code)):
        die("unresolved call of w0 in: " + code)
    return code


def callees_first(methods):
    """The methods in Java order, except that each comes after every method it calls (C needs a declaration
    before a use); the two w0 overloads, which nothing calls by name here, go last."""
    by_name = {}
    for m in methods:
        by_name.setdefault(m[1], []).append(m)
    ordered, done = [], set()

    def visit(method, path):
        if id(method) in done:
            return
        if method[1] in path:
            die("recursive call of " + method[1])
        for name in by_name:
            if name != method[1] and name != "w0" and re.search(r"(?<![\w.])%s\(" % name, method[3]):
                for callee in by_name[name]:
                    visit(callee, path | {method[1]})
        done.add(id(method))
        ordered.append(method)

    for m in [m for m in methods if m[1] != "w0"] + [m for m in methods if m[1] == "w0"]:
        visit(m, frozenset())
    return ordered


def generate():
    java = JAVA.read_text()
    constants, tables, methods = parse(java)
    if not methods or not tables:
        die("found no methods or tables in " + str(JAVA))
    out = [PROLOGUE]
    out.append("// ------------------------------------------------------------------ constants (LambertWKernel)")
    for name, typ, value in constants:
        value = translate(value, constants, tables, methods)
        out.append("#define SL_%s (%s)" % (name, value))
    out.append("")
    out.append("// ---------------------------------------------------------------------- tables (LambertWKernel)")
    out.append("// Each table exists twice: in device memory for kernels (global memory, read through the L1 cache:")
    out.append("// the indices differ between threads, which constant memory would serialise) and in host memory.")
    for name, values in tables:
        lower = name.lower()
        lines = []
        for k in range(0, len(values), 4):
            lines.append("    " + ", ".join(c_literal(v) for v in values[k:k + 4]) + ",")
        body = "{\n" + "\n".join(lines) + "\n}"
        out.append("#if defined(__CUDACC__) || defined(__CUDACC_RTC__)")
        out.append("__device__ const double sl_%s_device[%d] = %s;" % (lower, len(values), body))
        out.append("#endif")
        out.append("#if !defined(__CUDACC_RTC__)")
        out.append("static const double sl_%s_host[%d] = %s;" % (lower, len(values), body))
        out.append("#endif")
        out.append("#if defined(__CUDA_ARCH__)")
        out.append("#define SL_TABLE_%s sl_%s_device" % (name, lower))
        out.append("#else")
        out.append("#define SL_TABLE_%s sl_%s_host" % (name, lower))
        out.append("#endif")
        out.append("")
    out.append("// ----------------------------------------------------------------------- methods (LambertWKernel)")
    ordered = callees_first(methods)
    for ret, name, params, body in ordered:
        c_params = translate(params, constants, tables, methods)
        c_body = translate(body, constants, tables, methods)
        c_body = "\n".join(line[4:] if line.startswith("    ") else line for line in c_body.split("\n"))
        out.append("// LambertWKernel.%s(%s)" % (name, params.split()[0] if name == "w0" else params))
        out.append("SL_HD %s %s(%s) {%s}" % (ret, c_name(name, params), c_params, c_body.rstrip() + "\n"))
        out.append("")
    out.append(EPILOGUE)
    return "\n".join(out)


PROLOGUE = r"""// GENERATED by scripts/port_lambertw_kernel.py from src/main/java/io/superloss/LambertWKernel.java: do not edit;
// change the Java kernel and run the script again (CI fails while this file is out of date).
//
// Lambert W0 and the SuperLoss row as __host__ __device__ C++: the CUDA port of the Java kernels
// (io.superloss.LambertWKernel and io.superloss.SuperLossKernel) with the same constants, tables and operations in
// the same order, so that Java, this file compiled for the host and this file compiled for a GPU give the same
// bits. LambertWKernel's Javadoc explains the algorithm and its error budget.
//
// Compiled by NVRTC at run time (NvrtcCudaKernels), by nvcc, and as plain C++ (host-math check). The algorithm
// places every fused multiply-add explicitly (fma); compilers must not contract other products into FMAs
// (nvcc/NVRTC: --fmad=false; g++/clang: -ffp-contract=off), or results change in the last bit.
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define SL_HD __host__ __device__ __forceinline__
#else
#define SL_HD inline
#endif
#if !defined(__CUDACC_RTC__)
#include <cmath>
#include <cstring>
#endif

typedef long long sl_int64;
typedef unsigned long long sl_uint64;

// Accuracy of the kernels against W0 to high precision, in ulp: the contracts of LambertW (float: the double path's
// initial guess without its Newton step, rounded once; at most 0.52 ulp). Checked on the shipped reference points by
// the host-math check (scripts/cuda-cpu-check.sh) and by the GPU check (scripts/gpu-check.sh).
#define SL_W0_F64_MAX_ULP 1.0
#define SL_W0_F32_MAX_ULP 1.0

// The float nearest -1/e, which lies below -1/e; W0 of it is -1 by convention (LambertW).
#define SL_W0_F32_BRANCH_POINT (-0x1.78b564p-2f)

// e and -2/e as in SuperLossKernel (Math.E and CLAMP_BETA).
#define SL_E 2.718281828459045
#define SL_CLAMP_BETA (-0.7357588823428847)

// ----------------------------------------------------------------------------- Java library equivalents
SL_HD sl_int64 sl_double_bits(double x) {
#if defined(__CUDA_ARCH__)
    return __double_as_longlong(x);
#else
    sl_int64 b;
    memcpy(&b, &x, sizeof b);
    return b;
#endif
}

SL_HD double sl_bits_double(sl_int64 b) {
#if defined(__CUDA_ARCH__)
    return __longlong_as_double(b);
#else
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
#endif
}

// Integer.numberOfLeadingZeros
SL_HD int sl_clz32(int x) {
#if defined(__CUDA_ARCH__)
    return __clz(x);
#else
    return x == 0 ? 32 : __builtin_clz((unsigned)x);
#endif
}

SL_HD double sl_nan() {
    return sl_bits_double(0x7ff8000000000000LL);
}

SL_HD float sl_nanf() {
    return (float)sl_nan();
}

SL_HD double sl_inf() {
    return sl_bits_double(0x7ff0000000000000LL);
}
"""

EPILOGUE = r"""// ------------------------------------------------------------------------------------------ SuperLoss row
// SuperLossKernel.forward for one row: weight times the row's SuperLoss, and sigma (NaN for a masked row, weight 0).
// exp is the library's (CUDA's or the C library's), as Math.exp is in Java: sigma may differ from Java's in the last
// bit.
SL_HD void sl_superloss_row(double loss, double weight, double tau, double lambda, double* superLoss, double* sigma) {
    if (weight == 0.0) {
        *superLoss = 0.0;
        *sigma = sl_nan();
        return;
    }
    double diff = loss - tau;
    double beta = diff / lambda;
    double rowLoss;
    double rowSigma;
    if (beta < SL_CLAMP_BETA) {
        rowSigma = SL_E;
        rowLoss = SL_E * diff + lambda;
    } else {
        double w = sl_w0_f64(0.5 * beta);
        rowSigma = exp(-w);
        rowLoss = lambda * w * (w + 2.0);
    }
    *superLoss = weight * rowLoss;
    *sigma = rowSigma;
}
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="fail if the header is not up to date")
    args = parser.parse_args()
    text = generate()
    if args.check:
        if HEADER.read_text() != text:
            die("%s is out of date: run python3 scripts/port_lambertw_kernel.py" % HEADER.relative_to(ROOT))
        print("lambertw.cuh is up to date with LambertWKernel.java")
        return
    HEADER.write_text(text)
    print("wrote", HEADER.relative_to(ROOT))


if __name__ == "__main__":
    main()
