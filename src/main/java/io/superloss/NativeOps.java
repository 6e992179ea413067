package io.superloss;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.imports.converters.ImportClassMapping;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.util.HashUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * Loads this library's native ops into ND4J's CPU backend, once per JVM, or decides not to.
 *
 * <p>The native library ({@code libsuperloss_nd4j.so}, in the jar for linux-x86_64) is compiled against the C++ ABI
 * of one build of libnd4j: the {@code libnd4jcpu.so} of nd4j-native 1.0.0-M2.1, built from deeplearning4j commit
 * {@value #ND4J_BUILD_COMMIT}. Loading it next to any other build could crash the JVM, so before any native call this
 * class checks, in order: the OS is Linux and the architecture x86-64; ND4J's backend is the CPU backend
 * (nd4j-native); every {@value #GIT_PROPERTIES} on the backend's class path names that commit; the library is in the
 * jar. Then it extracts the library to a temporary file (deleted once loaded), {@code System.load}s it (after ND4J has
 * loaded {@code libnd4jcpu.so}, which it links against), and calls its JNI function {@code registerOps}, which
 * registers the four ops in libnd4j's op registry and returns their hashes; these must equal ND4J's Java
 * {@link HashUtil#getLongHash(String)} of the op names, which the Java op classes report as their
 * {@code opHash()} (ND4J's own list of custom ops is read once and cached, so an op registered later is known to it
 * only through the op class). Any failure leaves the composite path in place.
 *
 * <p>The system property {@value #PROPERTY} chooses: {@code auto} (default) loads when the checks pass and otherwise
 * logs one WARN with the reason; {@code off} never loads; {@code required} turns a failure into an
 * {@link IllegalStateException} naming the reason, thrown by every call that needs the decision.
 *
 * <p>The op classes are also entered in ND4J's op-name map ({@link ImportClassMapping#getOpNameMapping()}, a mutable
 * static map and an ND4J internal): SameDiff rebuilds every op from its FlatBuffers form when it builds a gradient
 * function, and {@code SameDiff.load} does the same; both look the class up there by op name.
 *
 * <p>Registration writes to libnd4j's op registry, which libnd4j does not synchronise with op lookups in other
 * threads: it happens on the first use of a native-capable function (or the first {@link LambertW#nativeOps()} call);
 * applications that run ND4J work in several threads from the start can call {@link LambertW#nativeOps()} first.
 */
final class NativeOps {
    private static final Logger log = LoggerFactory.getLogger(NativeOps.class);

    /** The system property that chooses auto, off or required. */
    static final String PROPERTY = "superloss.native";
    /** The deeplearning4j commit libnd4jcpu.so must have been built from (nd4j-native 1.0.0-M2.1). */
    static final String ND4J_BUILD_COMMIT = "3a87acef06fbfa5712c353d1c7ed5fef686c0bcc";
    /** ND4J's CPU backend class (nd4j-native). */
    static final String CPU_BACKEND = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";
    /** nd4j-native's build record (git-commit-id-plugin), with the commit in {@code git.commit.id}. */
    static final String GIT_PROPERTIES = "org/eclipse/org.nd4j-nd4j-native-git.properties";
    /** The native library, as a class path resource. */
    static final String LIBRARY = "io/superloss/native/linux-x86_64/libsuperloss_nd4j.so";
    /** The registered ops, in the order of {@link #registerOps()}'s hashes. */
    static final List<String> OP_NAMES =
            List.of(LambertW0Op.OP_NAME, SuperLossRowsOp.OP_NAME, ThresholdUpdateOp.OP_NAME, TrainingRowsOp.OP_NAME);

    private NativeOps() {
    }

    /** The values of {@value #PROPERTY}. */
    enum Mode {
        AUTO, OFF, REQUIRED;

        /**
         * @param value the property's value; null means AUTO
         * @throws IllegalArgumentException for any other value than auto, off, required (any case)
         */
        static Mode parse(String value) {
            if (value == null) {
                return AUTO;
            }
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-D" + PROPERTY + " must be auto, off or required, got: " + value);
            }
        }
    }

    /**
     * What the checks read from this JVM.
     *
     * @param osName         {@code os.name}
     * @param osArch         {@code os.arch}
     * @param backend        the class name of ND4J's backend
     * @param nativeCommits  {@code git.commit.id} of every {@value #GIT_PROPERTIES} on the backend's class path
     *                       (null where a file has none)
     * @param libraryBundled whether {@value #LIBRARY} is on this class's class path
     */
    record Platform(String osName, String osArch, String backend, List<String> nativeCommits, boolean libraryBundled) {
        /** Reads this JVM's; initialises ND4J. */
        static Platform current() {
            Class<?> backend = Nd4j.getBackend().getClass();
            List<String> commits = new ArrayList<>();
            try {
                ClassLoader loader = backend.getClassLoader() != null ? backend.getClassLoader()
                        : ClassLoader.getSystemClassLoader();
                for (URL url : Collections.list(loader.getResources(GIT_PROPERTIES))) {
                    Properties properties = new Properties();
                    try (InputStream in = url.openStream()) {
                        properties.load(in);
                    }
                    commits.add(properties.getProperty("git.commit.id"));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + GIT_PROPERTIES, e);
            }
            return new Platform(System.getProperty("os.name"), System.getProperty("os.arch"), backend.getName(),
                    commits, NativeOps.class.getClassLoader().getResource(LIBRARY) != null);
        }
    }

    /** Loads the library and registers the ops: returns libnd4j's hashes of {@link #OP_NAMES}, in that order. */
    @FunctionalInterface
    interface Loader {
        long[] loadAndRegister() throws Exception;
    }

    /**
     * Why the native library must not be loaded on this platform, or null if it may.
     */
    static String refusal(Platform p) {
        if (p.osName() == null || !p.osName().toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "the native ops are built for Linux, this is " + p.osName();
        }
        if (!"amd64".equals(p.osArch()) && !"x86_64".equals(p.osArch())) {
            return "the native ops are built for x86-64, this JVM runs on " + p.osArch();
        }
        if (!CPU_BACKEND.equals(p.backend())) {
            return "the native ops need ND4J's CPU backend (nd4j-native), the backend is " + p.backend();
        }
        if (p.nativeCommits().isEmpty()) {
            return "no " + GIT_PROPERTIES + " on the class path: cannot tell which libnd4j build nd4j-native is";
        }
        for (String commit : p.nativeCommits()) {
            if (!ND4J_BUILD_COMMIT.equals(commit)) {
                return "nd4j-native was built from deeplearning4j commit " + commit + ", the native ops are compiled"
                        + " for the build of commit " + ND4J_BUILD_COMMIT + " (nd4j-native 1.0.0-M2.1)";
            }
        }
        if (!p.libraryBundled()) {
            return LIBRARY + " is not on the class path (this jar was built without it)";
        }
        return null;
    }

    /**
     * Decides, and loads when the checks pass: the status in {@code mode}. AUTO logs one WARN when it falls back.
     */
    static NativeOpsStatus initialise(Mode mode, Supplier<Platform> platform, Loader loader) {
        if (mode == Mode.OFF) {
            return composite("-D" + PROPERTY + "=off");
        }
        String reason;
        try {
            reason = refusal(platform.get());
        } catch (RuntimeException e) {
            reason = "cannot inspect ND4J's backend: " + e;
        }
        if (reason == null) {
            reason = load(loader);
        }
        if (reason == null) {
            return new NativeOpsStatus(NativeOpsStatus.Path.NATIVE, "libsuperloss_nd4j.so loaded into nd4j-native"
                    + " (libnd4j " + ND4J_BUILD_COMMIT.substring(0, 10) + "): " + String.join(", ", OP_NAMES));
        }
        if (mode == Mode.AUTO) {
            log.warn("superloss-dl4j: native ops not in use, SameDiff functions use composite graphs of ND4J ops: {}",
                    reason);
        }
        return composite(reason);
    }

    /** Loads and checks the hashes: null on success, else why not. */
    private static String load(Loader loader) {
        long[] hashes;
        try {
            hashes = loader.loadAndRegister();
        } catch (Exception | LinkageError e) {
            return "loading " + LIBRARY + " failed: " + e;
        }
        if (hashes == null || hashes.length != OP_NAMES.size()) {
            return "the native library registered " + (hashes == null ? "nothing" : hashes.length + " ops")
                    + ", expected " + OP_NAMES.size();
        }
        for (int i = 0; i < hashes.length; i++) {
            long expected = HashUtil.getLongHash(OP_NAMES.get(i));
            if (hashes[i] != expected) {
                return "libnd4j's hash of " + OP_NAMES.get(i) + " is " + hashes[i] + ", ND4J's Java hash " + expected;
            }
        }
        return null;
    }

    private static NativeOpsStatus composite(String reason) {
        return new NativeOpsStatus(NativeOpsStatus.Path.COMPOSITE, reason);
    }

    /** Extracts the library to a temporary file, loads it and registers the ops. */
    private static long[] loadLibrary() throws IOException {
        Path file = Files.createTempFile("libsuperloss_nd4j", ".so");
        try {
            try (InputStream in = NativeOps.class.getClassLoader().getResourceAsStream(LIBRARY)) {
                if (in == null) {
                    throw new IOException(LIBRARY + " disappeared from the class path");
                }
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            System.load(file.toAbsolutePath().toString());
        } finally {
            // A loaded library stays mapped: the file is not needed any more.
            Files.deleteIfExists(file);
        }
        return registerOps();
    }

    /**
     * Registers the ops in libnd4j's registry (once per process) and returns their hashes, in the order of
     * {@link #OP_NAMES}.
     *
     * @throws IllegalStateException if libnd4j threw
     */
    private static native long[] registerOps();

    /** Enters the op classes in ND4J's op-name map, for SameDiff's FlatBuffers round trips (an ND4J internal). */
    private static void registerOpClasses() {
        Map<String, DifferentialFunction> opClasses = ImportClassMapping.getOpNameMapping();
        synchronized (opClasses) {
            opClasses.putIfAbsent(LambertW0Op.OP_NAME, new LambertW0Op());
            opClasses.putIfAbsent(SuperLossRowsOp.OP_NAME, new SuperLossRowsOp());
            opClasses.putIfAbsent(ThresholdUpdateOp.OP_NAME, new ThresholdUpdateOp());
            opClasses.putIfAbsent(TrainingRowsOp.OP_NAME, new TrainingRowsOp());
        }
    }

    /** This JVM's decision, made on first use. */
    private static final class Decision {
        static final RuntimeException INVALID_MODE;
        static final Mode MODE;
        static final NativeOpsStatus STATUS;

        static {
            Mode mode = null;
            RuntimeException invalid = null;
            try {
                mode = Mode.parse(System.getProperty(PROPERTY));
            } catch (IllegalArgumentException e) {
                invalid = e;
            }
            INVALID_MODE = invalid;
            MODE = mode;
            STATUS = mode == null ? composite(invalid.getMessage())
                    : initialise(mode, Platform::current, NativeOps::loadLibrary);
            registerOpClasses();
        }
    }

    /**
     * The status in this JVM, deciding on first use.
     *
     * @throws IllegalArgumentException if {@value #PROPERTY} has an invalid value
     * @throws IllegalStateException    if it is {@code required} and the native ops could not be loaded
     */
    static NativeOpsStatus status() {
        if (Decision.INVALID_MODE != null) {
            throw new IllegalArgumentException(Decision.INVALID_MODE.getMessage(), Decision.INVALID_MODE);
        }
        return enforce(Decision.MODE, Decision.STATUS);
    }

    /**
     * {@code status}, unless {@code mode} is REQUIRED and the status is not NATIVE.
     *
     * @throws IllegalStateException naming the reason in that case
     */
    static NativeOpsStatus enforce(Mode mode, NativeOpsStatus status) {
        if (mode == Mode.REQUIRED && !status.isNative()) {
            throw new IllegalStateException("-D" + PROPERTY + "=required, but the native ops cannot be used: "
                    + status.detail());
        }
        return status;
    }

    /** Whether the native ops are registered in this JVM (never throws). */
    static boolean loaded() {
        return Decision.STATUS.isNative();
    }

    /**
     * Guards every native call of the op classes: libnd4j dereferences an unknown op without checking.
     *
     * @throws IllegalStateException naming the op and the reason if the native ops are not registered
     */
    static void requireLoaded(String opName) {
        if (!loaded()) {
            throw new IllegalStateException(opName + " is a native op of superloss-dl4j, which is not loaded in this"
                    + " JVM: " + Decision.STATUS.detail());
        }
    }
}
