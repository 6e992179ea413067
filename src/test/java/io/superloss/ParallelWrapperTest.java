package io.superloss;

import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SuperLoss under DL4J's ParallelWrapper (2 workers, CPU). Unlike {@code net.clone()}, ParallelWrapper gives every
 * worker but the first its own network built from the root configuration's JSON, hence its own SuperLoss: worker 0
 * trains the root model (and so the user's SuperLoss instance), the other workers' thresholds start from the root's
 * state when {@code fit} starts them and evolve separately. The README section "Parallel training and tau" documents
 * this.
 */
class ParallelWrapperTest {
    private static final int WORKERS = 2;
    private static final int EPOCHS = 5;
    private static final int BATCH = 32;

    /** Records, per worker network, its SuperLoss and that loss's state before its first training call. */
    private static final class LossObserver extends BaseTrainingListener {
        final SuperLoss rootLoss;
        final Map<Model, SuperLoss> losses = new ConcurrentHashMap<>();
        final Map<SuperLoss, ThresholdSnapshot> initial = new ConcurrentHashMap<>();
        /** Every tau the root loss had just before one of its training calls. */
        final Set<Double> rootTaus = ConcurrentHashMap.newKeySet();

        LossObserver(SuperLoss rootLoss) {
            this.rootLoss = rootLoss;
            rootTaus.add(rootLoss.tau());
        }

        @Override
        public void onForwardPass(Model model, List<INDArray> activations) {
            SuperLoss loss = (SuperLoss) DigitsModels.outputLoss((MultiLayerNetwork) model);
            losses.putIfAbsent(model, loss);
            ThresholdSnapshot s = loss.snapshot();
            initial.putIfAbsent(loss, s);
            if (loss == rootLoss) {
                rootTaus.add(s.tau());
            }
        }
    }

    @Test
    void twoWorkersTrainWithSuperLossAndOnlyWorkerZeroMovesTheRootThreshold() throws Exception {
        Digits all = Digits.load().shuffled(21);
        Digits train = all.range(0, Digits.TRAIN_SIZE);
        Digits test = all.range(Digits.TRAIN_SIZE, Digits.TRAIN_SIZE + Digits.TEST_SIZE);
        List<DataSet> batches = train.dataSet(train.labels).batchBy(BATCH);
        DataSet testSet = test.dataSet(test.labels);

        SuperLoss loss = new SuperLoss(new LossMCXENT());
        MultiLayerNetwork root = DigitsModels.mlp(loss, 21);
        // A pre-trained root: its tau is what the worker copies must inherit.
        for (int i = 0; i < 3; i++) {
            root.fit(batches.get(i));
        }
        ThresholdSnapshot pretrained = loss.snapshot();
        double accuracyBefore = DigitsModels.accuracy(root, testSet);

        LossObserver observer = new LossObserver(loss);
        root.setListeners(observer);
        try (ParallelWrapper wrapper = new ParallelWrapper.Builder<>(root).workers(WORKERS).prefetchBuffer(2)
                .averagingFrequency(1).build()) {
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                wrapper.fit(new ExistingDataSetIterator(batches));
            }
        }

        double accuracy = DigitsModels.accuracy(root, testSet);
        // This MLP reaches about 0.95 alone on clean labels; chance is 0.1.
        assertTrue(accuracy > 0.88, "test accuracy " + accuracy + " (before: " + accuracyBefore + ")");
        assertTrue(Double.isFinite(loss.tau()) && loss.tau() > 0, "root tau " + loss.tau());

        // Worker 0 trains the root model with the user's loss; it receives the first batch of every block of WORKERS.
        assertEquals(loss, observer.losses.get(root));
        assertTrue(observer.losses.get(root) == loss, "worker 0 trains the root network and its SuperLoss");
        long rootCalls = (long) EPOCHS * ((batches.size() + WORKERS - 1) / WORKERS);
        assertEquals(pretrained.calls() + rootCalls, loss.snapshot().calls(),
                "the root threshold counts worker 0's batches only");

        // Worker 1 gets a new network per fit call, built from the root configuration's JSON: its own SuperLoss,
        // equal in configuration, starting from the root's state at that moment (never from scratch).
        Map<SuperLoss, Boolean> copies = new IdentityHashMap<>();
        for (Map.Entry<Model, SuperLoss> e : observer.losses.entrySet()) {
            if (e.getKey() != root) {
                assertNotSame(loss, e.getValue());
                assertEquals(loss, e.getValue(), "same configuration");
                copies.put(e.getValue(), Boolean.TRUE);
            }
        }
        assertEquals(EPOCHS, copies.size(), "one worker copy per fit call");
        List<Double> inherited = new ArrayList<>();
        for (SuperLoss copy : copies.keySet()) {
            ThresholdSnapshot start = observer.initial.get(copy);
            assertTrue(start.calls() >= pretrained.calls(), "copies continue the root's call count");
            assertTrue(observer.rootTaus.contains(start.tau()),
                    "a copy's first tau " + start.tau() + " must be a tau the root had");
            inherited.add(start.tau());
        }
        assertTrue(inherited.stream().allMatch(Double::isFinite), "copies inherit a trained tau: " + inherited);
    }
}
