package io.superloss;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Finds the training examples a trained network distrusts: it computes the SuperLoss confidence sigma of every
 * example (every example and time step for recurrent output layers) from the loss's current threshold and returns
 * them ranked by ascending sigma, so that the likely mislabeled or otherwise difficult examples come first.
 *
 * <pre>{@code
 * List<MislabelFinder.Suspect> suspects = MislabelFinder.of(net).rank(trainData);
 * for (MislabelFinder.Suspect s : suspects.subList(0, 20)) System.out.println(s.index() + " " + s.sigma());
 * }</pre>
 *
 * <p>sigma is a non-increasing function of the base loss: it saturates at e for every example whose loss lies below
 * tau - 2 lambda / e, so equal confidences are ordered by their base loss, highest first. The ranking is therefore the
 * ranking by base loss, and sigma adds how far each example sits above the threshold (sigma &lt; 1) or below it
 * (sigma &gt; 1).
 *
 * <p>Supported networks: a {@link MultiLayerNetwork}, or a {@link ComputationGraph} with one input and one output,
 * whose output layer is an {@code OutputLayer}, {@code CenterLossOutputLayer}, {@code RnnOutputLayer},
 * {@code LossLayer} or {@code RnnLossLayer}. The output layer's pre-activation is computed from the network's
 * inference-mode activations (input . W + b for the dense output layers, the input itself for the loss layers) and
 * passed to {@link SuperLoss#confidence}, which changes no state: ranking never moves the threshold nor
 * {@link SuperLoss#lastConfidence()}. Rows masked out by the label mask are left out (for 3-D data without a label
 * mask, the features mask is used, as DL4J does for sequence outputs).
 */
public final class MislabelFinder {
    private final Forward forward;
    private final OutputSide output;
    private final SuperLoss loss;

    /**
     * One row of the ranking: a training example (and time step, for sequence outputs) with its confidence.
     *
     * @param index    the example's position in the data, counted across batches in iteration order from 0
     * @param timeStep the time step for recurrent output layers, -1 for feed-forward output layers
     * @param sigma    the SuperLoss confidence: below 1 for examples harder than the threshold, NaN when the base loss
     *                 is NaN (ranked last)
     * @param loss     the base loss of the example as the wrapped loss function reports it (for rows with a per-row
     *                 mask weight other than 1, scaled by that weight)
     */
    public record Suspect(long index, int timeStep, double sigma, double loss) {
    }

    private MislabelFinder(Forward forward, Layer outputLayer, SuperLoss loss) {
        this.forward = forward;
        this.output = OutputSide.of(outputLayer);
        this.loss = loss == null ? output.ownSuperLoss() : loss;
    }

    /**
     * A finder for {@code net}, using the SuperLoss of its output layer.
     *
     * @throws IllegalArgumentException if the output layer's loss is not a {@link SuperLoss}
     * @throws UnsupportedOperationException if the output layer is of an unsupported type
     */
    public static MislabelFinder of(MultiLayerNetwork net) {
        return of(net, null);
    }

    /**
     * A finder for {@code net} that computes confidences with {@code loss} (normally the network's own SuperLoss;
     * null means that one).
     *
     * @throws UnsupportedOperationException if the output layer is of an unsupported type
     */
    public static MislabelFinder of(MultiLayerNetwork net, SuperLoss loss) {
        if (net == null) {
            throw new IllegalArgumentException("net must not be null");
        }
        int last = net.getnLayers() - 1;
        InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(last);
        Forward forward = (features, featuresMask, labelsMask) -> {
            List<INDArray> activations = net.feedForward(features, featuresMask, labelsMask);
            return preProcess(pre, activations.get(last), features);
        };
        return new MislabelFinder(forward, net.getOutputLayer(), loss);
    }

    /**
     * A finder for a single-input, single-output {@code graph}, using the SuperLoss of its output layer.
     *
     * @throws IllegalArgumentException if the graph has several inputs or outputs, or its loss is not a SuperLoss
     * @throws UnsupportedOperationException if the output layer is of an unsupported type
     */
    public static MislabelFinder of(ComputationGraph graph) {
        return of(graph, null);
    }

    /**
     * A finder for a single-input, single-output {@code graph} that computes confidences with {@code loss} (null
     * means the output layer's own SuperLoss).
     *
     * @throws IllegalArgumentException if the graph has several inputs or outputs
     * @throws UnsupportedOperationException if the output layer is of an unsupported type
     */
    public static MislabelFinder of(ComputationGraph graph, SuperLoss loss) {
        if (graph == null) {
            throw new IllegalArgumentException("graph must not be null");
        }
        List<String> outputs = graph.getConfiguration().getNetworkOutputs();
        List<String> inputs = graph.getConfiguration().getNetworkInputs();
        if (outputs.size() != 1 || inputs.size() != 1) {
            throw new IllegalArgumentException("MislabelFinder needs a graph with one input and one output, got inputs "
                    + inputs + " and outputs " + outputs);
        }
        String out = outputs.get(0);
        List<String> feeding = graph.getConfiguration().getVertexInputs().get(out);
        if (feeding == null || feeding.size() != 1) {
            throw new UnsupportedOperationException("the output layer '" + out + "' must have exactly one input vertex,"
                    + " got " + feeding);
        }
        GraphVertex vertex = graph.getConfiguration().getVertices().get(out);
        InputPreProcessor pre = vertex instanceof LayerVertex ? ((LayerVertex) vertex).getPreProcessor() : null;
        String source = feeding.get(0);
        Forward forward = (features, featuresMask, labelsMask) -> {
            graph.setLayerMaskArrays(featuresMask == null ? null : new INDArray[]{featuresMask},
                    labelsMask == null ? null : new INDArray[]{labelsMask});
            try {
                Map<String, INDArray> activations = graph.feedForward(new INDArray[]{features}, false);
                return preProcess(pre, activations.get(source), features);
            } finally {
                graph.clearLayerMaskArrays();
            }
        };
        return new MislabelFinder(forward, graph.getOutputLayer(0), loss);
    }

    /** The SuperLoss this finder computes confidences with. */
    public SuperLoss loss() {
        return loss;
    }

    /**
     * The examples of {@code data} ranked by ascending confidence, masked rows left out.
     *
     * @return an unmodifiable list, most suspicious first (ascending sigma, then descending base loss)
     * @throws IllegalStateException if the SuperLoss has a moving threshold that no training call has set yet
     */
    public List<Suspect> rank(DataSet data) {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        checkTrained();
        List<Suspect> suspects = new ArrayList<>();
        collect(data, 0, suspects);
        return sorted(suspects);
    }

    /**
     * The examples of every batch of {@code data} ranked by ascending confidence, masked rows left out; example
     * indices are counted across batches in iteration order. The iterator is reset first when it is exhausted and
     * supports it (as DL4J's {@code evaluate} does).
     *
     * @return an unmodifiable list, most suspicious first (ascending sigma, then descending base loss)
     * @throws IllegalStateException if the SuperLoss has a moving threshold that no training call has set yet
     */
    public List<Suspect> rank(DataSetIterator data) {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        checkTrained();
        if (!data.hasNext() && data.resetSupported()) {
            data.reset();
        }
        List<Suspect> suspects = new ArrayList<>();
        long offset = 0;
        while (data.hasNext()) {
            DataSet batch = data.next();
            collect(batch, offset, suspects);
            offset += batch.getFeatures().size(0);
        }
        return sorted(suspects);
    }

    private void checkTrained() {
        if (Double.isNaN(loss.tau())) {
            throw new IllegalStateException("the SuperLoss has not been trained: its " + loss.threshold()
                    + " threshold is not set yet, so confidences of different batches would not be comparable");
        }
    }

    private void collect(DataSet batch, long offset, List<Suspect> into) {
        INDArray features = batch.getFeatures();
        INDArray labels = batch.getLabels();
        if (features == null || labels == null) {
            throw new IllegalArgumentException("every DataSet needs features and labels, got features "
                    + shapeOf(features) + " and labels " + shapeOf(labels));
        }
        INDArray labelsMask = batch.getLabelsMaskArray();
        INDArray featuresMask = batch.getFeaturesMaskArray();
        INDArray layerInput = forward.outputLayerInput(features, featuresMask, labelsMask);
        Rows rows = output.rows(layerInput, labels, labelsMask, featuresMask);
        double[] sigma = loss.confidence(rows.labels, rows.preOutput, output.activation, rows.mask).toDoubleVector();
        double[] base = loss.inner().computeScoreArray(rows.labels, rows.preOutput, output.activation, rows.mask)
                .toDoubleVector();
        boolean[] masked = maskedRows(rows.mask, sigma.length);
        for (int r = 0; r < sigma.length; r++) {
            if (!masked[r]) {
                into.add(rows.timeSteps < 0
                        ? new Suspect(offset + r, -1, sigma[r], base[r])
                        : new Suspect(offset + r / rows.timeSteps, r % rows.timeSteps, sigma[r], base[r]));
            }
        }
    }

    /** SuperLoss's rule: a row is masked out when its mask is all zero. */
    private static boolean[] maskedRows(INDArray mask, int count) {
        boolean[] masked = new boolean[count];
        if (mask != null) {
            double[] rowMax = mask.amax(1).toDoubleVector();
            for (int r = 0; r < count; r++) {
                masked[r] = rowMax[r] == 0.0;
            }
        }
        return masked;
    }

    private static List<Suspect> sorted(List<Suspect> suspects) {
        // Saturated (equal) confidences are ordered by base loss, highest first; List.sort is stable, so full ties
        // keep the data order.
        suspects.sort(Comparator.comparingDouble(Suspect::sigma)
                .thenComparing(Comparator.comparingDouble(Suspect::loss).reversed()));
        return Collections.unmodifiableList(suspects);
    }

    private static INDArray preProcess(InputPreProcessor pre, INDArray activation, INDArray features) {
        if (pre == null) {
            return activation;
        }
        return pre.preProcess(activation, Math.toIntExact(features.size(0)), LayerWorkspaceMgr.noWorkspaces());
    }

    private static String shapeOf(INDArray a) {
        return a == null ? "null" : Arrays.toString(a.shape());
    }

    /** The network-specific forward pass up to (and including the preprocessor of) the output layer. */
    @FunctionalInterface
    private interface Forward {
        INDArray outputLayerInput(INDArray features, INDArray featuresMask, INDArray labelsMask);
    }

    /** The arrays SuperLoss sees for one batch: rank 2, one row per example (or example and time step). */
    private record Rows(INDArray labels, INDArray preOutput, INDArray mask, int timeSteps) {
    }

    /** How the supported output layers turn their input into the 2-D pre-activation their loss function sees. */
    private static final class OutputSide {
        final Layer layer;
        final IActivation activation;
        final boolean dense;
        final RNNFormat sequenceFormat;

        private OutputSide(Layer layer, IActivation activation, boolean dense, RNNFormat sequenceFormat) {
            this.layer = layer;
            this.activation = activation;
            this.dense = dense;
            this.sequenceFormat = sequenceFormat;
        }

        static OutputSide of(Layer layer) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            boolean dense = layer instanceof org.deeplearning4j.nn.layers.OutputLayer
                    || layer instanceof org.deeplearning4j.nn.layers.training.CenterLossOutputLayer
                    || layer instanceof org.deeplearning4j.nn.layers.recurrent.RnnOutputLayer;
            boolean identity = layer instanceof org.deeplearning4j.nn.layers.LossLayer
                    || layer instanceof org.deeplearning4j.nn.layers.recurrent.RnnLossLayer;
            if (!dense && !identity) {
                throw new UnsupportedOperationException("MislabelFinder supports OutputLayer, CenterLossOutputLayer, "
                        + "RnnOutputLayer, LossLayer and RnnLossLayer output layers, got "
                        + layer.getClass().getName());
            }
            IActivation activation = ((org.deeplearning4j.nn.conf.layers.BaseLayer) conf).getActivationFn();
            RNNFormat format = null;
            if (conf instanceof org.deeplearning4j.nn.conf.layers.RnnOutputLayer) {
                format = ((org.deeplearning4j.nn.conf.layers.RnnOutputLayer) conf).getRnnDataFormat();
            } else if (conf instanceof org.deeplearning4j.nn.conf.layers.RnnLossLayer) {
                format = ((org.deeplearning4j.nn.conf.layers.RnnLossLayer) conf).getRnnDataFormat();
            } else {
                return new OutputSide(layer, activation, dense, null);
            }
            return new OutputSide(layer, activation, dense, format == null ? RNNFormat.NCW : format);
        }

        SuperLoss ownSuperLoss() {
            ILossFunction fn = LayerLosses.lossOf(layer.conf().getLayer());
            if (!(fn instanceof SuperLoss)) {
                throw new IllegalArgumentException("the output layer's loss is " + fn + ", not a SuperLoss: pass the "
                        + "SuperLoss to use to MislabelFinder.of(net, loss)");
            }
            return (SuperLoss) fn;
        }

        Rows rows(INDArray input, INDArray labels, INDArray labelsMask, INDArray featuresMask) {
            if (sequenceFormat == null) {
                if (input.rank() != 2) {
                    throw new IllegalArgumentException("the output layer expects 2-D input, got "
                            + Arrays.toString(input.shape()));
                }
                return new Rows(labels, preOutput(input), labelsMask, -1);
            }
            if (input.rank() != 3 || labels.rank() != 3) {
                throw new IllegalArgumentException("a sequence output layer needs 3-D input and labels, got input "
                        + Arrays.toString(input.shape()) + " and labels " + Arrays.toString(labels.shape()));
            }
            INDArray in = toNcw(input);
            INDArray lab = toNcw(labels);
            int timeSteps = Math.toIntExact(in.size(2));
            INDArray mask = labelsMask != null ? labelsMask : featuresMask;
            INDArray mask2d = null;
            if (mask != null) {
                mask2d = mask.rank() == 3 ? flatten(toNcw(mask)) : mask.dup('c').reshape('c', mask.length(), 1);
            }
            return new Rows(flatten(lab), preOutput(flatten(in)), mask2d, timeSteps);
        }

        private INDArray preOutput(INDArray input2d) {
            if (!dense) {
                return input2d;
            }
            INDArray w = layer.getParam("W");
            INDArray z = input2d.castTo(w.dataType()).mmul(w);
            INDArray b = layer.getParam("b");
            return b == null ? z : z.addiRowVector(b);
        }

        private INDArray toNcw(INDArray a) {
            return sequenceFormat == RNNFormat.NWC ? a.permute(0, 2, 1) : a;
        }

        /** [examples, size, steps] to [examples * steps, size], row = example * steps + step. */
        private static INDArray flatten(INDArray ncw) {
            long examples = ncw.size(0);
            long size = ncw.size(1);
            long steps = ncw.size(2);
            return ncw.permute(0, 2, 1).dup('c').reshape('c', examples * steps, size);
        }
    }
}
