package io.superloss;

import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import io.superloss.examples.ReferenceLosses;
import io.superloss.parallel.ParallelWrapperThresholds;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SuperLoss under DL4J's ParallelWrapper (2 workers, CPU) with {@link ParallelWrapperThresholds}: worker 0 trains the
 * root network (and the user's SuperLoss), the other worker trains a copy built from the configuration's JSON (its own
 * SuperLoss); the workers' thresholds are merged at every averaging round and when {@code fit} ends.
 *
 * <p>The references are computed here from what each worker trained on: a listener shared by the workers records,
 * before every training call of every worker's network, the threshold state the call starts from and the per-example
 * cross-entropy the call's loss sees, computed in Java from the output layer's input, weights and labels (softmax
 * probabilities clipped to [1e-10, 1 - 1e-10] as LossMCXENT clips them). Networks are DOUBLE; tolerance 1e-9 relative:
 * the references sum the same doubles in another order and take the logarithm through another path.
 */
class ParallelWrapperTest {
    private static final int WORKERS = 2;
    private static final int BATCH = 32;
    private static final double REL = 1e-9;

    /** One training call of one worker's network: the state it started from and the base loss of each row. */
    private record Call(Model model, ThresholdSnapshot before, double[] losses) {
        double sum() {
            double s = 0;
            for (double l : losses) {
                s += l;
            }
            return s;
        }

        double mean() {
            return sum() / losses.length;
        }
    }

    /** Records every training call of every network it listens to, per network in call order. */
    private static final class CallRecorder extends BaseTrainingListener {
        final Map<Model, List<Call>> byModel = Collections.synchronizedMap(new IdentityHashMap<>());
        /** The networks in the order of their first training call. */
        final List<Model> models = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onForwardPass(Model model, List<INDArray> activations) {
            MultiLayerNetwork net = (MultiLayerNetwork) model;
            SuperLoss loss = (SuperLoss) DigitsModels.outputLoss(net);
            double[][] input = activations.get(activations.size() - 1).toDoubleMatrix();
            double[][] logits = ReferenceLosses.dense(input, net.getParam("1_W").toDoubleMatrix(),
                    net.getParam("1_b").toDoubleVector());
            Call call = new Call(model, loss.snapshot(), ReferenceLosses.crossEntropy(ReferenceLosses.softmax(logits),
                    net.getLabels().toDoubleMatrix()));
            byModel.computeIfAbsent(model, m -> {
                models.add(m);
                return Collections.synchronizedList(new ArrayList<>());
            }).add(call);
        }

        List<Call> calls(Model model) {
            return byModel.get(model);
        }

        List<Call> all() {
            List<Call> all = new ArrayList<>();
            for (Model m : models) {
                all.addAll(byModel.get(m));
            }
            return all;
        }
    }

    private static void assertClose(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= REL * Math.abs(expected),
                what + ": expected " + expected + " but was " + actual);
    }

    /** The digits training set in batches of 32 (41 batches: 40 of 32 rows and one of 17). */
    private static List<DataSet> trainBatches() {
        Digits train = Digits.load().shuffled(21).range(0, Digits.TRAIN_SIZE);
        return train.dataSet(train.labels).batchBy(BATCH);
    }

    /**
     * Pre-trains a DOUBLE MLP with {@code loss} on three batches (recorded), then trains it with a two-worker
     * ParallelWrapper with merged thresholds for {@code epochs} fit calls.
     */
    private static MultiLayerNetwork train(SuperLoss loss, CallRecorder recorder, int averagingFrequency, int epochs)
            throws Exception {
        List<DataSet> batches = trainBatches();
        MultiLayerNetwork root = DigitsModels.mlp(loss, 21, DataType.DOUBLE, new Adam(3e-3), 128);
        root.setListeners(recorder);
        for (int i = 0; i < 3; i++) {
            root.fit(batches.get(i));
        }
        try (ParallelWrapper wrapper = new ParallelWrapper.Builder<>(root).workers(WORKERS).prefetchBuffer(2)
                .averagingFrequency(averagingFrequency).build()) {
            assertSame(wrapper, ParallelWrapperThresholds.install(wrapper));
            for (int epoch = 0; epoch < epochs; epoch++) {
                wrapper.fit(new ExistingDataSetIterator(batches));
            }
        }
        return root;
    }

    @Test
    void globalMeanAfterFitIsTheMeanOverEveryRowOfEveryWorker() throws Exception {
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.globalMean()).build();
        CallRecorder recorder = new CallRecorder();
        // Averaging every 2 blocks: the last block of each fit (the 21st) is merged when fit ends, unaveraged.
        MultiLayerNetwork root = train(loss, recorder, 2, 3);

        List<Call> all = recorder.all();
        double sum = 0;
        int rows = 0;
        for (Call c : all) {
            sum += c.sum();
            rows += c.losses().length;
        }
        assertEquals(3 + 3 * 41, all.size(), "every batch trained once");
        assertEquals(3 * 1297 + 3 * 32, rows);
        ThresholdSnapshot state = loss.snapshot();
        assertClose(sum / rows, state.tau(), "tau: the mean loss over every worker's rows");
        assertEquals(all.size(), state.calls());
        assertEquals(rows, state.seenWeight());
        assertEquals(rows, state.rowWeight());
        assertEquals(1 + 3, recorder.models.size(), "the root and one copy per fit");

        // Training works: this MLP reaches about 0.95 alone on clean labels; chance is 0.1.
        Digits test = Digits.load().shuffled(21).range(Digits.TRAIN_SIZE, Digits.TRAIN_SIZE + Digits.TEST_SIZE);
        double accuracy = DigitsModels.accuracy(root, test.dataSet(test.labels));
        assertTrue(accuracy > 0.88, "test accuracy " + accuracy);
    }

    @Test
    void emaWorkersStartEveryRoundFromTheMergedState() throws Exception {
        SuperLoss loss = new SuperLoss(new LossMCXENT()); // EMA, momentum 0.9
        CallRecorder recorder = new CallRecorder();
        int epochs = 2;
        MultiLayerNetwork root = train(loss, recorder, 1, epochs);

        // Reference: the pre-training's EMA, then per block (averaging every block) each worker's EMA step from the
        // merged state, merged by the rows each worker saw.
        List<Call> rootCalls = recorder.calls(root);
        double tau = Double.NaN;
        for (Call c : rootCalls.subList(0, 3)) {
            tau = Double.isNaN(tau) ? c.mean() : tau - 0.1 * (tau - c.mean());
        }
        long calls = 3;
        int blocks = (41 + WORKERS - 1) / WORKERS;
        for (int epoch = 0; epoch < epochs; epoch++) {
            List<Call> copyCalls = recorder.calls(recorder.models.get(1 + epoch));
            assertEquals(41 / WORKERS, copyCalls.size());
            for (int block = 0; block < blocks; block++) {
                List<Call> workers = new ArrayList<>();
                workers.add(rootCalls.get(3 + epoch * blocks + block));
                if (block < copyCalls.size()) {
                    workers.add(copyCalls.get(block));
                }
                double weighted = 0;
                int rows = 0;
                for (Call c : workers) {
                    assertClose(tau, c.before().tau(), "epoch " + epoch + ", block " + block + ": a worker's start");
                    assertEquals(calls, c.before().calls(), "epoch " + epoch + ", block " + block + ": calls");
                    weighted += c.losses().length * (tau - 0.1 * (tau - c.mean()));
                    rows += c.losses().length;
                }
                tau = weighted / rows;
                calls += workers.size();
            }
        }
        assertClose(tau, loss.tau(), "tau after fit");
        assertEquals(calls, loss.snapshot().calls());
    }

    @Test
    void constantThresholdStaysAndEveryCallIsCounted() throws Exception {
        SuperLoss loss = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.constant(Math.log(10))).build();
        CallRecorder recorder = new CallRecorder();
        train(loss, recorder, 3, 1);
        for (Call c : recorder.all()) {
            assertEquals(Math.log(10), c.before().tau(), "every worker trains with the constant");
        }
        assertEquals(Math.log(10), loss.tau());
        assertEquals(3 + 41, loss.snapshot().calls());
        assertEquals(1297 + 3 * 32, loss.snapshot().seenWeight());
    }

    @Test
    void installRefusesAGradientSharingWrapper() throws Exception {
        MultiLayerNetwork net = DigitsModels.mlp(new SuperLoss(new LossMCXENT()), 1);
        try (ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net).workers(WORKERS)
                .trainingMode(ParallelWrapper.TrainingMode.SHARED_GRADIENTS).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ParallelWrapperThresholds.install(wrapper));
            assertTrue(e.getMessage().contains("AVERAGING"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ParallelWrapperThresholds.install(null));
    }
}
