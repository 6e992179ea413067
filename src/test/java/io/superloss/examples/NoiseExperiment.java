package io.superloss.examples;

import io.superloss.MislabelFinder;
import io.superloss.SuperLoss;
import io.superloss.Threshold;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The label-noise experiment: for each noise rate p and seed, flips every training label to a uniformly chosen
 * different class with probability p, then trains one network per method on the same noisy data (same split, same
 * initialisation, same minibatch order) and records the clean test accuracy and how well the trained model separates
 * flipped from clean training labels (AUROC). Results are appended to {@code results.csv} run by run; at the end
 * {@link ExperimentReport} writes the tables and plots.
 *
 * <pre>
 * mvn -q test-compile exec:java -Ddemo.mainClass=io.superloss.examples.NoiseExperiment -Dexec.args="--dataset digits"
 * scripts/fetch-mnist.sh &amp;&amp; mvn -q test-compile exec:java -Ddemo.mainClass=io.superloss.examples.NoiseExperiment \
 *     -Dexec.args="--dataset mnist"
 * </pre>
 *
 * Options (defaults per dataset): {@code --noise 0,0.2,0.4,0.6,0.8} (MNIST 0,0.4,0.8), {@code --seeds 1,2,3},
 * {@code --methods ce,superloss-ema,superloss-lnc}, {@code --epochs 30} (MNIST 5), {@code --batch 32} (MNIST 128),
 * {@code --hidden 128} (MNIST 256), {@code --lambda 1}, {@code --out experiments/DATASET},
 * {@code --mnist-dir data/mnist/package/data}, {@code --threads 1} (runs trained in parallel; with
 * {@code OMP_NUM_THREADS=1} each uses one core). Every run builds a new network and a new loss instance.
 */
public final class NoiseExperiment {

    /** The compared training losses. */
    public enum Method {
        /** Plain cross-entropy ({@code LossMCXENT}). */
        CE("ce"),
        /** SuperLoss over cross-entropy with the EMA threshold (momentum 0.9). */
        SUPERLOSS_EMA("superloss-ema"),
        /** SuperLoss over cross-entropy with the constant threshold ln C, the loss of a uniform guess. */
        SUPERLOSS_LNC("superloss-lnc");

        public final String id;

        Method(String id) {
            this.id = id;
        }

        /** A new loss instance for one network. */
        public ILossFunction newLoss(int classes, double lambda) {
            switch (this) {
                case CE:
                    return new LossMCXENT();
                case SUPERLOSS_EMA:
                    return SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(SuperLoss.DEFAULT_MOMENTUM))
                            .lambda(lambda).build();
                default:
                    return SuperLoss.builder(new LossMCXENT()).threshold(Threshold.constant(Math.log(classes)))
                            .lambda(lambda).build();
            }
        }

        public static Method of(String id) {
            for (Method m : values()) {
                if (m.id.equals(id)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown method '" + id + "', expected one of "
                    + Arrays.toString(Arrays.stream(values()).map(m -> m.id).toArray()));
        }
    }

    /** A classification data set with a clean training split and a clean test split. */
    public record Task(String name, INDArray trainFeatures, int[] trainLabels, DataSet test, int classes) {
        /** Digits: 1,297 training and 500 test rows, split after shuffling with {@code seed}. */
        public static Task digits(long seed) {
            Digits all = Digits.load().shuffled(seed);
            Digits train = all.range(0, Digits.TRAIN_SIZE);
            Digits test = all.range(Digits.TRAIN_SIZE, Digits.TRAIN_SIZE + Digits.TEST_SIZE);
            return new Task("digits", train.featureArray(), train.labels, test.dataSet(test.labels), Digits.CLASSES);
        }

        /** Full MNIST with its official split. */
        public static Task mnist(File dir) {
            DataSet train = Mnist.train(dir);
            return new Task("mnist", train.getFeatures(), classes(train.getLabels()), Mnist.test(dir), Mnist.CLASSES);
        }

        /** The training set with the given labels. */
        public DataSet trainSet(int[] labels) {
            return new DataSet(trainFeatures, Digits.oneHot(labels, classes));
        }

