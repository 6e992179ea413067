package io.superloss.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Spark contexts for the tests and benchmarks, bound to the loopback interface, with ND4J on one OpenMP thread and this
 * JVM's Java 17 module flags on every executor.
 *
 * <p>{@link #localCluster} starts a standalone cluster inside this JVM with two executor JVMs. Spark launches them
 * from {@code $SPARK_HOME} (set by the build to {@code target/spark-home}, with {@code SPARK_SCALA_VERSION=2.12}):
 * this class fills {@code $SPARK_HOME/jars} with links to the jars of the test class path and puts its directories
 * (the compiled classes) on the executors' extra class path, so the executors run exactly this build, with nothing
 * downloaded.
 */
final class SparkTestContexts {
    private SparkTestContexts() {
    }

    /** A context on a local master: {@code local[2]}, or {@code local[2,2]} for two attempts per task. */
    static JavaSparkContext local(String master, String app) {
        return new JavaSparkContext(conf(master, app));
    }

    /** {@code local-cluster[2,1,1024]}: two executor JVMs with one core and 1 GB each. */
    static JavaSparkContext localCluster(String app) {
        return localCluster(app, Map.of());
    }

    /** {@code local-cluster[2,1,1024]} with further settings. */
    static JavaSparkContext localCluster(String app, Map<String, String> settings) {
        SparkConf conf = conf("local-cluster[2,1,1024]", app);
        conf.set("spark.executor.extraClassPath", String.join(File.pathSeparator, linkClassPath()));
        settings.forEach(conf::set);
        return new JavaSparkContext(conf);
    }

    private static SparkConf conf(String master, String app) {
        return new SparkConf().setMaster(master).setAppName(app)
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false")
                .set("spark.executorEnv.OMP_NUM_THREADS", "1")
                .set("spark.executor.extraJavaOptions", moduleFlags() + " -Dorg.bytedeco.javacpp.maxPhysicalBytes=0");
    }

    /** The {@code --add-opens} and {@code --add-exports} flags of this JVM (the build's {@code spark.jvm.flags}). */
    static String moduleFlags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports"))
                .collect(Collectors.joining(" "));
    }

    /**
     * Links every jar of the test class path into {@code $SPARK_HOME/jars} (replacing earlier links) and returns the
     * class path's directories.
     */
    private static List<String> linkClassPath() {
        String home = System.getenv("SPARK_HOME");
        if (home == null) {
            throw new IllegalStateException("SPARK_HOME is not set (the build sets it to target/spark-home)");
        }
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path jars = Paths.get(home, "jars");
        List<String> directories = new ArrayList<>();
        try {
            if (Files.exists(jars)) {
                try (Stream<Path> old = Files.list(jars)) {
                    for (Path p : (Iterable<Path>) old.sorted(Comparator.naturalOrder())::iterator) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(jars);
            int index = 0;
            for (String entry : classPath.split(File.pathSeparator)) {
                Path p = Paths.get(entry).toAbsolutePath();
                if (Files.isDirectory(p)) {
                    directories.add(p.toString());
                } else if (entry.endsWith(".jar") && Files.exists(p)) {
                    // A prefix keeps jars of equal file names apart and the class path's order.
                    Files.createSymbolicLink(jars.resolve(String.format("%04d-%s", index++, p.getFileName())), p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot link the class path into " + jars, e);
        }
        return directories;
    }
}
