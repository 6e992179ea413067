// GPU check of the superloss-dl4j CUDA kernels: no Java, no network. Built and run by scripts/gpu-check.sh:
//
//   gpu_check <lambertw-reference.csv> <dir with superloss_kernels.cu and lambertw.cuh> [elements log2, default 28]
//
// 1. accuracy of the float64 kernel on the reference points shipped in the repository (z, W0(z) to 30+ digits);
// 2. accuracy of the float32 kernel on those points and on a sweep of 2^24 points over the whole domain, in float ulp,
//    against the float64 host build evaluated at the same float inputs (itself within a few double ulp: 1e-8 float
//    ulp), and agreement of both kernels with their host builds (bit for bit) on the sweep;
// 3. the fused SuperLoss kernel against the host build of the same row function, and its gradient scaling;
// 4. the same source compiled at run time with NVRTC, as the Java launcher does, gives the same bits as nvcc's build;
// 5. throughput of the float32 kernel on 2^28 elements against a device-to-device copy of the same bytes.
// It prints a line "RESULT key=value ..." and one table, and exits 1 if a correctness check fails (speed targets are
// reported as met or not met).
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cfloat>
#include <cstdint>
#include <cstring>

#include "superloss_kernels.cu"
#include "check_util.h"

// Targets: the accuracy of the kernels (lambertw.cuh, the contract of LambertW.w0) against the reference. W0 calls
// no library function, so the device and host builds must give the same bits; the SuperLoss row takes sigma from
// exp (CUDA's and glibc's are both within 1 ulp), so there they may differ by 2 ulp.
static const double MAX_ULP_F64_REFERENCE = SL_W0_F64_MAX_ULP;
static const double MAX_ULP_F32 = SL_W0_F32_MAX_ULP;
static const double MAX_ULP_DEVICE_VS_HOST_ROW = 2.0;

#define CHECK(call)                                                                                              \
    do {                                                                                                         \
        cudaError_t err_ = (call);                                                                               \
        if (err_ != cudaSuccess) {                                                                               \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(err_));     \
            exit(2);                                                                                             \
        }                                                                                                        \
    } while (0)

static int failures = 0;

struct Row {
    std::string name;
    std::string value;
    std::string target;
    bool ok;
};
static std::vector<Row> table;

// Speed targets (">= ...") are reported as met or not met; only correctness checks fail the run.
static bool isSpeedTarget(const std::string& target) {
    return target.rfind(">=", 0) == 0;
}

static void add(const std::string& name, const std::string& value, const std::string& target, bool ok) {
    table.push_back({name, value, target, ok});
    if (!ok && !isSpeedTarget(target)) {
        failures++;
    }
}

static std::string fmt(const char* f, double a) {
    char b[128];
    snprintf(b, sizeof b, f, a);
    return b;
}

// ---------------------------------------------------------------------------------------------------- input points
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double uniform() {  // xorshift64*, [0, 1)
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}

// Points over the whole float domain: the branch point region, [-1/e, 0), small and large magnitudes, specials.
static std::vector<float> sweepF32(size_t n) {
    std::vector<float> z(n);
    const double minusInvE = -0.36787944117144233;
    for (size_t i = 0; i < n; i++) {
        double u = uniform();
        switch (i % 5) {
            case 0: z[i] = (float)(minusInvE + ldexp(1.0, -(int)(u * 30)) * uniform()); break;  // near -1/e
            case 1: z[i] = (float)(minusInvE * u); break;                                        // [-1/e, 0]
            case 2: z[i] = (float)ldexp(1.0, (int)(u * 250) - 125) * (float)(1 + uniform()); break;  // > 0, all scales
            case 3: z[i] = -(float)ldexp(1.0, -(int)(u * 126)) * (float)(1 + uniform()) / 4; break;   // small < 0
            default: z[i] = (float)(u * 20); break;                                              // typical SuperLoss range
        }
    }
    const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, SL_W0_F32_BRANCH_POINT, -0.36787942f,
                              -0.3678795f, FLT_MAX, FLT_MIN, -FLT_MIN, 1e-45f, -1e-45f, 1.0f, 2.718281828f};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0] && i < n; i++) {
        z[i] = specials[i];
    }
    return z;
}

