package example;

import io.superloss.SuperLoss;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.io.File;
import java.io.IOException;
import java.util.Random;

/**
 * The README's "Usage" code as a program of a project that depends on the installed superloss-dl4j and one ND4J
 * backend. Between the two marker comments the code is the README's, character for character (after removing the
 * indentation); scripts/check-readme-example.sh fails when they differ. The rest makes up the training data and checks
 * what the README promises.
 */
public final class ReadmeUsage {
    private ReadmeUsage() {
    }

    public static void main(String[] args) throws IOException {
        DataSetIterator trainIterator = teacherData(512, 64);

        // README "Usage" begins
        SuperLoss loss = new SuperLoss(new LossMCXENT());          // EMA threshold, lambda = 1
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .updater(new Adam(1e-3))
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(loss).nIn(256).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.fit(trainIterator, 5);                                 // train as usual, here 5 epochs
        System.out.println("score " + net.score() + ", threshold tau = " + loss.tau());

        File file = new File("model.zip");
        ModelSerializer.writeModel(net, file, true);               // with the updater state, to resume training
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        SuperLoss restoredLoss = SuperLoss.of(restored);           // the restored network's own SuperLoss
        System.out.println("restored tau = " + restoredLoss.tau());
        // README "Usage" ends

        try {
            check(Double.isFinite(loss.tau()), "training set tau: " + loss.tau());
            check(restoredLoss != loss && restoredLoss.tau() == loss.tau(),
                    "the restored network has its own SuperLoss with the same tau: " + restoredLoss.tau());
            restored.fit(trainIterator);
            check(SuperLoss.of(restored).tau() != loss.tau(), "training the restored network moves its tau");
        } finally {
            file.delete();
        }
        System.out.println("consumer OK: trained, tau set, SuperLoss.of found the restored network's threshold");
    }

    /**
     * {@code rows} random 784-feature examples in minibatches of {@code batchSize}, labelled by a fixed random linear
     * teacher (so there is something to learn), with one label in ten replaced by a random class (label noise).
     */
    private static DataSetIterator teacherData(int rows, int batchSize) {
        Nd4j.getRandom().setSeed(42);
        INDArray features = Nd4j.randn(DataType.FLOAT, rows, 784);
        INDArray teacher = Nd4j.randn(DataType.FLOAT, 784, 10);
        INDArray classes = features.mmul(teacher).argMax(1);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, rows, 10);
        Random random = new Random(42);
        for (int r = 0; r < rows; r++) {
            int label = random.nextInt(10) == 0 ? random.nextInt(10) : classes.getInt(r);
            labels.putScalar(r, label, 1.0);
        }
        return new ListDataSetIterator<>(new DataSet(features, labels).asList(), batchSize);
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("README example: " + what);
        }
    }
}
