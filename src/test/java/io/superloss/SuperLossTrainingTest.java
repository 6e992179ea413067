package io.superloss;

import io.superloss.examples.Digits;
import io.superloss.examples.DigitsModels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A network with SuperLoss learns the digits. */
class SuperLossTrainingTest {
    @Test
    void superLossNetworkLearnsDigits() {
        Digits all = Digits.load().shuffled(1);
        Digits train = all.range(0, Digits.TRAIN_SIZE);
        Digits test = all.range(Digits.TRAIN_SIZE, Digits.TRAIN_SIZE + Digits.TEST_SIZE);
        SuperLoss loss = new SuperLoss(new LossMCXENT());
        MultiLayerNetwork net = DigitsModels.mlp(loss, 1);
        DataSet testSet = test.dataSet(test.labels);
        double before = DigitsModels.accuracy(net, testSet);
        DigitsModels.train(net, train.dataSet(train.labels), 8, 32, 1);
        double after = DigitsModels.accuracy(net, testSet);
        // Chance is 0.1; this MLP reaches about 0.95 on clean labels.
        assertTrue(after > 0.9, "test accuracy " + after + " (before training: " + before + ")");
        assertTrue(Double.isFinite(loss.tau()) && loss.tau() > 0, "tau " + loss.tau());
    }
}
