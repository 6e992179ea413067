package io.superloss;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * For test classes that provoke log warnings on purpose (non-finite rows, for instance): what a test writes to
 * {@code System.err}, where slf4j-simple logs, is held back and printed only if the test fails, so the expected
 * warnings do not fill the build log. A test that captures {@code System.err} itself still sees every line.
 */
final class StderrOnFailure implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(StderrOnFailure.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        ByteArrayOutputStream held = new ByteArrayOutputStream();
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        store.put(PrintStream.class, System.err);
        store.put(ByteArrayOutputStream.class, held);
        System.setErr(new PrintStream(held, true, StandardCharsets.UTF_8));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        PrintStream original = store.remove(PrintStream.class, PrintStream.class);
        ByteArrayOutputStream held = store.remove(ByteArrayOutputStream.class, ByteArrayOutputStream.class);
        System.setErr(original);
        if (context.getExecutionException().isPresent()) {
            original.print(held.toString(StandardCharsets.UTF_8));
            original.flush();
        }
    }
}
