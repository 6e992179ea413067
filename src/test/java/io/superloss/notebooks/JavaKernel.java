package io.superloss.notebooks;

import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.VarSnippet;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A minimal Jupyter kernel for Java, so that the project's notebooks run headless in CI where no Java kernel can be
 * installed: JShell (in-process, on this JVM's class path) behind the Jupyter protocol implementation of
 * {@code org.dflib.jjava:jjava-jupyter}. Cells are split into JShell snippets; a compile error or an exception fails the
 * cell (and with it {@code jupyter nbconvert --execute}). The value of a final expression without a semicolon is
 * shown as text, and
 * {@code display(Object)} (from {@code BaseNotebookStatics}, as in JJava) shows images ({@code image/png}) and text.
 *
 * <p>Launched by the kernel spec that {@code notebooks/install-kernel.sh} writes:
 * {@code java -cp CLASSPATH io.superloss.notebooks.JavaKernel CONNECTION_FILE}.
 */
public final class JavaKernel extends BaseKernel {
    private static final String VERSION = "1.0";
    /**
     * What every cell sees: the jshell tool's default imports, and (as in JJava) {@code display(...)} and
     * {@code render(...)}.
     */
    private static final String STARTUP = "import java.io.*; import java.math.*; import java.net.*; "
            + "import java.nio.file.*; import java.util.*; import java.util.concurrent.*; import java.util.function.*; "
            + "import java.util.prefs.*; import java.util.regex.*; import java.util.stream.*; "
            + "import static org.dflib.jjava.jupyter.kernel.BaseNotebookStatics.*;";

    private final JShell shell;

    private JavaKernel() {
        super("superloss-java", VERSION,
                new LanguageInfo.Builder("Java").version(Runtime.version().toString()).mimetype("text/x-java-source")
                        .fileExtension(".jshell").pygments("java").codemirror("java").build(),
                Collections.emptyList(), null, new JupyterIO(StandardCharsets.UTF_8), new CommManager(),
                new Renderer(), null, new MagicsRegistry(), false,
                new StringStyler.Builder().build());
        // "local": snippets run in this JVM, so they share its class path and the notebook statics with the kernel.
        shell = JShell.builder().executionEngine("local").build();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            shell.addToClasspath(entry);
        }
        evalRaw(STARTUP);
    }

    /**
     * Runs a cell snippet by snippet; returns JShell's text of the last snippet's value when that snippet is an
     * expression not ended by a semicolon ({@code 1 + 1} shows 2, {@code 1 + 1;} and statements show nothing), as in
     * IJava. The front end shows it as the cell's result ({@code text/plain}).
     */
    @Override
    public Object evalRaw(String source) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String remaining = source;
        String lastValue = null;
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                break;
            }
            if (info.completeness() == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE
                    || info.completeness() == SourceCodeAnalysis.Completeness.CONSIDERED_INCOMPLETE) {
                throw new IllegalArgumentException("incomplete Java code: " + remaining.strip());
            }
            lastValue = null;
            boolean endsWithSemicolon = info.source().strip().endsWith(";");
            for (SnippetEvent event : shell.eval(info.source())) {
                if (event.exception() != null) {
                    throw new CellException(describe(event.exception()), event.exception());
                }
                if (event.status() == Snippet.Status.REJECTED) {
                    String diagnostics = shell.diagnostics(event.snippet())
                            .map(d -> d.getMessage(null)).collect(Collectors.joining("\n"));
                    throw new CellException("compilation failed: " + diagnostics + "\nin: "
                            + event.snippet().source().strip(), null);
                }
                if (!endsWithSemicolon && event.causeSnippet() == null && isExpression(event.snippet())) {
                    lastValue = event.value();
                }
            }
            remaining = info.remaining();
        }
        return lastValue;
    }

    /** An expression, a variable read or a call whose value JShell keeps in a temporary variable ($1, $2, ...). */
    private static boolean isExpression(Snippet snippet) {
        return snippet.kind() == Snippet.Kind.EXPRESSION
                || (snippet instanceof VarSnippet && snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND);
    }

    private static String describe(Exception e) {
        return e instanceof EvalException
                ? ((EvalException) e).getExceptionClassName() + ": " + e.getMessage()
                : e.toString();
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        return null;
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        int[] anchor = new int[1];
        List<String> names = shell.sourceCodeAnalysis().completionSuggestions(code, at, anchor).stream()
                .map(SourceCodeAnalysis.Suggestion::continuation).distinct().collect(Collectors.toList());
        return names.isEmpty() ? null : new ReplacementOptions(names, anchor[0], at);
    }

    @Override
    public String isComplete(String code) {
        switch (shell.sourceCodeAnalysis().analyzeCompletion(code).completeness()) {
            case COMPLETE:
            case COMPLETE_WITH_SEMI:
            case EMPTY:
                return IS_COMPLETE_YES;
            case DEFINITELY_INCOMPLETE:
            case CONSIDERED_INCOMPLETE:
                return "";
            default:
                return IS_COMPLETE_MAYBE;
        }
    }

    @Override
    public void onShutdown(boolean isRestarting) {
        super.onShutdown(isRestarting);
        shell.close();
    }

    /** A cell that did not compile or threw; the message says which and why. */
    static final class CellException extends RuntimeException {
        CellException(String message, Throwable cause) {
            super(message, cause);
            if (cause != null) {
                setStackTrace(cause.getStackTrace());
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: JavaKernel CONNECTION_FILE");
        }
        KernelConnectionProperties properties = KernelConnectionProperties.parse(Files.readString(Path.of(args[0])));
        JupyterConnection connection = new JupyterConnection(properties);
        JavaKernel kernel = new JavaKernel();
        kernel.onStartup();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
        // ND4J keeps non-daemon threads alive: end the process once the front end has shut the kernel down.
        System.exit(0);
    }
}
