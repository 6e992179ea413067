package io.superloss.spark;

import io.superloss.ThresholdSnapshot;

import java.io.Serializable;

/**
 * One minibatch a Spark worker trained on, as {@link RowRecorder} saw it just before the worker's {@code fit}: where it
 * ran (executor, stage, partition, attempts), its position among the worker's minibatches, the state of the worker's
 * SuperLoss and the base loss of every row (computed by the test from the worker's network).
 */
record MinibatchRecord(String executor, int stage, int stageAttempt, int partition, int taskAttempt, int minibatch,
                       ThresholdSnapshot before, double[] losses) implements Serializable {
    /** The work this record describes: equal for every attempt at it. */
    String work() {
        return stage + "/" + partition + "/" + minibatch;
    }

    /** The rows with a finite loss. */
    int finiteRows() {
        int n = 0;
        for (double l : losses) {
            n += Double.isFinite(l) ? 1 : 0;
        }
        return n;
    }

    /** The sum of the finite losses. */
    double finiteSum() {
        double s = 0;
        for (double l : losses) {
            s += Double.isFinite(l) ? l : 0;
        }
        return s;
    }
}
