package io.superloss;

import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.superloss.TestUtils.column;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One SuperLoss instance trained from many threads at once (what {@code net.clone()} copies do: they share the loss
 * object) never loses or tears a threshold update. Stress tests: {@value #THREADS} threads x
 * {@link SuperLossVariant#stressCallsPerThread()} training calls each (1000 for FUSED and GRAPH, fewer for the
 * composite graph, whose calls cost most), all released at once; they are tagged {@code stress}, which
 * {@code mvn test} leaves out and {@code .ci/run} runs as a stage of its own.
 */
class SuperLossConcurrencyTest {
    private static final int THREADS = 8;
    private static final ActivationIdentity IDENTITY = new ActivationIdentity();

    /** Runs {@code task(threadIndex)} on {@value #THREADS} threads released together; rethrows the first failure. */
    private static <T> List<T> runConcurrently(int threads, ThreadTask<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int index = t;
                futures.add(pool.submit((Callable<T>) () -> {
                    start.await();
                    return task.run(index);
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(5, TimeUnit.MINUTES));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface ThreadTask<T> {
        T run(int threadIndex) throws Exception;
    }

    /** A batch of MSE rows: pre-outputs k/8 (so the losses k^2/64 are exact) and per-row mask weights. */
    private record Batch(double[] pre, double[] weight) {
        static Batch random(Random r) {
            int rows = 1 + r.nextInt(6);
            double[] pre = new double[rows];
            double[] weight = new double[rows];
            double[] weights = {0.0, 0.25, 1.0, 2.0}; // powers of two: w * l / w == l exactly
            for (int i = 0; i < rows; i++) {
                pre[i] = r.nextInt(81) / 8.0;
                weight[i] = weights[r.nextInt(weights.length)];
            }
            return new Batch(pre, weight);
        }

        boolean counted() {
            for (double w : weight) {
                if (w != 0.0) {
                    return true;
                }
            }
            return false;
        }

        void train(SuperLoss loss) {
            loss.computeGradient(Nd4j.zeros(DataType.DOUBLE, pre.length, 1), column(pre), IDENTITY, column(weight));
        }
    }

    @Test
    void netCloneSharesTheLossInstance() {
        SuperLoss loss = new SuperLoss(new LossMCXENT());
        MultiLayerNetwork net = DigitsModels.mlp(loss, 1);
        MultiLayerNetwork copy = net.clone();
        assertSame(loss, DigitsModels.outputLoss(copy), "a shallow layer clone keeps the loss object");
    }

    /**
     * A short run that {@code mvn test} keeps: training and scoring calls from {@value #THREADS} threads, thread t
     * training on two rows of loss (t + 1)^2, so the global mean is exactly sum (t + 1)^2 / 8 = 25.5 whatever the
     * interleaving (every partial mean is a mean of small integers: the running mean is exact to ~1e-15). The composite
     * graph makes fewer calls (each executes well over a hundred SameDiff ops); the SameDiff {@code tau} variable shows
     * the same threshold.
     */
    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void concurrentTrainingAndScoringCallsKeepTheExactMean(SuperLossVariant variant) throws Exception {
        SuperLoss loss = variant.build(SuperLoss.builder(new LossMSE()).threshold(Threshold.globalMean()));
        int calls = variant == SuperLossVariant.GRAPH_COMPOSITE ? 15 : 200;
        runConcurrently(THREADS, t -> {
            double v = t + 1;
            for (int c = 0; c < calls; c++) {
                loss.computeGradient(Nd4j.zeros(DataType.DOUBLE, 2, 1), column(v, v), IDENTITY, null);
                loss.computeScore(Nd4j.zeros(DataType.DOUBLE, 2, 1), column(v, v), IDENTITY, null, true);
            }
            return null;
        });
        assertEquals(25.5, loss.tau(), 1e-12);
        assertEquals(THREADS * calls, loss.snapshot().calls());
        assertEquals(loss.tau(), loss.sameDiff().getVariable("tau").getArr().getDouble(0), 0.0);
    }

    @Tag("stress")
    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void globalMeanIsTheExactMeanOfEveryRowSeenUnderConcurrentTraining(SuperLossVariant variant) throws Exception {
        SuperLoss loss = variant.build(SuperLoss.builder(new LossMSE()).threshold(Threshold.globalMean()));
        List<List<Batch>> seen = runConcurrently(THREADS, t -> {
            Random r = new Random(1000 + t);
            List<Batch> batches = new ArrayList<>();
            for (int c = 0; c < variant.stressCallsPerThread(); c++) {
                Batch b = Batch.random(r);
                b.train(loss);
                batches.add(b);
            }
            return batches;
        });
        // The reference: sum(w l) / sum(w) over every row of every thread, exactly (BigDecimal of exact doubles).
        BigDecimal weighted = BigDecimal.ZERO;
        BigDecimal total = BigDecimal.ZERO;
        long counted = 0;
        for (List<Batch> batches : seen) {
            for (Batch b : batches) {
                counted += b.counted() ? 1 : 0;
                for (int i = 0; i < b.pre.length; i++) {
                    BigDecimal l = new BigDecimal(b.pre[i]).pow(2);
                    weighted = weighted.add(l.multiply(new BigDecimal(b.weight[i])));
                    total = total.add(new BigDecimal(b.weight[i]));
                }
            }
        }
        double expected = weighted.divide(total, MathContext.DECIMAL128).doubleValue();
        // The running mean rounds once per update (relative 1e-16 each, 8000 updates); dropping or tearing one
        // update of ~3 rows out of ~20,000 moves the mean by about 1e-4 relative.
        assertEquals(expected, loss.tau(), 1e-10 * expected, "global mean of all rows seen");
        assertEquals(counted, loss.snapshot().calls(), "every counted training call");
    }

    @Tag("stress")
    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void emaUpdatesWithOneBatchMeanGiveTheSequentialResultBitForBit(SuperLossVariant variant) throws Exception {
        // Every concurrent call uses batch mean 2.5, so all updates are the same function tau -> tau - (1-m)(tau-2.5)
        // and their order cannot matter: only a lost or torn update can change the result. With momentum 0.999 the
        // start value 100 is still visible after 8,000 updates (weight 0.999^8000 = 3e-4), so each update counts.
        SuperLoss.Builder builder = SuperLoss.builder(new LossMSE()).threshold(Threshold.ema(0.999));
        SuperLoss loss = variant.build(builder);
        SuperLoss sequential = variant.build(builder);
        double[][] shapes = {{1, 2}, {2, 1}, {1, 2, 2, 1}};
        for (SuperLoss l : new SuperLoss[] {loss, sequential}) {
            l.computeGradient(Nd4j.zeros(DataType.DOUBLE, 1, 1), column(10), IDENTITY, null);
        }
        runConcurrently(THREADS, t -> {
            double[] pre = shapes[t % shapes.length];
            for (int c = 0; c < variant.stressCallsPerThread(); c++) {
                loss.computeGradient(Nd4j.zeros(DataType.DOUBLE, pre.length, 1), column(pre), IDENTITY, null);
            }
            return null;
        });
        for (int c = 0; c < THREADS * variant.stressCallsPerThread(); c++) {
            sequential.computeGradient(Nd4j.zeros(DataType.DOUBLE, 2, 1), column(1, 2), IDENTITY, null);
        }
        assertEquals(sequential.tau(), loss.tau(), 0.0);
        assertEquals(1 + THREADS * variant.stressCallsPerThread(), loss.snapshot().calls());
        assertTrue(Math.abs(loss.tau() - 2.5) > 1e-3, "the start value must still be visible: " + loss.tau());
    }

    @Tag("stress")
    @ParameterizedTest
    @EnumSource(SuperLossVariant.class)
    void emaStaysAConvexCombinationOfTheBatchMeansWhileReadersRun(SuperLossVariant variant) throws Exception {
        SuperLoss loss = variant.build(SuperLoss.builder(new LossMSE()).threshold(Threshold.ema(0.9)));
        int readers = 2;
        AtomicBoolean training = new AtomicBoolean(true);
        // Trainer t feeds batches whose means lie in [(t+1)^2, (t+2)^2]; readers score and read tau meanwhile.
        List<double[]> ranges = runConcurrently(THREADS + readers, t -> {
            if (t >= THREADS) {
                double lo = Double.POSITIVE_INFINITY;
                double hi = Double.NEGATIVE_INFINITY;
                while (training.get()) {
                    double tau = loss.tau();
                    if (!Double.isNaN(tau)) {
                        lo = Math.min(lo, tau);
                        hi = Math.max(hi, tau);
                    }
                    double score = loss.computeScore(Nd4j.zeros(DataType.DOUBLE, 1, 1), column(3), IDENTITY, null,
                            false);
                    assertTrue(Double.isFinite(score), "score read during training: " + score);
                }
                return new double[] {lo, hi};
            }
            Random r = new Random(77 + t);
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            try {
                for (int c = 0; c < variant.stressCallsPerThread(); c++) {
                    double a = t + 1 + r.nextDouble();
                    double b = t + 1 + r.nextDouble();
                    loss.computeGradient(Nd4j.zeros(DataType.DOUBLE, 2, 1), column(a, b), IDENTITY, null);
                    double mean = (a * a + b * b) / 2;
                    lo = Math.min(lo, mean);
                    hi = Math.max(hi, mean);
                }
            } finally {
                if (t == 0) {
                    training.set(false); // trainers finish at about the same time; readers stop with the first
                }
            }
            return new double[] {lo, hi};
        });
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < THREADS; t++) {
            lo = Math.min(lo, ranges.get(t)[0]);
            hi = Math.max(hi, ranges.get(t)[1]);
        }
        for (int t = THREADS; t < THREADS + readers; t++) {
            double[] read = ranges.get(t);
            assertTrue(read[0] >= lo && read[1] <= hi, "tau read during training " + read[0] + ".." + read[1]
                    + " outside the batch means " + lo + ".." + hi);
        }
        assertTrue(loss.tau() >= lo && loss.tau() <= hi, "final tau " + loss.tau() + " outside " + lo + ".." + hi);
        assertEquals(THREADS * variant.stressCallsPerThread(), loss.snapshot().calls());
    }

    @Test
    void networkClonesTrainingInParallelCountEveryRowInTheSharedThreshold() throws Exception {
        // Learning rate 0 keeps every network's parameters, hence every row's base loss, fixed: the shared global
        // mean must then be the exact mean over all rows of all fits, whatever the interleaving.
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).build();
        MultiLayerNetwork root = DigitsModels.mlp(loss, 5, DataType.DOUBLE, new Sgd(0.0), 16);
        int networks = 4;
        int fits = 25;
        List<MultiLayerNetwork> nets = new ArrayList<>();
        nets.add(root);
        for (int i = 1; i < networks; i++) {
            nets.add(root.clone());
        }
        Digits digits = Digits.load().shuffled(11);
        List<DataSet> batches = new ArrayList<>();
        double sum = 0;
        for (int i = 0; i < networks; i++) {
            Digits part = digits.range(32 * i, 32 * (i + 1));
            DataSet batch = new DataSet(part.featureArray().castTo(DataType.DOUBLE),
                    Digits.oneHot(part.labels, Digits.CLASSES).castTo(DataType.DOUBLE));
            batches.add(batch);
            INDArray pre = DigitsModels.outputPreActivation(root, batch.getFeatures());
            sum += new LossMCXENT().computeScoreArray(batch.getLabels(), pre, new ActivationSoftmax(), null)
                    .sumNumber().doubleValue();
        }
        double expected = sum / (networks * 32);
        runConcurrently(networks, t -> {
            for (int i = 0; i < fits; i++) {
                nets.get(t).fit(batches.get(t));
            }
            return null;
        });
        assertEquals(networks * fits, loss.snapshot().calls());
        // DOUBLE networks: the in-network and the reference losses agree to ~1e-15; losing one of the 100 updates
        // would move tau by about 1e-3 relative.
        assertEquals(expected, loss.tau(), 1e-9 * expected);
    }
}
