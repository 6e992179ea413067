package io.superloss;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.CenterLossOutputLayer;
import org.deeplearning4j.nn.conf.layers.Cnn3DLossLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.ArrayList;
import java.util.List;

/**
 * What the library knows of DL4J's layers that end a network with a loss function, in one place: which layer
 * configurations carry an {@link ILossFunction} ({@code BaseOutputLayer} and its subclasses such as
 * {@code OutputLayer}, {@code CenterLossOutputLayer} and {@code RnnOutputLayer}; {@code LossLayer},
 * {@code RnnLossLayer}, {@code CnnLossLayer} and {@code Cnn3DLossLayer}: DL4J 1.0.0-M2.1 gives them no common
 * interface), how the ones that {@link MislabelFinder} supports turn their input into the pre-activation their loss
 * sees, and how to find a network's SuperLoss ({@link SuperLoss#of}).
 *
 * <p>Everything here works on layer configurations, never layer instances, so it works on networks that are not
 * initialised and on networks restored by {@code ModelSerializer} alike; a layer reads its loss function from its
 * configuration on every call, so {@link #setLossFunction} takes effect from the next call on.
 */
final class OutputLayers {
    /** How a layer forms the pre-activation its loss function sees from the layer's input, row by row. */
    enum PreActivation {
        /** input . W + b: {@code OutputLayer}, {@code CenterLossOutputLayer}, {@code RnnOutputLayer}. */
        DENSE,
        /** The input itself: {@code LossLayer}, {@code RnnLossLayer}. */
        INPUT
    }

    /** The layers {@link #preActivation} knows, for messages. */
    static final String PER_ROW_LAYERS =
            "OutputLayer, CenterLossOutputLayer, RnnOutputLayer, LossLayer and RnnLossLayer";

    private OutputLayers() {
    }

    /** The loss function of {@code layer}, or null when the layer carries none. */
    static ILossFunction lossFunction(Layer layer) {
        if (layer instanceof BaseOutputLayer l) {
            return l.getLossFn();
        } else if (layer instanceof LossLayer l) {
            return l.getLossFn();
        } else if (layer instanceof RnnLossLayer l) {
            return l.getLossFn();
        } else if (layer instanceof CnnLossLayer l) {
            return l.getLossFn();
        } else if (layer instanceof Cnn3DLossLayer l) {
            return l.getLossFn();
        }
        return null;
    }

    /**
     * Replaces the loss function of {@code layer}; the layer trains with it from its next call on.
     *
     * @throws IllegalArgumentException naming the layer class when it carries no loss function
     */
    static void setLossFunction(Layer layer, ILossFunction loss) {
        if (layer instanceof BaseOutputLayer l) {
            l.setLossFn(loss);
        } else if (layer instanceof LossLayer l) {
            l.setLossFn(loss);
        } else if (layer instanceof RnnLossLayer l) {
            l.setLossFn(loss);
        } else if (layer instanceof CnnLossLayer l) {
            l.setLossFn(loss);
        } else if (layer instanceof Cnn3DLossLayer l) {
            l.setLossFn(loss);
        } else {
            throw new IllegalArgumentException("layer " + (layer == null ? null : layer.getClass().getName())
                    + " has no loss function");
        }
    }

    /**
     * How {@code layer} forms its pre-activation, or null when it is none of the layers named in
     * {@link #PER_ROW_LAYERS} (whose loss sees one row per example, or per example and time step).
     */
    static PreActivation preActivation(Layer layer) {
        if (layer instanceof OutputLayer || layer instanceof CenterLossOutputLayer || layer instanceof RnnOutputLayer) {
            return PreActivation.DENSE;
        } else if (layer instanceof LossLayer || layer instanceof RnnLossLayer) {
            return PreActivation.INPUT;
        }
        return null;
    }

    /** The activation function of a layer that {@link #preActivation} knows. */
    static IActivation activation(Layer layer) {
        return ((BaseLayer) layer).getActivationFn();
    }

