package io.superloss.bench;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A loss function that delegates every call to another and adds up the calling thread's CPU time spent in them, so
 * that a benchmark can tell the loss's share of a training step. For benchmarks only (not serialisable to JSON).
 */
final class TimedLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final ILossFunction loss;
    private long nanos;

    TimedLoss(ILossFunction loss) {
        this.loss = loss;
    }

    /** CPU nanoseconds spent in the loss since the last call of this method. */
    long takeNanos() {
        long n = nanos;
        nanos = 0;
        return n;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        long start = THREADS.getCurrentThreadCpuTime();
        double score = loss.computeScore(labels, preOutput, activationFn, mask, average);
        nanos += THREADS.getCurrentThreadCpuTime() - start;
        return score;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        long start = THREADS.getCurrentThreadCpuTime();
        INDArray scores = loss.computeScoreArray(labels, preOutput, activationFn, mask);
        nanos += THREADS.getCurrentThreadCpuTime() - start;
        return scores;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        long start = THREADS.getCurrentThreadCpuTime();
        INDArray gradient = loss.computeGradient(labels, preOutput, activationFn, mask);
        nanos += THREADS.getCurrentThreadCpuTime() - start;
        return gradient;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                          IActivation activationFn, INDArray mask, boolean average) {
        long start = THREADS.getCurrentThreadCpuTime();
        Pair<Double, INDArray> both = loss.computeGradientAndScore(labels, preOutput, activationFn, mask, average);
        nanos += THREADS.getCurrentThreadCpuTime() - start;
        return both;
    }

    @Override
    public String name() {
        return "TimedLoss(" + loss.name() + ")";
    }

    @Override
    public String toString() {
        return name();
    }
}
