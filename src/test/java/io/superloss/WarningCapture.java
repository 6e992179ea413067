package io.superloss;

import org.junit.jupiter.api.function.Executable;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The WARN lines a class logs while some code runs (the tests log through slf4j-simple, writing to System.err). */
final class WarningCapture {
    private WarningCapture() {
    }

    static List<String> warnings(Class<?> logger, Executable body) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            body.execute();
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            System.setErr(original);
        }
        List<String> lines = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.contains("WARN") && line.contains(logger.getName())) {
                lines.add(line);
            }
        }
        return lines;
    }
}