        private static int[] classes(INDArray oneHot) {
            return oneHot.argMax(1).toIntVector();
        }
    }

    /** Training settings shared by every run of one experiment. */
    public record Settings(int epochs, int batch, int hidden, double lambda, boolean logEpochs) {
    }

    /**
     * One trained network's numbers.
     *
     * @param flipped      which training labels were flipped
     * @param sigma        the final SuperLoss confidence per training example (null for cross-entropy)
     * @param aurocSigma   AUROC of 1 - sigma for finding the flipped labels (NaN for cross-entropy or p = 0)
     * @param aurocLoss    AUROC of 1 - p(given label), i.e. of the model's own cross-entropy, for the same task
     *                     (the baseline any model offers; NaN for p = 0)
     */
    public record Result(String dataset, Method method, double noise, long seed, int epochs, double lambda,
                         int trainSize, int flippedCount, double testAccuracy, double aurocSigma, double aurocLoss,
                         double finalTau, double seconds, boolean[] flipped, double[] sigma) {
    }

    private NoiseExperiment() {
    }

    /**
     * The noisy training labels of one (seed, p), the same for every method: symmetric noise drawn from a seed
     * derived from both.
     *
     * @param flipped receives whether each label was flipped
     */
    public static int[] noisyLabels(Task task, double noise, long seed, boolean[] flipped) {
        long noiseSeed = seed * 1_000_003L + Math.round(noise * 1000);
        return Digits.withSymmetricNoise(task.trainLabels(), task.classes(), noise, noiseSeed, flipped);
    }

