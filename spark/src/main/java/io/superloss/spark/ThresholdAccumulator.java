package io.superloss.spark;

import io.superloss.ThresholdSnapshot;
import org.apache.spark.util.AccumulatorV2;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The workers' threshold reports of one averaging round, keyed by the identity of their work
 * ({@link WorkerThresholds#key()}): adding or merging a report for a key that is already present replaces it. Spark
 * merges a task's accumulator updates into the driver's copy when the task succeeds, never for a failed attempt, and
 * may merge them more than once for the same partition (speculative copies of a task that both succeed, map stages
 * re-executed after a lost shuffle output); keyed replacement makes every such duplicate count once. A task updates
 * its own copy after every minibatch, so its last report, after its last minibatch, is what reaches the driver.
 * Thread-safe (the driver merges task updates on Spark's scheduler thread).
 */
final class ThresholdAccumulator extends AccumulatorV2<WorkerThresholds, List<Map<String, ThresholdSnapshot>>> {
    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<Long, WorkerThresholds> reports = new LinkedHashMap<>();

    @Override
    public synchronized boolean isZero() {
        return reports.isEmpty();
    }

    @Override
    public synchronized ThresholdAccumulator copy() {
        ThresholdAccumulator copy = new ThresholdAccumulator();
        copy.reports.putAll(reports);
        return copy;
    }

    @Override
    public synchronized void reset() {
        reports.clear();
    }

    @Override
    public synchronized void add(WorkerThresholds report) {
        reports.remove(report.key());
        reports.put(report.key(), report);
    }

    @Override
    public void merge(AccumulatorV2<WorkerThresholds, List<Map<String, ThresholdSnapshot>>> other) {
        if (!(other instanceof ThresholdAccumulator)) {
            throw new UnsupportedOperationException("ThresholdAccumulator cannot merge a "
                    + other.getClass().getName());
        }
        for (WorkerThresholds report : ((ThresholdAccumulator) other).reports()) {
            add(report);
        }
    }

    /** The reports, one per work identity, in the order their identities were last reported. */
    synchronized List<WorkerThresholds> reports() {
        return new ArrayList<>(reports.values());
    }

    /** The workers' states, one per work identity. */
    @Override
    public synchronized List<Map<String, ThresholdSnapshot>> value() {
        List<Map<String, ThresholdSnapshot>> states = new ArrayList<>(reports.size());
        for (WorkerThresholds report : reports.values()) {
            states.add(report.states);
        }
        return states;
    }
}
