package io.superloss;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Threshold}: the policies' configuration and JSON, and {@link Threshold#merge} of the states of several
 * training workers, each checked against a reference computed here from the rows every worker trained on.
 *
 * <p>Every worker is a SuperLoss of its own, restored from the same base state and trained on its own batches of an
 * MSE regression (identity activation), whose per-row loss is written out here. Tolerance 1e-12 relative: the
 * references sum the same numbers in another order.
 */
class ThresholdTest {
    private static final double REL = 1e-12;

    /** One batch: predictions, targets and per-row mask weights (null: no mask). */
    private record Batch(double[][] pre, double[][] labels, double[] weight) {
        /** Per-row MSE: the mean over outputs of the squared error. */
        double loss(int row) {
            double s = 0;
            for (int j = 0; j < pre[row].length; j++) {
                double d = pre[row][j] - labels[row][j];
                s += d * d;
            }
            return s / pre[row].length;
        }

        double weightOf(int row) {
            return weight == null ? 1.0 : weight[row];
        }

        double weightSum() {
            double s = 0;
            for (int r = 0; r < pre.length; r++) {
                s += weightOf(r);
            }
            return s;
        }

        double weightedLossSum() {
            double s = 0;
            for (int r = 0; r < pre.length; r++) {
                s += weightOf(r) * loss(r);
            }
            return s;
        }

        double mean() {
            return weightedLossSum() / weightSum();
        }

        void train(SuperLoss loss) {
            INDArray mask = weight == null ? null : Nd4j.createFromArray(weight).reshape(weight.length, 1);
            loss.computeGradient(Nd4j.createFromArray(labels), Nd4j.createFromArray(pre), new ActivationIdentity(),
                    mask);
        }
    }