    /** Trains one network with {@code method} on {@code task} with noise rate {@code noise}, and measures it. */
    public static Result run(Task task, Method method, double noise, long seed, Settings settings) {
        long start = System.nanoTime();
        boolean[] flipped = new boolean[task.trainLabels().length];
        int[] noisy = noisyLabels(task, noise, seed, flipped);
        int flippedCount = 0;
        for (boolean f : flipped) {
            flippedCount += f ? 1 : 0;
        }
        DataSet train = task.trainSet(noisy);
        ILossFunction loss = method.newLoss(task.classes(), settings.lambda());
        MultiLayerNetwork net = DigitsModels.mlp((int) task.trainFeatures().size(1), settings.hidden(),
                task.classes(), loss, seed);
        String tag = String.format(Locale.ROOT, "[%s %s p=%.2f seed=%d]", task.name(), method.id, noise, seed);
        DigitsModels.train(net, train, settings.epochs(), settings.batch(), seed, epoch -> {
            if (settings.logEpochs() && (settings.epochs() <= 10 || epoch % 10 == 0 || epoch == settings.epochs())) {
                System.out.printf(Locale.ROOT, "%s epoch %d/%d: last batch score %.4f%s, %.1f s%n", tag, epoch,
                        settings.epochs(), net.score(),
                        loss instanceof SuperLoss ? String.format(Locale.ROOT, ", tau %.4f", ((SuperLoss) loss).tau())
                                : "", (System.nanoTime() - start) / 1e9);
            }
        });
        double accuracy = DigitsModels.accuracy(net, task.test());

        double[] sigma = null;
        double aurocSigma = Double.NaN;
        double finalTau = Double.NaN;
        if (loss instanceof SuperLoss) {
            SuperLoss superLoss = (SuperLoss) loss;
            finalTau = superLoss.tau();
            sigma = new double[noisy.length];
            for (MislabelFinder.Suspect s : MislabelFinder.of(net).rank(train)) {
                sigma[(int) s.index()] = s.sigma();
            }
            if (flippedCount > 0) {
                double[] distrust = new double[sigma.length];
                for (int i = 0; i < sigma.length; i++) {
                    distrust[i] = 1.0 - sigma[i];
                }
                aurocSigma = Auroc.of(distrust, flipped);
            }
        }
        double aurocLoss = Double.NaN;
        if (flippedCount > 0) {
            INDArray probabilities = net.output(train.getFeatures(), false);
            double[] doubt = new double[noisy.length];
            for (int i = 0; i < noisy.length; i++) {
                doubt[i] = 1.0 - probabilities.getDouble(i, noisy[i]);
            }
            aurocLoss = Auroc.of(doubt, flipped);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(task.name(), method, noise, seed, settings.epochs(), settings.lambda(), noisy.length,
                flippedCount, accuracy, aurocSigma, aurocLoss, finalTau, seconds, flipped, sigma);
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> options = parse(args);
        String dataset = options.getOrDefault("dataset", "digits");
        boolean mnist = dataset.equals("mnist");
        if (!mnist && !dataset.equals("digits")) {
            throw new IllegalArgumentException("--dataset must be digits or mnist, got " + dataset);
        }
        double[] noise = Arrays.stream(options.getOrDefault("noise", mnist ? "0,0.4,0.8" : "0,0.2,0.4,0.6,0.8")
                .split(",")).mapToDouble(Double::parseDouble).toArray();
        long[] seeds = Arrays.stream(options.getOrDefault("seeds", "1,2,3").split(","))
                .mapToLong(Long::parseLong).toArray();
        List<Method> methods = new ArrayList<>();
        for (String id : options.getOrDefault("methods", "ce,superloss-ema,superloss-lnc").split(",")) {
            methods.add(Method.of(id));
        }
        Settings settings = new Settings(
                Integer.parseInt(options.getOrDefault("epochs", mnist ? "5" : "30")),
                Integer.parseInt(options.getOrDefault("batch", mnist ? "128" : "32")),
                Integer.parseInt(options.getOrDefault("hidden", mnist ? "256" : "128")),
                Double.parseDouble(options.getOrDefault("lambda", "1")),
                true);
        Path out = Paths.get(options.getOrDefault("out", "experiments/" + dataset));
        Files.createDirectories(out);
        Path results = out.resolve("results.csv");
        Path histograms = out.resolve("sigma-histograms.csv");
        Files.writeString(results, ExperimentReport.RESULTS_HEADER + "\n", StandardCharsets.UTF_8);
        Files.writeString(histograms, ExperimentReport.HISTOGRAM_HEADER + "\n", StandardCharsets.UTF_8);

        int total = noise.length * seeds.length * methods.size();
        int threads = Integer.parseInt(options.getOrDefault("threads", "1"));
        Task mnistTask = mnist ? Task.mnist(new File(options.getOrDefault("mnist-dir", Mnist.DEFAULT_DIR))) : null;
        System.out.printf(Locale.ROOT, "%s: %d runs (%d noise rates x %d seeds x %d methods) on %d thread(s), %s%n",
                dataset, total, noise.length, seeds.length, methods.size(), threads, settings);
        // Independent runs in parallel: each trains its own network with single-threaded ND4J ops
        // (OMP_NUM_THREADS=1), so N threads use N cores.
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Result>> futures = new ArrayList<>();
        AtomicInteger done = new AtomicInteger();
        for (double p : noise) {
            for (long seed : seeds) {
                Task task = mnist ? mnistTask : Task.digits(seed);
                for (Method method : methods) {
                    futures.add(pool.submit(() -> {
                        Result r = run(task, method, p, seed, settings);
                        synchronized (NoiseExperiment.class) {
                            append(results, ExperimentReport.csvRow(r));
                            if (r.sigma() != null && r.flippedCount() > 0) {
                                append(histograms, ExperimentReport.histogramRows(r));
                            }
                            System.out.printf(Locale.ROOT, "(%d/%d) %s %s p=%.2f seed=%d: test accuracy %.4f, "
                                            + "AUROC(1-sigma) %.4f, AUROC(loss) %.4f, tau %.4f, %.1f s%n",
                                    done.incrementAndGet(), total, dataset, method.id, p, seed, r.testAccuracy(),
                                    r.aurocSigma(), r.aurocLoss(), r.finalTau(), r.seconds());
                        }
                        return r;
                    }));
                }
            }
        }
        pool.shutdown();
        for (Future<Result> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                pool.shutdownNow();
                throw new IllegalStateException("a run failed", e.getCause());
            }
        }
        ExperimentReport.write(out, dataset);
        System.out.println("Wrote " + results + ", " + histograms + " and the report in " + out);
    }

    private static void append(Path file, String text) {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            w.write(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + Arrays.toString(args));
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}
