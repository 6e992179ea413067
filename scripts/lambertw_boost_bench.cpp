// Throughput of Boost.Math's lambert_w0 on the argument files of io.superloss.bench.LambertWInputs: the loop
// out[i] = lambert_w0(in[i]), timed exactly as io.superloss.bench.LambertWThroughput times LambertW.w0 in Java
// (whole passes over the arrays, samples of SAMPLE_MS of this thread's CPU time). Built and run by
// scripts/bench-boost-lambertw.sh.
//
// usage: lambertw_boost_bench DIR SAMPLES SAMPLE_MS
// For every set and type it prints one line
//   boost <set> <f64|f32> <ns per evaluation of sample 1> ... <sample SAMPLES>
// after a warm-up of 2 x SAMPLE_MS, and writes Boost's results next to the arguments (DIR/boost-<set>.<type>) for
// the cross-check. Boost's default policy.
#include <boost/math/special_functions/lambert_w.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <time.h>

namespace {

template <typename T>
std::vector<T> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::streamsize bytes = in.tellg();
    in.seekg(0);
    std::vector<T> values(bytes / sizeof(T));
    in.read(reinterpret_cast<char*>(values.data()), bytes);  // little-endian IEEE, as on this machine
    return values;
}

template <typename T>
void write_file(const std::string& path, const std::vector<T>& values) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

// One pass over the arguments. noinline keeps the loop the same in warm-up and measurement.
template <typename T>
__attribute__((noinline)) void pass(const std::vector<T>& in, std::vector<T>& out) {
    for (std::size_t i = 0; i < in.size(); ++i) {
        out[i] = boost::math::lambert_w0(in[i]);
    }
}

// This thread's CPU time in nanoseconds: on a shared machine, time the thread was not running is not counted.
double cpu_ns() {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

// Runs whole passes for at least `ms` milliseconds of CPU time; returns nanoseconds per evaluation.
template <typename T>
double sample(const std::vector<T>& in, std::vector<T>& out, double ms) {
    double start = cpu_ns();
    long passes = 0;
    double elapsed;
    do {
        pass(in, out);
        ++passes;
        elapsed = cpu_ns() - start;
    } while (elapsed < ms * 1e6);
    return elapsed / (static_cast<double>(passes) * in.size());
}

template <typename T>
void run(const std::string& dir, const std::string& set, const char* type, int samples, double ms) {
    std::string suffix = std::string(".") + type;
    std::vector<T> in = read_file<T>(dir + "/lambertw-" + set + suffix);
    std::vector<T> out(in.size());
    sample(in, out, 2 * ms);
    std::printf("boost %s %s", set.c_str(), type);
    for (int s = 0; s < samples; ++s) {
        std::printf(" %.4f", sample(in, out, ms));
    }
    std::printf("\n");
    std::fflush(stdout);
    write_file(dir + "/boost-" + set + suffix, out);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s DIR SAMPLES SAMPLE_MS\n", argv[0]);
        return 2;
    }
    std::string dir = argv[1];
    int samples = std::atoi(argv[2]);
    double ms = std::atof(argv[3]);
    try {
        for (const char* set : {"superloss", "wide"}) {
            run<double>(dir, set, "f64", samples, ms);
            run<float>(dir, set, "f32", samples, ms);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lambertw_boost_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