    private static Batch batch(Random random, int rows, boolean masked) {
        double[][] pre = new double[rows][3];
        double[][] labels = new double[rows][3];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < 3; j++) {
                pre[r][j] = random.nextGaussian();
                labels[r][j] = random.nextGaussian();
            }
        }
        double[] weight = null;
        if (masked) {
            weight = new double[rows];
            for (int r = 0; r < rows; r++) {
                weight[r] = r % 3 == 0 ? 0.0 : 0.25 + r % 2; // masked rows and fractional weights
            }
        }
        return new Batch(pre, labels, weight);
    }

    private static SuperLoss loss(Threshold threshold, int warmup) {
        return SuperLoss.builder(new LossMSE()).threshold(threshold).warmupIterations(warmup).build();
    }

    /** The worker states after each worker, restored from {@code base}, trained on its batches. */
    private static List<ThresholdSnapshot> trainWorkers(Threshold threshold, int warmup, ThresholdSnapshot base,
                                                        List<List<Batch>> perWorker) {
        List<ThresholdSnapshot> states = new ArrayList<>();
        for (List<Batch> batches : perWorker) {
            SuperLoss worker = loss(threshold, warmup);
            worker.restore(base);
            for (Batch b : batches) {
                b.train(worker);
            }
            states.add(worker.snapshot());
        }
        return states;
    }

    private static void assertClose(double expected, double actual, String what) {
        TestUtils.assertClose(expected, actual, REL, 0.0, what);
    }

    /** Three workers with 2, 1 and 0 batches (one masked) after a base of one batch. */
    private static List<List<Batch>> workerBatches(Random random) {
        return List.of(
                List.of(batch(random, 5, false), batch(random, 7, true)),
                List.of(batch(random, 4, true)),
                List.of());
    }

    @Test
    void globalMeanMergeIsTheMeanOverTheBaseRowsAndEveryWorkersRows() {
        Random random = new Random(11);
        Batch first = batch(random, 6, false);
        SuperLoss driver = loss(Threshold.globalMean(), 0);
        first.train(driver);
        ThresholdSnapshot base = driver.snapshot();
        List<List<Batch>> perWorker = workerBatches(random);
        List<ThresholdSnapshot> workers = trainWorkers(Threshold.globalMean(), 0, base, perWorker);

        double sum = first.weightedLossSum();
        double weight = first.weightSum();
        for (List<Batch> batches : perWorker) {
            for (Batch b : batches) {
                sum += b.weightedLossSum();
                weight += b.weightSum();
            }
        }
        ThresholdSnapshot merged = Threshold.globalMean().merge(base, workers);
        assertClose(sum / weight, merged.tau(), "tau");
        assertClose(weight, merged.rowWeight(), "rowWeight");
        assertClose(weight, merged.seenWeight(), "seenWeight");
        assertEquals(1 + 2 + 1, merged.calls());

        // Restored into the driver, training continues from the merged running mean.
        driver.restore(merged);
        Batch next = batch(random, 3, false);
        next.train(driver);
        assertClose((sum + next.weightedLossSum()) / (weight + next.weightSum()), driver.tau(), "tau after restore");
    }

    /** The EMA recurrence of {@link Threshold#ema}, written out: tau after the given batches from {@code tau}. */
    private static double ema(double momentum, double tau, List<Batch> batches) {
        for (Batch b : batches) {
            tau = Double.isNaN(tau) ? b.mean() : momentum * tau + (1 - momentum) * b.mean();
        }
        return tau;
    }

    @Test
    void emaMergeWeightsEachWorkersThresholdByTheRowsItSaw() {
        Random random = new Random(12);
        Batch first = batch(random, 6, false);
        SuperLoss driver = loss(Threshold.ema(0.9), 0);
        first.train(driver);
        ThresholdSnapshot base = driver.snapshot();
        List<List<Batch>> perWorker = workerBatches(random);
        List<ThresholdSnapshot> workers = trainWorkers(Threshold.ema(0.9), 0, base, perWorker);

        double weighted = 0;
        double weight = 0;
        for (List<Batch> batches : perWorker) {
            double seen = batches.stream().mapToDouble(Batch::weightSum).sum();
            weighted += seen * ema(0.9, first.mean(), batches);
            weight += seen;
        }
        ThresholdSnapshot merged = Threshold.ema(0.9).merge(base, workers);
        assertClose(weighted / weight, merged.tau(), "tau");
        assertEquals(4, merged.calls());
        assertClose(first.weightSum() + weight, merged.seenWeight(), "seenWeight");
        assertEquals(0.0, merged.rowWeight());
    }

    @Test
    void warmUpEndsOnTheMergedCallCount() {
        // Warm-up of 2 calls; each worker makes 2 calls from an untrained base, so no worker leaves its warm-up, but
        // the merged state has 4 calls: the next training call is an ordinary EMA step.
        Random random = new Random(13);
        ThresholdSnapshot base = loss(Threshold.ema(0.5), 2).snapshot();
        List<List<Batch>> perWorker = List.of(List.of(batch(random, 4, false), batch(random, 5, false)),
                List.of(batch(random, 3, true), batch(random, 6, false)));
        List<ThresholdSnapshot> workers = trainWorkers(Threshold.ema(0.5), 2, base, perWorker);
        double weighted = 0;
        double weight = 0;
        for (List<Batch> batches : perWorker) {
            double seen = batches.get(0).weightSum() + batches.get(1).weightSum();
            weighted += seen * batches.get(1).mean(); // during warm-up tau is the last batch mean
            weight += seen;
        }
        ThresholdSnapshot merged = Threshold.ema(0.5).merge(base, workers);
        assertClose(weighted / weight, merged.tau(), "tau");
        assertEquals(4, merged.calls());

        SuperLoss driver = loss(Threshold.ema(0.5), 2);
        driver.restore(merged);
        Batch next = batch(random, 4, false);
        next.train(driver);
        assertClose(0.5 * merged.tau() + 0.5 * next.mean(), driver.tau(), "first step after the warm-up");
    }

    @Test
    void globalMeanWorkersStillInWarmUpMergeTheirBatchMeans() {
        Random random = new Random(14);
        ThresholdSnapshot base = loss(Threshold.globalMean(), 5).snapshot();
        List<List<Batch>> perWorker = List.of(List.of(batch(random, 4, false)), List.of(batch(random, 6, true)));
        List<ThresholdSnapshot> workers = trainWorkers(Threshold.globalMean(), 5, base, perWorker);
        double w0 = perWorker.get(0).get(0).weightSum();
        double w1 = perWorker.get(1).get(0).weightSum();
        double expected = (w0 * perWorker.get(0).get(0).mean() + w1 * perWorker.get(1).get(0).mean()) / (w0 + w1);
        ThresholdSnapshot merged = Threshold.globalMean().merge(base, workers);
        assertClose(expected, merged.tau(), "tau");
        assertEquals(0.0, merged.rowWeight(), "warm-up rows are not part of the global mean");
        assertEquals(2, merged.calls());
    }

    @Test
    void constantMergeKeepsTauAndCountsCalls() {
        Random random = new Random(15);
        ThresholdSnapshot base = loss(Threshold.constant(0.7), 0).snapshot();
        List<List<Batch>> perWorker = workerBatches(random);
        List<ThresholdSnapshot> workers = trainWorkers(Threshold.constant(0.7), 0, base, perWorker);
        ThresholdSnapshot merged = Threshold.constant(0.7).merge(base, workers);
        assertEquals(0.7, merged.tau());
        assertEquals(3, merged.calls());
        assertEquals(0.0, merged.rowWeight());
    }

    @Test
    void aSingleTrainedWorkerGivesExactlyItsOwnState() {
        Random random = new Random(16);
        for (Threshold threshold : List.of(Threshold.ema(0.9), Threshold.globalMean(), Threshold.constant(1.5))) {
            SuperLoss driver = loss(threshold, 1);
            batch(random, 5, false).train(driver);
            ThresholdSnapshot base = driver.snapshot();
            List<ThresholdSnapshot> workers = trainWorkers(threshold, 1, base,
                    List.of(List.of(), List.of(batch(random, 4, true), batch(random, 3, false)), List.of()));
            assertEquals(workers.get(1), threshold.merge(base, workers), threshold.toString());
            assertEquals(base, threshold.merge(base, Collections.emptyList()), threshold.toString());
        }
    }

    @Test
    void workerStatesThatDoNotDescendFromTheBaseAreLeftOut() {
        Random random = new Random(17);
        SuperLoss driver = loss(Threshold.globalMean(), 0);
        batch(random, 5, false).train(driver);
        batch(random, 5, false).train(driver);
        ThresholdSnapshot base = driver.snapshot();
        List<ThresholdSnapshot> valid = trainWorkers(Threshold.globalMean(), 0, base,
                List.of(List.of(batch(random, 4, false)), List.of(batch(random, 6, false))));
        ThresholdSnapshot expected = Threshold.globalMean().merge(base, valid);

        List<ThresholdSnapshot> withBad = new ArrayList<>(valid);
        withBad.add(ThresholdSnapshot.of(Double.NaN, 0, 0.0, 0.0)); // an untrained copy: fewer calls than the base
        withBad.add(ThresholdSnapshot.of(Double.NaN, base.calls() + 1, base.rowWeight() + 3,
                base.seenWeight() + 3)); // counted calls but no threshold
        withBad.add(ThresholdSnapshot.of(1.0, base.calls() + 1, base.rowWeight(), base.seenWeight())); // no new rows
        assertEquals(expected, Threshold.globalMean().merge(base, withBad));
    }

    @Test
    void mergeRejectsNullArguments() {
        ThresholdSnapshot base = ThresholdSnapshot.of(1.0, 1, 1.0, 1.0);
        Threshold t = Threshold.globalMean();
        assertThrows(IllegalArgumentException.class, () -> t.merge(null, List.of(base)));
        assertThrows(IllegalArgumentException.class, () -> t.merge(base, null));
        assertThrows(IllegalArgumentException.class, () -> t.merge(base, Arrays.asList(base, null)));
    }

    @Test
    void policiesAreValidatedValuesWithTheirJsonForm() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Threshold.constant(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Threshold.constant(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Threshold.ema(1.0));
        assertThrows(IllegalArgumentException.class, () -> Threshold.ema(0.0));
        assertThrows(IllegalArgumentException.class, () -> Threshold.ema(Double.NaN));
        assertEquals(Threshold.ema(0.9), Threshold.ema(0.9));
        assertEquals(Threshold.ema(0.9).hashCode(), Threshold.ema(0.9).hashCode());
        assertEquals(Threshold.globalMean(), Threshold.globalMean());
        assertTrue(!Threshold.constant(0.9).equals(Threshold.ema(0.9)));
        org.nd4j.shade.jackson.databind.ObjectMapper mapper =
                org.deeplearning4j.nn.conf.NeuralNetConfiguration.mapper();
        String[][] forms = {
            {"{\"kind\":\"CONSTANT\",\"value\":0.75}", "Threshold.constant(0.75)"},
            {"{\"kind\":\"EMA\",\"momentum\":0.9}", "Threshold.ema(0.9)"},
            {"{\"kind\":\"GLOBAL_MEAN\"}", "Threshold.globalMean()"},
        };
        for (String[] form : forms) {
            Threshold t = mapper.readValue(form[0], Threshold.class);
            assertEquals(form[1], t.toString());
            assertEquals(form[0], mapper.writeValueAsString(t).replaceAll("\\s", ""));
        }
        assertThrows(Exception.class, () -> mapper.readValue("{\"kind\":\"EMA\"}", Threshold.class));
    }
}
