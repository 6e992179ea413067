package io.superloss;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints every skipped test with its reason on the console (Surefire's console summary only counts them): tests
 * {@code @Disabled} and tests aborted by an assumption, such as the GPU tests on a machine without a usable GPU.
 * Registered for every test run through {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener}.
 */
public final class SkipReasonPrinter implements TestExecutionListener {
    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        print(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            print(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    private static void print(TestIdentifier test, String reason) {
        System.out.println("[SKIPPED] " + name(test) + ": " + reason);
    }

    private static String name(TestIdentifier test) {
        return test.getSource().map(source -> {
            if (source instanceof MethodSource m) {
                String simpleClass = m.getClassName().substring(m.getClassName().lastIndexOf('.') + 1);
                return simpleClass + "." + m.getMethodName() + (test.getDisplayName().startsWith(m.getMethodName())
                        ? "" : " " + test.getDisplayName());
            }
            return source instanceof ClassSource c ? c.getClassName() : test.getDisplayName();
        }).orElse(test.getDisplayName());
    }
}
