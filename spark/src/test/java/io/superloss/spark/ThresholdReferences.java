package io.superloss.spark;

import io.superloss.ThresholdSnapshot;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Expected threshold states computed from {@link MinibatchRecord}s, without the library's threshold code: a global mean
 * is the mean of every finite row loss, an EMA round is each worker's EMA from the round's start weighted by the rows
 * it saw. Tolerance 1e-9 relative: the same doubles summed in another order, logarithms taken by another path.
 */
final class ThresholdReferences {
    static final double REL = 1e-9;

    private ThresholdReferences() {
    }

    /** The records by averaging round (one Spark stage per round), in training order. */
    static List<List<MinibatchRecord>> rounds(Collection<MinibatchRecord> records) {
        Map<Integer, List<MinibatchRecord>> byStage = new TreeMap<>();
        for (MinibatchRecord r : records) {
            byStage.computeIfAbsent(r.stage(), s -> new ArrayList<>()).add(r);
        }
        return new ArrayList<>(byStage.values());
    }

    /** The rows with a finite loss. */
    static long rows(Collection<MinibatchRecord> records) {
        long n = 0;
        for (MinibatchRecord r : records) {
            n += r.finiteRows();
        }
        return n;
    }

    /** The counted training calls: minibatches with at least one finite row. */
    static long calls(Collection<MinibatchRecord> records) {
        long n = 0;
        for (MinibatchRecord r : records) {
            n += r.finiteRows() > 0 ? 1 : 0;
        }
        return n;
    }

    /** The mean of the finite row losses; NaN for none. */
    static double mean(Collection<MinibatchRecord> records) {
        double sum = 0;
        for (MinibatchRecord r : records) {
            sum += r.finiteSum();
        }
        long rows = rows(records);
        return rows == 0 ? Double.NaN : sum / rows;
    }

    /**
     * The EMA after one round from {@code start}: every worker (partition) steps {@code tau <- tau - (1 - momentum)
     * (tau - batchMean)} over its minibatches (the first step sets tau when it is NaN), and the round's result is the
     * workers' thresholds weighted by the rows each saw.
     */
    static double emaRound(double start, List<MinibatchRecord> round, double momentum) {
        Map<Integer, List<MinibatchRecord>> byWorker = new TreeMap<>();
        for (MinibatchRecord r : round) {
            byWorker.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r);
        }
        double weighted = 0;
        long rows = 0;
        for (List<MinibatchRecord> worker : byWorker.values()) {
            worker.sort((a, b) -> Integer.compare(a.minibatch(), b.minibatch()));
            double tau = start;
            long seen = 0;
            for (MinibatchRecord r : worker) {
                double mean = r.finiteSum() / r.finiteRows();
                tau = Double.isNaN(tau) ? mean : tau - (1 - momentum) * (tau - mean);
                seen += r.finiteRows();
            }
            weighted += seen * tau;
            rows += seen;
        }
        return rows == 0 ? start : weighted / rows;
    }

    static void assertClose(double expected, double actual, String what) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), what + ": expected NaN but was " + actual);
            return;
        }
        assertTrue(Math.abs(expected - actual) <= REL * Math.abs(expected),
                what + ": expected " + expected + " but was " + actual);
    }

    /**
     * Asserts that every worker of every round started from the global mean over the rows of the earlier rounds (and
     * the rows behind {@code start}), and that {@code end} is the global mean over all of them.
     */
    static void assertGlobalMeanRounds(ThresholdSnapshot start, List<MinibatchRecord> records, ThresholdSnapshot end) {
        double sum = start.rowWeight() == 0 ? 0 : start.rowWeight() * start.tau();
        long rows = (long) start.rowWeight();
        long calls = start.calls();
        List<List<MinibatchRecord>> rounds = rounds(records);
        for (int i = 0; i < rounds.size(); i++) {
            List<MinibatchRecord> round = rounds.get(i);
            double expected = rows == 0 ? Double.NaN : sum / rows;
            for (MinibatchRecord r : round) {
                if (r.minibatch() == 0) {
                    assertClose(expected, r.before().tau(), "round " + i + ", partition " + r.partition()
                            + ": a worker's starting tau");
                    assertEquals(calls, r.before().calls(), "round " + i + ": a worker's starting calls");
                }
            }
            for (MinibatchRecord r : round) {
                sum += r.finiteSum();
            }
            rows += rows(round);
            calls += calls(round);
        }
        assertClose(sum / rows, end.tau(), "the driver's tau: the mean over every row");
        assertEquals(calls, end.calls(), "the driver's calls: every minibatch once");
        assertEquals(rows, end.seenWeight(), "the driver's seen rows: every row once");
        assertEquals(rows, end.rowWeight(), "the driver's global-mean rows");
    }
}
