package io.superloss;

import java.util.Objects;

/**
 * Which implementation this library's SameDiff functions use in this JVM, and why; see {@link LambertW#nativeOps()}.
 *
 * <ul>
 *   <li>{@link Path#NATIVE}: this library's own libnd4j ops ({@code superloss_lambertw0}, {@code superloss_rows},
 *       {@code superloss_threshold_update}) are registered in ND4J's CPU backend and run natively: one op where the
 *       composite form needs about a hundred;</li>
 *   <li>{@link Path#COMPOSITE}: graphs of ND4J's built-in ops, which run on every backend.</li>
 * </ul>
 * Both give results within the accuracy their functions document; the native W0 gives exactly the bits of
 * {@link LambertW#w0(double)} and {@link LambertW#w0(float)}.
 *
 * @param path   the implementation in use
 * @param detail for {@code NATIVE}, what was loaded; for {@code COMPOSITE}, why the native ops are not in use
 */
public record NativeOpsStatus(Path path, String detail) {

    /** The two implementations. */
    public enum Path {
        /** This library's native libnd4j ops. */
        NATIVE,
        /** Graphs of ND4J's built-in ops. */
        COMPOSITE
    }

    /**
     * @throws NullPointerException if an argument is null
     */
    public NativeOpsStatus {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(detail, "detail");
    }

    /** Whether the native ops are in use. */
    public boolean isNative() {
        return path == Path.NATIVE;
    }

    @Override
    public String toString() {
        return path + " (" + detail + ")";
    }
}
