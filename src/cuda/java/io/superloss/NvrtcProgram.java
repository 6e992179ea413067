package io.superloss;

import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import static org.bytedeco.cuda.global.nvrtc.NVRTC_SUCCESS;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBIN;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBINSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetNumSupportedArchs;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetPTX;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetPTXSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetSupportedArchs;

/**
 * Run-time compilation of the library's CUDA C source ({@code io/superloss/cuda/superloss_kernels.cu}, which includes
 * {@code lambertw.cuh}) with NVRTC, the CUDA 11.6 runtime compiler of the JavaCPP presets. Needs only libnvrtc, no
 * GPU: the launcher ({@link NvrtcCudaKernels}) loads the result on the device.
 */
final class NvrtcProgram {
    static final String SOURCE = "superloss_kernels.cu";
    static final String HEADER = "lambertw.cuh";
    /** The kernels, by their extern "C" names. */
    static final String[] KERNELS = {"superloss_w0_f32", "superloss_w0_f64", "superloss_forward_f32",
        "superloss_forward_f64"};
    private static final String RESOURCES = "/io/superloss/cuda/";

    private NvrtcProgram() {
    }

    /** The text of a CUDA source file shipped with the library ({@link #SOURCE} or {@link #HEADER}). */
    static String resource(String name) {
        try (InputStream in = NvrtcProgram.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("CUDA source " + RESOURCES + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CUDA source " + RESOURCES + name, e);
        }
    }

    /** The virtual architectures NVRTC can compile for, as compute capabilities times ten (e.g. 86). */
    static int[] supportedArchitectures() {
        int[] count = new int[1];
        check(nvrtcGetNumSupportedArchs(count), "nvrtcGetNumSupportedArchs", "");
        int[] archs = new int[count[0]];
        check(nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs", "");
        return archs;
    }

    /**
     * The architecture to compile for on a device of compute capability {@code deviceArch} (times ten): the device's
     * own if NVRTC supports it, else the newest supported one below it, whose PTX the driver compiles for the device.
     *
     * @throws IllegalStateException if NVRTC supports nothing at or below the device's architecture
     */
    static int newestSupported(int[] supported, int deviceArch) {
        int best = -1;
        for (int a : supported) {
            if (a <= deviceArch && a > best) {
                best = a;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("NVRTC supports no architecture up to the device's compute capability "
                    + deviceArch / 10 + "." + deviceArch % 10);
        }
        return best;
    }

    /**
     * Compiles the kernels for {@code arch}: a cubin for {@code sm_arch} when {@code cubin}, else PTX for
     * {@code compute_arch} (NUL-terminated text).
     *
     * @throws IllegalStateException with NVRTC's log if the compilation fails
     */
    static BytePointer compile(String source, String header, int arch, boolean cubin) {
        String target = (cubin ? "sm_" : "compute_") + arch;
        _nvrtcProgram program = new _nvrtcProgram();
        check(nvrtcCreateProgram(program, new BytePointer(source), new BytePointer(SOURCE), 1,
                new PointerPointer<>(header), new PointerPointer<>(HEADER)), "nvrtcCreateProgram", "");
        try {
            // --fmad=false: the algorithm places its fused multiply-adds itself (see lambertw.cuh).
            PointerPointer<BytePointer> options = new PointerPointer<>("--gpu-architecture=" + target,
                    "--std=c++17", "--fmad=false");
            check(nvrtcCompileProgram(program, 3, options), "nvrtcCompileProgram (" + target + ")", log(program));
            SizeTPointer size = new SizeTPointer(1);
            if (cubin) {
                check(nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize", "");
                BytePointer image = new BytePointer(size.get());
                check(nvrtcGetCUBIN(program, image), "nvrtcGetCUBIN", "");
                return image;
            }
            check(nvrtcGetPTXSize(program, size), "nvrtcGetPTXSize", "");
            BytePointer image = new BytePointer(size.get());
            check(nvrtcGetPTX(program, image), "nvrtcGetPTX", "");
            return image;
        } finally {
            nvrtcDestroyProgram(program);
        }
    }

    private static String log(_nvrtcProgram program) {
        SizeTPointer size = new SizeTPointer(1);
        if (nvrtcGetProgramLogSize(program, size) != NVRTC_SUCCESS || size.get() <= 1) {
            return "";
        }
        BytePointer text = new BytePointer(size.get());
        return nvrtcGetProgramLog(program, text) == NVRTC_SUCCESS ? text.getString() : "";
    }

    private static void check(int result, String call, String programLog) {
        if (result != NVRTC_SUCCESS) {
            throw new IllegalStateException(call + " failed: " + nvrtcGetErrorString(result).getString()
                    + (programLog.isEmpty() ? "" : "\n" + programLog));
        }
    }
}