// ------------------------------------------------------------------------------------------------- device helpers
template <typename T>
static std::vector<T> runW0(const std::vector<T>& z) {
    T *dz, *dw;
    size_t bytes = z.size() * sizeof(T);
    CHECK(cudaMalloc(&dz, bytes));
    CHECK(cudaMalloc(&dw, bytes));
    CHECK(cudaMemcpy(dz, z.data(), bytes, cudaMemcpyHostToDevice));
    if (sizeof(T) == 4) {
        superloss_w0_f32<<<1024, 256>>>((const float*)dz, (float*)dw, (long long)z.size());
    } else {
        superloss_w0_f64<<<1024, 256>>>((const double*)dz, (double*)dw, (long long)z.size());
    }
    CHECK(cudaGetLastError());
    std::vector<T> w(z.size());
    CHECK(cudaMemcpy(w.data(), dw, bytes, cudaMemcpyDeviceToHost));
    CHECK(cudaFree(dz));
    CHECK(cudaFree(dw));
    return w;
}

// ------------------------------------------------------------------------------------------------------ accuracy
static void checkReference(const Reference& ref) {
    std::vector<double> device = runW0(ref.z);
    double maxDevice = 0, maxHost = 0, sumSq = 0;
    size_t identical = 0;
    for (size_t i = 0; i < ref.z.size(); i++) {
        double host = sl_w0_f64(ref.z[i]);
        double ud = ulps64(device[i], ref.w[i]);
        maxDevice = std::max(maxDevice, ud);
        maxHost = std::max(maxHost, ulps64(host, ref.w[i]));
        sumSq += std::isfinite(ud) ? ud * ud : 0;
        identical += sameValue(device[i], host);
    }
    size_t n = ref.z.size();
    add("f64 kernel vs reference, " + std::to_string(n) + " points: max ulp (rms)",
        fmt("%.2f", maxDevice) + fmt(" (%.3f)", sqrt(sumSq / n)), fmt("<= %.0f", MAX_ULP_F64_REFERENCE),
        maxDevice <= MAX_ULP_F64_REFERENCE);
    add("f64 host build vs reference: max ulp", fmt("%.2f", maxHost), fmt("<= %.0f", MAX_ULP_F64_REFERENCE),
        maxHost <= MAX_ULP_F64_REFERENCE);
    add("f64 kernel bit-identical to host build", std::to_string(identical) + " / " + std::to_string(n), "all",
        identical == n);

    std::vector<float> zf;
    std::vector<long double> wf;
    for (size_t i = 0; i < n; i++) {
        if (ref.isFloat[i]) {
            zf.push_back((float)ref.z[i]);
            wf.push_back(ref.w[i]);
        }
    }
    std::vector<float> deviceF = runW0(zf);
    double maxF = 0;
    for (size_t i = 0; i < zf.size(); i++) {
        maxF = std::max(maxF, ulps32(deviceF[i], wf[i]));
    }
    add("f32 kernel vs reference, " + std::to_string(zf.size()) + " float arguments: max ulp", fmt("%.3f", maxF),
        fmt("<= %.1f", MAX_ULP_F32), maxF <= MAX_ULP_F32);
}

