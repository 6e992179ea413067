package io.superloss;

import org.junit.jupiter.api.Assumptions;

/**
 * Entry condition of the tests of the native ops: they run where {@link LambertW#nativeOps()} is NATIVE. With
 * {@code -Dsuperloss.native=off}, or on a platform without the native library, they are skipped with the reason; with
 * {@code -Dsuperloss.native=required} (the test JVM's default on Linux x86-64, where the build compiles the library)
 * a failure to load fails them, through the exception of {@link LambertW#nativeOps()}.
 */
final class NativeOpsTestSupport {
    private NativeOpsTestSupport() {
    }

    static void assumeNativeOps() {
        NativeOpsStatus status = LambertW.nativeOps();
        Assumptions.assumeTrue(status.isNative(), () -> "native ops not in use: " + status.detail());
    }
}
