package io.superloss;

import io.superloss.NativeOps.Mode;
import io.superloss.NativeOps.Platform;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.util.HashUtil;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loading decision of {@link NativeOps}, on described platforms and with a stand-in loader (nothing is loaded and
 * no global state is touched), and the decision this JVM made.
 */
class NativeOpsTest {
    private static final String COMMIT = NativeOps.ND4J_BUILD_COMMIT;
    private static final Platform GOOD = new Platform("Linux", "amd64", NativeOps.CPU_BACKEND, List.of(COMMIT), true);

    /** A loader that counts its calls and returns the right hashes. */
    private static final class CountingLoader implements NativeOps.Loader {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public long[] loadAndRegister() {
            calls.incrementAndGet();
            return NativeOps.OP_NAMES.stream().mapToLong(HashUtil::getLongHash).toArray();
        }
    }

    private static void assertRefused(Platform platform, String... reasonParts) {
        String reason = NativeOps.refusal(platform);
        for (String part : reasonParts) {
            assertTrue(reason != null && reason.contains(part), () -> "reason '" + reason + "' lacks '" + part + "'");
        }
        CountingLoader loader = new CountingLoader();
        NativeOpsStatus status = NativeOps.initialise(Mode.AUTO, () -> platform, loader);
        assertEquals(NativeOpsStatus.Path.COMPOSITE, status.path());
        assertEquals(reason, status.detail());
        assertEquals(0, loader.calls.get(), "refused without loading");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NativeOps.enforce(Mode.REQUIRED, NativeOps.initialise(Mode.REQUIRED, () -> platform, loader)));
        assertTrue(e.getMessage().contains(reason) && e.getMessage().contains("required"), e.getMessage());
        assertEquals(0, loader.calls.get(), "refused without loading");
    }

    @Test
    void theSupportedPlatformLoadsOnce() {
        assertNull(NativeOps.refusal(GOOD));
        assertNull(NativeOps.refusal(new Platform("Linux", "x86_64", NativeOps.CPU_BACKEND, List.of(COMMIT, COMMIT),
                true)));
        CountingLoader loader = new CountingLoader();
        NativeOpsStatus status = NativeOps.initialise(Mode.AUTO, () -> GOOD, loader);
        assertTrue(status.isNative(), status.toString());
        assertEquals(1, loader.calls.get());
    }

    @Test
    void otherPlatformsAreRefusedWithTheReasonWithoutLoading() {
        assertRefused(new Platform("Mac OS X", "aarch64", NativeOps.CPU_BACKEND, List.of(COMMIT), true), "Mac OS X");
        assertRefused(new Platform("Windows 11", "amd64", NativeOps.CPU_BACKEND, List.of(COMMIT), true), "Windows");
        assertRefused(new Platform("Linux", "aarch64", NativeOps.CPU_BACKEND, List.of(COMMIT), true), "aarch64");
        assertRefused(new Platform("Linux", "amd64", "org.nd4j.linalg.jcublas.JCublasBackend", List.of(COMMIT), true),
                "JCublasBackend", "CPU backend");
    }

    @Test
    void anotherNd4jBuildIsRefusedWithTheReasonWithoutLoading() {
        String other = "4e41312fdf0000000000000000000000000000";
        assertRefused(new Platform("Linux", "amd64", NativeOps.CPU_BACKEND, List.of(other), true), other, COMMIT);
        assertRefused(new Platform("Linux", "amd64", NativeOps.CPU_BACKEND, List.of(COMMIT, other), true), other);
        assertRefused(new Platform("Linux", "amd64", NativeOps.CPU_BACKEND, List.of(), true),
                NativeOps.GIT_PROPERTIES);
        assertRefused(new Platform("Linux", "amd64", NativeOps.CPU_BACKEND, java.util.Collections.singletonList(null),
                true), "null");
    }

    @Test
    void aJarWithoutTheLibraryIsRefused() {
        assertRefused(new Platform("Linux", "amd64", NativeOps.CPU_BACKEND, List.of(COMMIT), false),
                NativeOps.LIBRARY);
    }

    @Test
    void offNeitherInspectsNorLoads() {
        CountingLoader loader = new CountingLoader();
        NativeOpsStatus status = NativeOps.initialise(Mode.OFF, () -> {
            throw new AssertionError("inspected");
        }, loader);
        assertFalse(status.isNative());
        assertTrue(status.detail().contains("superloss.native=off"), status.detail());
        assertEquals(0, loader.calls.get());
    }

    @Test
    void loaderFailuresFallBackWithTheReason() {
        NativeOpsStatus linkError = NativeOps.initialise(Mode.AUTO, () -> GOOD, () -> {
            throw new UnsatisfiedLinkError("libnd4jcpu.so: cannot open shared object file");
        });
        assertFalse(linkError.isNative());
        assertTrue(linkError.detail().contains("cannot open shared object file"), linkError.detail());

        NativeOpsStatus wrongHash = NativeOps.initialise(Mode.AUTO, () -> GOOD, () -> new long[] {1, 2, 3, 4});
        assertFalse(wrongHash.isNative());
        assertTrue(wrongHash.detail().contains(LambertW0Op.OP_NAME), wrongHash.detail());

        NativeOpsStatus tooFew = NativeOps.initialise(Mode.AUTO, () -> GOOD, () -> new long[1]);
        assertFalse(tooFew.isNative());
        assertTrue(tooFew.detail().contains("registered 1 ops"), tooFew.detail());

        NativeOpsStatus inspection = NativeOps.initialise(Mode.AUTO, () -> {
            throw new IllegalStateException("no ND4J backend found");
        }, new CountingLoader());
        assertFalse(inspection.isNative());
        assertTrue(inspection.detail().contains("no ND4J backend found"), inspection.detail());
    }

    @Test
    void modeValues() {
        assertEquals(Mode.AUTO, Mode.parse(null));
        assertEquals(Mode.OFF, Mode.parse("off"));
        assertEquals(Mode.REQUIRED, Mode.parse(" Required "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mode.parse("yes"));
        assertTrue(e.getMessage().contains("superloss.native") && e.getMessage().contains("yes"), e.getMessage());
    }

    /**
     * This JVM: the decision follows -Dsuperloss.native (required: native, or the status call throws; off: composite),
     * and LambertW.w0 builds the implementation the decision names: one native op, or the composite graph.
     */
    @Test
    void thisJvmUsesWhatTheDecisionSays() {
        Mode mode = Mode.parse(System.getProperty(NativeOps.PROPERTY));
        NativeOpsStatus status = LambertW.nativeOps();
        if (mode == Mode.OFF) {
            assertFalse(status.isNative(), status.toString());
        } else if (mode == Mode.REQUIRED) {
            assertTrue(status.isNative(), status.toString());
        }
        assertEquals(status.isNative(), NativeOps.loaded());
        SameDiff sd = SameDiff.create();
        LambertW.w0(sd, sd.placeHolder("z", DataType.DOUBLE, -1));
        long nativeOps = sd.getOps().values().stream().filter(op -> op.getOp() instanceof LambertW0Op).count();
        if (status.isNative()) {
            assertEquals(1, sd.getOps().size());
            assertEquals(1, nativeOps);
        } else {
            assertTrue(sd.getOps().size() > 100, sd.getOps().size() + " ops");
            assertEquals(0, nativeOps);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new LambertW0Op(org.nd4j.linalg.factory.Nd4j.scalar(1.0)).opHash());
            assertTrue(e.getMessage().contains(status.detail()), e.getMessage());
        }
    }
}
