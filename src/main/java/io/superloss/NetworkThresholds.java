package io.superloss;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SuperLoss thresholds of one network: every {@link SuperLoss} that a layer of a {@link MultiLayerNetwork} or a
 * {@link ComputationGraph} trains with (output layers and loss layers), keyed by its layer: the layer index
 * ({@code "0"}, {@code "1"}, ...) in a MultiLayerNetwork, the layer name in a ComputationGraph. Layers that share one
 * SuperLoss instance are one entry, under the first such layer's key.
 *
 * <p>It is the network-level form of {@link SuperLoss#snapshot()}, {@link Threshold#merge} and
 * {@link SuperLoss#restore}, for training engines that train copies of a network apart and combine them after each
 * averaging round (Spark, ParallelWrapper): each copy {@link #detach() detaches} its losses, trains, and reports its
 * {@link #snapshot()}; the network that averages the parameters {@link #merge merges} the copies' states, loss by
 * loss, into its own losses.
 *
 * <p>Not thread-safe as a whole; each loss's own state is (every snapshot and restore of one loss is atomic).
 */
public final class NetworkThresholds {
    private static final Logger log = LoggerFactory.getLogger(NetworkThresholds.class);

    /** One SuperLoss of the network and the layer configurations that train with it. */
    private static final class Slot {
        final String key;
        final List<org.deeplearning4j.nn.conf.layers.Layer> layers = new ArrayList<>();
        SuperLoss loss;

        Slot(String key, SuperLoss loss) {
            this.key = key;
            this.loss = loss;
        }
    }

    private final Map<String, Slot> slots;

    private NetworkThresholds(Map<String, Slot> slots) {
        this.slots = slots;
    }

    /**
     * The SuperLoss thresholds of an initialised {@link MultiLayerNetwork} or {@link ComputationGraph}; empty when no
     * layer trains with a SuperLoss.
     *
     * @throws IllegalArgumentException if {@code model} is null, of another type, or not initialised
     */
    public static NetworkThresholds of(Model model) {
        Map<String, Slot> slots = new LinkedHashMap<>();
        Map<SuperLoss, Slot> byLoss = new IdentityHashMap<>();
        if (model instanceof MultiLayerNetwork) {
            Layer[] layers = requireInitialised(((MultiLayerNetwork) model).getLayers(), model);
            for (int i = 0; i < layers.length; i++) {
                add(slots, byLoss, Integer.toString(i), layers[i]);
            }
        } else if (model instanceof ComputationGraph) {
            for (Layer layer : requireInitialised(((ComputationGraph) model).getLayers(), model)) {
                add(slots, byLoss, layer.conf().getLayer().getLayerName(), layer);
            }
        } else {
            throw new IllegalArgumentException("NetworkThresholds: model must be a MultiLayerNetwork or a "
                    + "ComputationGraph, got: " + (model == null ? null : model.getClass().getName()));
        }
        return new NetworkThresholds(slots);
    }

    private static Layer[] requireInitialised(Layer[] layers, Model model) {
        if (layers == null) {
            throw new IllegalArgumentException("NetworkThresholds: the " + model.getClass().getSimpleName()
                    + " is not initialised (call init() first)");
        }
        return layers;
    }

    private static void add(Map<String, Slot> slots, Map<SuperLoss, Slot> byLoss, String key, Layer layer) {
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        ILossFunction fn = OutputLayers.lossFunction(conf);
        if (!(fn instanceof SuperLoss)) {
            return;
        }
        Slot slot = byLoss.computeIfAbsent((SuperLoss) fn, loss -> {
            Slot s = new Slot(key, loss);
            slots.put(key, s);
            return s;
        });
        slot.layers.add(conf);
    }

    /** True when no layer of the network trains with a SuperLoss. */
    public boolean isEmpty() {
        return slots.isEmpty();
    }

    /** The keys of the network's SuperLoss instances, in layer order. */
    public Set<String> keys() {
        return Collections.unmodifiableSet(slots.keySet());
    }

    /**
     * The SuperLoss under {@code key}.
     *
     * @throws IllegalArgumentException naming the key and the known keys when there is none
     */
    public SuperLoss loss(String key) {
        return slot(key).loss;
    }

    private Slot slot(String key) {
        Slot s = slots.get(key);
        if (s == null) {
            throw new IllegalArgumentException("NetworkThresholds: no SuperLoss under key " + key + "; keys: "
                    + slots.keySet());
        }
        return s;
    }

    /** The state of every SuperLoss, by key (an unmodifiable, serializable map in layer order). */
    public Map<String, ThresholdSnapshot> snapshot() {
        Map<String, ThresholdSnapshot> states = new LinkedHashMap<>();
        for (Slot s : slots.values()) {
            states.put(s.key, s.loss.snapshot());
        }
        return Collections.unmodifiableMap(states);
    }

    /**
     * Restores every SuperLoss from {@code states}.
     *
     * @throws IllegalArgumentException if {@code states} is null or lacks one of the keys (nothing is restored then)
     */
    public void restore(Map<String, ThresholdSnapshot> states) {
        requireEveryKey("states", states);
        for (Slot s : slots.values()) {
            s.loss.restore(states.get(s.key));
        }
    }

    /**
     * Merges the states of workers that each started from {@code base} ({@link Threshold#merge}, loss by loss) and
     * restores the result into this network's losses. A worker's state for a loss is left out, with a WARN, when the
     * worker has no state under that key; states under keys this network does not have are ignored with a WARN.
     *
     * @param base    the states every worker started from, with every key of this network
     * @param workers the workers' states ({@link #snapshot()} of each worker's copy of the network)
     * @return the merged states, now this network's states
     * @throws IllegalArgumentException if {@code base} lacks a key, or {@code workers} is null or holds null (nothing
     *                                  is restored then)
     */
    public Map<String, ThresholdSnapshot> merge(Map<String, ThresholdSnapshot> base,
                                                Collection<? extends Map<String, ThresholdSnapshot>> workers) {
        requireEveryKey("base", base);
        if (workers == null) {
            throw new IllegalArgumentException("NetworkThresholds.merge: workers must not be null");
        }
        for (Map<String, ThresholdSnapshot> w : workers) {
            if (w == null) {
                throw new IllegalArgumentException("NetworkThresholds.merge: workers must not hold null: " + workers);
            }
            for (String key : w.keySet()) {
                if (!slots.containsKey(key)) {
                    log.warn("NetworkThresholds.merge: ignored a worker state under key {}: the network has no "
                            + "SuperLoss there (keys: {})", key, slots.keySet());
                }
            }
        }
        Map<String, ThresholdSnapshot> merged = new LinkedHashMap<>();
        for (Slot s : slots.values()) {
            List<ThresholdSnapshot> states = new ArrayList<>();
            for (Map<String, ThresholdSnapshot> w : workers) {
                ThresholdSnapshot state = w.get(s.key);
                if (state == null) {
                    log.warn("NetworkThresholds.merge: left out a worker for the SuperLoss under key {}: the worker "
                            + "reported no state for it (its keys: {})", s.key, w.keySet());
                } else {
                    states.add(state);
                }
            }
            merged.put(s.key, s.loss.threshold().merge(base.get(s.key), states));
        }
        restore(merged);
        return Collections.unmodifiableMap(merged);
    }

    /**
     * Gives the network its own SuperLoss instances: every SuperLoss is replaced, in every layer that trains with it,
     * by a copy with the same configuration and state ({@link SuperLoss#withExecution}), so that training this network
     * moves no other network's threshold. Networks built from one configuration object, a configuration's
     * {@code clone()} and the networks a Spark executor builds from one broadcast configuration share their loss
     * instances; a training worker detaches before its first training call. Layers that shared one instance share the
     * copy.
     */
    public void detach() {
        for (Slot s : slots.values()) {
            SuperLoss copy = s.loss.withExecution(s.loss.execution());
            for (org.deeplearning4j.nn.conf.layers.Layer conf : s.layers) {
                OutputLayers.setLossFunction(conf, copy);
            }
            s.loss = copy;
        }
    }

    private void requireEveryKey(String name, Map<String, ThresholdSnapshot> states) {
        boolean complete = states != null;
        for (String key : slots.keySet()) {
            complete = complete && states.get(key) != null;
        }
        if (!complete) {
            throw new IllegalArgumentException("NetworkThresholds: " + name + " must hold a state for every key "
                    + slots.keySet() + ", got: " + states);
        }
    }

    @Override
    public String toString() {
        return "NetworkThresholds" + snapshot();
    }
}