static std::vector<float> checkSweep(const std::vector<float>& z) {
    size_t n = z.size();
    std::vector<float> w = runW0(z);
    std::vector<double> ref(n);
#pragma omp parallel for
    for (long long i = 0; i < (long long)n; i++) {
        ref[i] = referenceF32(z[i]);
    }
    double maxF = 0;
    size_t identicalF = 0;
    for (size_t i = 0; i < n; i++) {
        maxF = std::max(maxF, ulps32(w[i], ref[i]));
        identicalF += sameValue((double)w[i], (double)sl_w0_f32(z[i]));
    }
    add("f32 kernel, sweep of " + std::to_string(n) + " points over the domain: max ulp", fmt("%.3f", maxF),
        fmt("<= %.3f", MAX_ULP_F32), maxF <= MAX_ULP_F32);
    add("f32 kernel, sweep: bit-identical to the host build", std::to_string(identicalF) + " / " +
        std::to_string(n), "all", identicalF == n);

    std::vector<double> zd(z.begin(), z.end());
    std::vector<double> wd = runW0(zd);
    size_t identical = 0;
#pragma omp parallel for reduction(+ : identical)
    for (long long i = 0; i < (long long)n; i++) {
        identical += sameValue(wd[i], sl_w0_f64(zd[i]));
    }
    add("f64 kernel, same sweep: bit-identical to the host build", std::to_string(identical) + " / " +
        std::to_string(n), "all", identical == n);
    return w;
}

