package io.superloss;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * For test classes whose tests print by design: what a test writes to {@code System.out} and {@code System.err} is
 * held back and printed only if the test fails, so that the build log stays readable. Two sources need it: warnings
 * that tests provoke on purpose (non-finite rows; slf4j-simple logs to {@code System.err}), and SameDiff 1.0.0-M2.1,
 * which prints "Added differentiated op ..." on {@code System.out} for every op whenever it builds a gradient
 * function, out of reach of any logging configuration. A test that captures a stream itself still sees every line.
 */
final class OutputShownOnFailure implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(OutputShownOnFailure.class);

    /** The streams a test found, and what it wrote instead. */
    private record Held(PrintStream out, PrintStream err, ByteArrayOutputStream written) {
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        context.getStore(NAMESPACE).put(Held.class, new Held(System.out, System.err, written));
        PrintStream hold = new PrintStream(written, true, StandardCharsets.UTF_8);
        System.setOut(hold);
        System.setErr(hold);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Held held = context.getStore(NAMESPACE).remove(Held.class, Held.class);
        System.setOut(held.out());
        System.setErr(held.err());
        if (context.getExecutionException().isPresent()) {
            held.err().print(held.written().toString(StandardCharsets.UTF_8));
            held.err().flush();
        }
    }
}
