package io.superloss.spark;

import io.superloss.ThresholdSnapshot;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one training worker reports: the threshold states of its copy of the network (by loss key, see
 * {@link io.superloss.NetworkThresholds}) and who it is: the Spark partition it trained on and, should one task train
 * several workers, the worker's position among them. The pair (partition, worker) is the same for every attempt at the
 * same work (a retried or speculative task, a re-executed stage), which is what lets a later report replace an earlier
 * one instead of adding to it.
 */
final class WorkerThresholds implements Serializable {
    private static final long serialVersionUID = 1L;

    final int partition;
    final int worker;
    final Map<String, ThresholdSnapshot> states;

    WorkerThresholds(int partition, int worker, Map<String, ThresholdSnapshot> states) {
        this.partition = partition;
        this.worker = worker;
        this.states = Collections.unmodifiableMap(new LinkedHashMap<>(states));
    }

    /** The identity of the work: equal for every attempt at it. */
    long key() {
        return ((long) partition << 32) | (worker & 0xffffffffL);
    }

    @Override
    public String toString() {
        return "WorkerThresholds(partition=" + partition + ", worker=" + worker + ", states=" + states + ")";
    }
}