    /**
     * The data layout of a sequence output layer ({@code RnnOutputLayer}, {@code RnnLossLayer}; NCW when not set), or
     * null for any other layer.
     */
    static RNNFormat sequenceFormat(Layer layer) {
        RNNFormat format;
        if (layer instanceof RnnOutputLayer l) {
            format = l.getRnnDataFormat();
        } else if (layer instanceof RnnLossLayer l) {
            format = l.getRnnDataFormat();
        } else {
            return null;
        }
        return format == null ? RNNFormat.NCW : format;
    }

    /** The SuperLoss of the output layer of {@code net}; see {@link SuperLoss#of(MultiLayerNetwork)}. */
    static SuperLoss superLoss(MultiLayerNetwork net) {
        if (net == null) {
            throw new IllegalArgumentException("net must not be null");
        }
        List<NeuralNetConfiguration> confs = net.getLayerWiseConfigurations().getConfs();
        int last = confs.size() - 1;
        Layer output = confs.get(last).getLayer();
        if (lossFunction(output) instanceof SuperLoss loss) {
            return loss;
        }
        throw new IllegalArgumentException("the network has no output layer with a SuperLoss: its output layer is "
                + describe("layer " + last, output));
    }

    /**
     * The SuperLoss of the graph's output layer {@code layerName}, or, when {@code layerName} is null, of its only
     * output layer with a SuperLoss; see {@link SuperLoss#of(ComputationGraph, String)}.
     */
    static SuperLoss superLoss(ComputationGraph graph, String layerName) {
        if (graph == null) {
            throw new IllegalArgumentException("graph must not be null");
        }
        List<String> outputs = graph.getConfiguration().getNetworkOutputs();
        if (layerName != null) {
            if (!outputs.contains(layerName)) {
                throw new IllegalArgumentException("layerName '" + layerName + "' is not an output layer of the graph;"
                        + " its output layers are " + describeOutputs(graph));
            }
            if (lossFunction(layerOf(graph, layerName)) instanceof SuperLoss loss) {
                return loss;
            }
            throw new IllegalArgumentException("the graph's output layer "
                    + describe("'" + layerName + "'", layerOf(graph, layerName)) + " has no SuperLoss");
        }
        List<String> withSuperLoss = new ArrayList<>();
        for (String name : outputs) {
            if (lossFunction(layerOf(graph, name)) instanceof SuperLoss) {
                withSuperLoss.add(name);
            }
        }
        if (withSuperLoss.size() == 1) {
            return (SuperLoss) lossFunction(layerOf(graph, withSuperLoss.get(0)));
        }
        throw new IllegalArgumentException(withSuperLoss.isEmpty()
                ? "the graph has no output layer with a SuperLoss; its output layers are " + describeOutputs(graph)
                : "the graph has several output layers with a SuperLoss, " + withSuperLoss
                        + ": choose one with SuperLoss.of(graph, layerName)");
    }

    /** The layer configuration of vertex {@code name}, or null when that vertex is not a layer. */
    private static Layer layerOf(ComputationGraph graph, String name) {
        GraphVertex vertex = graph.getConfiguration().getVertices().get(name);
        return vertex instanceof LayerVertex v ? v.getLayerConf().getLayer() : null;
    }

    private static String describeOutputs(ComputationGraph graph) {
        List<String> described = new ArrayList<>();
        for (String name : graph.getConfiguration().getNetworkOutputs()) {
            described.add(describe("'" + name + "'", layerOf(graph, name)));
        }
        return String.join(", ", described);
    }

    /** "name (OutputLayer, loss LossMCXENT())", or "name (not a layer)". */
    private static String describe(String name, Layer layer) {
        if (layer == null) {
            return name + " (not a layer)";
        }
        ILossFunction loss = lossFunction(layer);
        return name + " (" + layer.getClass().getSimpleName() + (loss == null ? ", no loss function" : ", loss " + loss)
                + ")";
    }
}