static void checkFused() {
    const long long rows = 1 << 16, cols = 10;
    std::vector<double> loss(rows), weight(rows), sl(rows), sg(rows);
    std::vector<float> grad(rows * cols);
    const double tau = 1.2, lambda = 0.7;
    for (long long r = 0; r < rows; r++) {
        loss[r] = r % 97 == 0 ? NAN : 6 * uniform() * uniform();  // many rows below tau, some clamped
        weight[r] = r % 13 == 0 ? 0.0 : (r % 7 == 0 ? 0.5 : 1.0);
        for (long long c = 0; c < cols; c++) {
            grad[r * cols + c] = (float)(2 * uniform() - 1);
        }
    }
    double *dl, *dwt, *dsl, *dsg;
    float* dg;
    CHECK(cudaMalloc(&dl, rows * 8));
    CHECK(cudaMalloc(&dwt, rows * 8));
    CHECK(cudaMalloc(&dsl, rows * 8));
    CHECK(cudaMalloc(&dsg, rows * 8));
    CHECK(cudaMalloc(&dg, rows * cols * 4));
    CHECK(cudaMemcpy(dl, loss.data(), rows * 8, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dwt, weight.data(), rows * 8, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dg, grad.data(), rows * cols * 4, cudaMemcpyHostToDevice));
    superloss_forward_f32<<<(int)((rows * 32 + 255) / 256), 256>>>(dl, dwt, tau, lambda, rows, dsl, dsg, dg, cols,
                                                                    cols, 1);
    CHECK(cudaGetLastError());
    std::vector<float> gOut(rows * cols);
    CHECK(cudaMemcpy(sl.data(), dsl, rows * 8, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(sg.data(), dsg, rows * 8, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(gOut.data(), dg, rows * cols * 4, cudaMemcpyDeviceToHost));
    double maxUlp = 0;
    long long gradMismatch = 0;
    for (long long r = 0; r < rows; r++) {
        double hl, hs;
        sl_superloss_row(loss[r], weight[r], tau, lambda, &hl, &hs);
        maxUlp = std::max(maxUlp, std::max(ulps64(sl[r], hl), ulps64(sg[r], hs)));
        float scale = weight[r] == 0.0 ? 0.0f : (float)hs;
        for (long long c = 0; c < cols; c++) {
            gradMismatch += !sameValue((double)gOut[r * cols + c], (double)(grad[r * cols + c] * scale));
        }
    }
    add("fused SuperLoss kernel vs host build, 65536 rows: max ulp (loss, sigma)", fmt("%.2f", maxUlp),
        fmt("<= %.0f", MAX_ULP_DEVICE_VS_HOST_ROW), maxUlp <= MAX_ULP_DEVICE_VS_HOST_ROW);
    add("fused kernel gradient rows scaled by sigma (0 if masked)",
        gradMismatch == 0 ? "all 655360 exact" : std::to_string(gradMismatch) + " differ", "exact", gradMismatch == 0);
    cudaFree(dl);
    cudaFree(dwt);
    cudaFree(dsl);
    cudaFree(dsg);
    cudaFree(dg);
}

// --------------------------------------------------------------------------------------------------------- NVRTC
// NVRTC is loaded with dlopen so that the harness builds where only nvcc is installed; the declarations are NVRTC's C
// API (nvrtc.h), with nvrtcResult as int and nvrtcProgram as an opaque pointer.
typedef int (*CreateProgram)(void**, const char*, const char*, int, const char* const*, const char* const*);
typedef int (*CompileProgram)(void*, int, const char* const*);
typedef int (*GetSize)(void*, size_t*);
typedef int (*GetBytes)(void*, char*);
typedef int (*DestroyProgram)(void**);

static std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

static void checkNvrtc(const std::string& dir, const std::vector<float>& sweep, const std::vector<float>& nvccResult) {
    const char* names[] = {getenv("NVRTC_LIB"), "libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12"};
    void* lib = nullptr;
    for (const char* name : names) {
        if (name && *name && (lib = dlopen(name, RTLD_NOW))) {
            break;
        }
    }
    if (!lib) {
        add("NVRTC build of the same source (as the Java launcher)", "libnvrtc not found", "run", false);
        return;
    }
    CreateProgram create = (CreateProgram)dlsym(lib, "nvrtcCreateProgram");
    CompileProgram compile = (CompileProgram)dlsym(lib, "nvrtcCompileProgram");
    GetSize cubinSize = (GetSize)dlsym(lib, "nvrtcGetCUBINSize");
    GetBytes cubin = (GetBytes)dlsym(lib, "nvrtcGetCUBIN");
    GetSize logSize = (GetSize)dlsym(lib, "nvrtcGetProgramLogSize");
    GetBytes logText = (GetBytes)dlsym(lib, "nvrtcGetProgramLog");
    DestroyProgram destroy = (DestroyProgram)dlsym(lib, "nvrtcDestroyProgram");

    std::string source = readFile(dir + "/superloss_kernels.cu");
    std::string header = readFile(dir + "/lambertw.cuh");
    const char* headers[] = {header.c_str()};
    const char* includeNames[] = {"lambertw.cuh"};
    int device, major, minor;
    CHECK(cudaGetDevice(&device));
    CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
    CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
    std::string arch = "--gpu-architecture=sm_" + std::to_string(major * 10 + minor);
    const char* options[] = {arch.c_str(), "--std=c++17", "--fmad=false"};
    void* program = nullptr;
    int rc = create(&program, source.c_str(), "superloss_kernels.cu", 1, headers, includeNames);
    if (rc == 0) {
        rc = compile(program, 3, options);
    }
    if (rc != 0) {
        size_t n = 0;
        logSize(program, &n);
        std::string log(n, '\0');
        logText(program, &log[0]);
        fprintf(stderr, "NVRTC failed (%d):\n%s\n", rc, log.c_str());
        add("NVRTC build of the same source (as the Java launcher)", "compile error", "compiles", false);
        return;
    }
    size_t size = 0;
    cubinSize(program, &size);
    std::vector<char> image(size);
    cubin(program, image.data());
    destroy(&program);

    cudaLibrary_t library;
    cudaKernel_t kernel;
    CHECK(cudaLibraryLoadData(&library, image.data(), nullptr, nullptr, 0, nullptr, nullptr, 0));
    CHECK(cudaLibraryGetKernel(&kernel, library, "superloss_w0_f32"));
    size_t n = sweep.size();
    float *dz, *dw;
    CHECK(cudaMalloc(&dz, n * 4));
    CHECK(cudaMalloc(&dw, n * 4));
    CHECK(cudaMemcpy(dz, sweep.data(), n * 4, cudaMemcpyHostToDevice));
    long long count = (long long)n;
    void* args[] = {&dz, &dw, &count};
    CHECK(cudaLaunchKernel((const void*)kernel, dim3(1024), dim3(256), args, 0, 0));
    CHECK(cudaGetLastError());
    std::vector<float> w(n);
    CHECK(cudaMemcpy(w.data(), dw, n * 4, cudaMemcpyDeviceToHost));
    size_t identical = 0;
    for (size_t i = 0; i < n; i++) {
        identical += sameValue(w[i], nvccResult[i]);
    }
    add("NVRTC (sm_" + std::to_string(major * 10 + minor) + ") build, f32 sweep: bit-identical to nvcc build",
        std::to_string(identical) + " / " + std::to_string(n), "all", identical == n);
    cudaFree(dz);
    cudaFree(dw);
    cudaLibraryUnload(library);
}

// ---------------------------------------------------------------------------------------------------- throughput
// Inputs for the throughput run: uniform on [-0.3678794, 4] (just above -1/e) (the range of (l - tau) / (2 lambda) in SuperLoss training,
// where every regime of the algorithm is hit), from a hash of the index.
__global__ void fillUniform(float* z, long long n, float lo, float width) {
    SL_GRID_STRIDE_LOOP(i, n) {
        unsigned long long h = (unsigned long long)i * 0x9E3779B97F4A7C15ull;
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9ull;
        h ^= h >> 29;
        float u = (float)(h >> 40) * 0x1.0p-24f;
        z[i] = lo + u * width;
    }
}

static float medianMs(std::vector<float> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

template <typename F>
static float timeMs(F launch, int reps) {
    cudaEvent_t a, b;
    CHECK(cudaEventCreate(&a));
    CHECK(cudaEventCreate(&b));
    std::vector<float> t;
    for (int i = 0; i < reps + 2; i++) {  // two warm-up runs
        CHECK(cudaEventRecord(a));
        launch();
        CHECK(cudaEventRecord(b));
        CHECK(cudaEventSynchronize(b));
        float ms;
        CHECK(cudaEventElapsedTime(&ms, a, b));
        if (i >= 2) {
            t.push_back(ms);
        }
    }
    CHECK(cudaGetLastError());
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    return medianMs(t);
}

static float throughput(int log2n) {
    long long n = 1ll << log2n;
    size_t bytes = (size_t)n * 4;
    float *z, *w;
    CHECK(cudaMalloc(&z, bytes));
    CHECK(cudaMalloc(&w, bytes));
    int device, sms;
    CHECK(cudaGetDevice(&device));
    CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    fillUniform<<<sms * 8, 256>>>(z, n, -0.3678794f, 4.3678794f);
    CHECK(cudaDeviceSynchronize());
    const int reps = 20;
    float copyMs = timeMs([&] { CHECK(cudaMemcpyAsync(w, z, bytes, cudaMemcpyDeviceToDevice)); }, reps);
    // The launcher's grid (NvrtcCudaKernels: 8 blocks of 256 per multiprocessor) and one thread per element.
    float gridMs = timeMs([&] { superloss_w0_f32<<<sms * 8, 256>>>(z, w, n); }, reps);
    float flatMs = timeMs([&] { superloss_w0_f32<<<(unsigned)((n + 255) / 256), 256>>>(z, w, n); }, reps);
    // The same kernel where every element takes the middle regime (z in [0, 4]): no warp runs two regimes.
    fillUniform<<<sms * 8, 256>>>(z, n, 0.0f, 4.0f);
    CHECK(cudaDeviceSynchronize());
    float midMs = timeMs([&] { superloss_w0_f32<<<sms * 8, 256>>>(z, w, n); }, reps);
    double* zd = (double*)z;  // the same bytes as n/2 doubles, inputs rewritten below
    double* wd = (double*)w;
    std::vector<double> hz(1 << 20);
    for (size_t i = 0; i < hz.size(); i++) {
        hz[i] = -0.36787944117144233 + uniform() * 4.36787944117144233;
    }
    for (long long off = 0; off < n / 2; off += hz.size()) {
        CHECK(cudaMemcpy(zd + off, hz.data(), hz.size() * 8, cudaMemcpyHostToDevice));
    }
    float f64Ms = timeMs([&] { superloss_w0_f64<<<sms * 8, 256>>>(zd, wd, n / 2); }, reps);
    double gb = 2.0 * bytes / 1e9;  // read + write
    float bestMs = std::min(gridMs, flatMs);
    add("device-to-device copy, 2 x " + fmt("%.2f", bytes / 1073741824.0) + " GiB (read + write)",
        fmt("%.3f ms", copyMs) + fmt(", %.0f GB/s", gb / (copyMs / 1e3)), "ceiling", true);
    add("f32 W0 kernel, 2^" + std::to_string(log2n) + " elements, launcher grid",
        fmt("%.3f ms", gridMs) + fmt(", %.0f GB/s", gb / (gridMs / 1e3)) + fmt(", %.1f%% of copy", 100 * copyMs / gridMs),
        ">= 75% of copy", copyMs / gridMs >= 0.75);
    add("f32 W0 kernel, 2^" + std::to_string(log2n) + " elements, one thread per element",
        fmt("%.3f ms", flatMs) + fmt(", %.0f GB/s", gb / (flatMs / 1e3)) + fmt(", %.1f%% of copy", 100 * copyMs / flatMs),
        "info", true);
    add("f32 W0 kernel, 2^" + std::to_string(log2n) + " elements on [0, 4] (one regime: no divergence)",
        fmt("%.3f ms", midMs) + fmt(", %.0f GB/s", gb / (midMs / 1e3)) + fmt(", %.1f%% of copy", 100 * copyMs / midMs),
        "info", true);
    add("f64 W0 kernel, 2^" + std::to_string(log2n - 1) + " elements (same bytes)",
        fmt("%.3f ms", f64Ms) + fmt(", %.0f GB/s", gb / (f64Ms / 1e3)) + fmt(", %.1f%% of copy", 100 * copyMs / f64Ms),
        "info", true);
    printf("RESULT copy_ms=%.4f w0_f32_ms=%.4f w0_f64_ms=%.4f log2n=%d\n", copyMs, bestMs, f64Ms, log2n);
    cudaFree(z);
    cudaFree(w);
    return bestMs;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s <lambertw-reference.csv> <kernel source dir> [log2 elements [torch ms, torch note]]\n",
                argv[0]);
        return 2;
    }
    int log2n = argc > 3 ? atoi(argv[3]) : 28;
    cudaDeviceProp prop;
    int device, driver, runtime;
    CHECK(cudaGetDevice(&device));
    CHECK(cudaGetDeviceProperties(&prop, device));
    CHECK(cudaDriverGetVersion(&driver));
    CHECK(cudaRuntimeGetVersion(&runtime));
    printf("GPU: %s, compute capability %d.%d, %d SMs, %.0f GiB; driver %d, runtime %d\n", prop.name, prop.major,
           prop.minor, prop.multiProcessorCount, prop.totalGlobalMem / 1073741824.0, driver, runtime);

    Reference ref = readReference(argv[1]);
    checkReference(ref);
    std::vector<float> sweep = sweepF32(1 << 24);
    std::vector<float> nvcc = checkSweep(sweep);
    checkFused();
    checkNvrtc(argv[2], sweep, nvcc);
    float kernelMs = throughput(log2n);
    if (argc > 5) {
        double torchMs = atof(argv[4]);
        add("PyTorch Halley W0 (FastEstimator's algorithm), same inputs", argv[5], "info", true);
        add("f32 W0 kernel speed-up over the PyTorch Halley W0", fmt("%.1fx", torchMs / kernelMs), ">= 10x",
            torchMs / kernelMs >= 10);
    } else {
        add("PyTorch Halley W0", "not measured (no PyTorch with CUDA)", "info", true);
    }

    size_t width = 0;
    for (const Row& r : table) {
        width = std::max(width, r.name.size());
    }
    printf("\n| check | result | target | |\n| --- | --- | --- | --- |\n");
    for (const Row& r : table) {
        printf("| %-*s | %s | %s | %s |\n", (int)width, r.name.c_str(), r.value.c_str(), r.target.c_str(),
               r.target == "info" || r.target == "ceiling" ? ""
               : isSpeedTarget(r.target) ? (r.ok ? "met" : "not met")
                                         : (r.ok ? "ok" : "FAIL"));
    }
    printf("\n%d correctness check(s) failed\n", failures);
    return failures == 0 ? 0 : 1;
}
