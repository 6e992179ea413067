package io.superloss.examples;

import io.superloss.SuperLoss;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The README's offline demo: digits with 40% symmetric label noise, cross-entropy vs SuperLoss, and the training
 * samples SuperLoss trusts least. Runs in well under a minute on 2 cores, without network.
 *
 * <pre>mvn -q test-compile exec:java</pre>
 */
public final class NoisyDigitsDemo {
    static final long SEED = 42;
    static final double NOISE = 0.4;
    static final int EPOCHS = 30;
    static final int BATCH = 32;

    private NoisyDigitsDemo() {
    }

    public static void main(String[] args) {
        Digits all = Digits.load().shuffled(SEED);
        Digits train = all.range(0, Digits.TRAIN_SIZE);
        Digits test = all.range(Digits.TRAIN_SIZE, Digits.TRAIN_SIZE + Digits.TEST_SIZE);
        boolean[] flipped = new boolean[train.labels.length];
        int[] noisy = Digits.withSymmetricNoise(train.labels, Digits.CLASSES, NOISE, SEED, flipped);
        DataSet trainSet = train.dataSet(noisy);
        DataSet testSet = test.dataSet(test.labels);
        System.out.printf("Digits: %d training samples (%d labels flipped, noise %.0f%%), %d clean test samples%n",
                noisy.length, IntStream.range(0, noisy.length).filter(i -> flipped[i]).count(), 100 * NOISE,
                test.labels.length);

        MultiLayerNetwork crossEntropy = DigitsModels.mlp(new LossMCXENT(), SEED);
        DigitsModels.train(crossEntropy, trainSet, EPOCHS, BATCH, SEED);
        SuperLoss superLoss = new SuperLoss(new LossMCXENT());
        MultiLayerNetwork robust = DigitsModels.mlp(superLoss, SEED);
        DigitsModels.train(robust, trainSet, EPOCHS, BATCH, SEED);

        System.out.printf("Clean test accuracy after %d epochs: cross-entropy %.3f, SuperLoss %.3f (tau = %.4f)%n",
                EPOCHS, DigitsModels.accuracy(crossEntropy, testSet), DigitsModels.accuracy(robust, testSet),
                superLoss.tau());

        INDArray preOutput = DigitsModels.outputPreActivation(robust, trainSet.getFeatures());
        double[] sigma = superLoss.confidence(trainSet.getLabels(), preOutput, new ActivationSoftmax(), null)
                .toDoubleVector();
        Integer[] order = IntStream.range(0, sigma.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> sigma[i]));
        System.out.println("The 10 training samples with the lowest confidence:");
        System.out.println("  index  sigma     label  true  flipped");
        int hits = 0;
        for (int k = 0; k < 10; k++) {
            int i = order[k];
            hits += flipped[i] ? 1 : 0;
            System.out.printf("  %5d  %.6f  %5d  %4d  %s%n", i, sigma[i], noisy[i], train.labels[i],
                    flipped[i] ? "yes" : "no");
        }
        System.out.printf("%d of these 10 were flipped (%.0f%% of all training labels were).%n", hits, 100 * NOISE);
    }
}
