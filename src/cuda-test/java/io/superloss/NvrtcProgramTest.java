package io.superloss;

import org.bytedeco.javacpp.BytePointer;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's run-time compilation, without a GPU: the shipped CUDA source compiles with the NVRTC that the JavaCPP
 * CUDA presets load (libnvrtc.so.11.2, from CUDA 11.x), for the oldest and the newest architecture it supports, and
 * the result holds every kernel the launcher looks up. Compiled only by the Maven profile {@code cuda} (source folder
 * {@code src/cuda-test/java}); skipped, with the reason, where libnvrtc cannot be loaded, unless
 * {@value GpuTestSupport#REQUIRED} is set.
 */
@Tag("nvrtc")
class NvrtcProgramTest {
    private int[] supported;

    @BeforeEach
    void nvrtc() {
        try {
            supported = NvrtcProgram.supportedArchitectures();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            String reason = "NVRTC (libnvrtc.so.11.2) cannot be loaded: " + e;
            if (Boolean.getBoolean(GpuTestSupport.REQUIRED)) {
                Assertions.fail(reason);
            }
            Assumptions.abort(reason);
        }
    }

    @Test
    void sourceCompilesToPtxForTheOldestAndNewestArchitecture() {
        String source = NvrtcProgram.resource(NvrtcProgram.SOURCE);
        String header = NvrtcProgram.resource(NvrtcProgram.HEADER);
        int oldest = Arrays.stream(supported).min().orElseThrow();
        int newest = Arrays.stream(supported).max().orElseThrow();
        for (int arch : new int[] {oldest, newest}) {
            String ptx = NvrtcProgram.compile(source, header, arch, false).getString();
            assertTrue(ptx.contains(".target sm_" + arch), "PTX for compute_" + arch);
            for (String kernel : NvrtcProgram.KERNELS) {
                assertTrue(ptx.contains(".entry " + kernel), kernel + " in the PTX for compute_" + arch);
            }
        }
    }

    @Test
    void sourceCompilesToACubinForTheNewestArchitectureUpToAmpere() {
        int arch = NvrtcProgram.newestSupported(supported, 86);
        BytePointer cubin = NvrtcProgram.compile(NvrtcProgram.resource(NvrtcProgram.SOURCE),
                NvrtcProgram.resource(NvrtcProgram.HEADER), arch, true);
        byte[] magic = new byte[4];
        cubin.get(magic);
        assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, magic, "a cubin is an ELF image");
        assertTrue(cubin.capacity() > 1000, "cubin of " + cubin.capacity() + " bytes");
    }

    @Test
    void compileErrorsCarryNvrtcsLog() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NvrtcProgram.compile("extern \"C\" __global__ void k() { undefined_name(); }", "", supported[0],
                        false));
        assertTrue(e.getMessage().contains("undefined_name"), e.getMessage());
    }

    @Test
    void architectureIsTheDevicesOwnOrTheNewestBelowIt() {
        int[] archs = {35, 50, 60, 70, 75, 80, 86};
        assertEquals(86, NvrtcProgram.newestSupported(archs, 86));
        assertEquals(86, NvrtcProgram.newestSupported(archs, 89)); // Ada on NVRTC 11.6: PTX, compiled by the driver
        assertEquals(75, NvrtcProgram.newestSupported(archs, 75));
        assertEquals(70, NvrtcProgram.newestSupported(archs, 72));
        assertThrows(IllegalStateException.class, () -> NvrtcProgram.newestSupported(archs, 30));
    }
}
