package io.superloss;

import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Cnn3DLossLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The loss function of DL4J's loss-bearing layer configurations: the output layers ({@link BaseOutputLayer}: output,
 * RNN output, center-loss output) and the loss layers ({@link LossLayer}, {@link RnnLossLayer}, {@link CnnLossLayer},
 * {@link Cnn3DLossLayer}). Each declares its own {@code lossFn} property; a layer reads it on every training call, so
 * replacing it changes the loss the layer trains with from the next call on.
 */
final class LayerLosses {
    private LayerLosses() {
    }

    /** The layer's loss function; null for a layer that has none. */
    static ILossFunction lossOf(Layer conf) {
        if (conf instanceof BaseOutputLayer) {
            return ((BaseOutputLayer) conf).getLossFn();
        } else if (conf instanceof LossLayer) {
            return ((LossLayer) conf).getLossFn();
        } else if (conf instanceof RnnLossLayer) {
            return ((RnnLossLayer) conf).getLossFn();
        } else if (conf instanceof CnnLossLayer) {
            return ((CnnLossLayer) conf).getLossFn();
        } else if (conf instanceof Cnn3DLossLayer) {
            return ((Cnn3DLossLayer) conf).getLossFn();
        }
        return null;
    }

    /**
     * Replaces the layer's loss function.
     *
     * @throws IllegalArgumentException naming the layer class when it has no loss function
     */
    static void setLoss(Layer conf, ILossFunction loss) {
        if (conf instanceof BaseOutputLayer) {
            ((BaseOutputLayer) conf).setLossFn(loss);
        } else if (conf instanceof LossLayer) {
            ((LossLayer) conf).setLossFn(loss);
        } else if (conf instanceof RnnLossLayer) {
            ((RnnLossLayer) conf).setLossFn(loss);
        } else if (conf instanceof CnnLossLayer) {
            ((CnnLossLayer) conf).setLossFn(loss);
        } else if (conf instanceof Cnn3DLossLayer) {
            ((Cnn3DLossLayer) conf).setLossFn(loss);
        } else {
            throw new IllegalArgumentException("layer " + (conf == null ? null : conf.getClass().getName())
                    + " has no loss function");
        }
    }
}
