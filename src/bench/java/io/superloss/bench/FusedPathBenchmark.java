package io.superloss.bench;

import io.superloss.SuperLoss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The loss calls of one DL4J training iteration of an output layer, as the layer makes them: {@code computeGradient}
 * then {@code computeScore(average=false)} on the same batch, inside a workspace (DL4J runs the loss in its working
 * memory workspaces), for {@code SuperLoss(LossMCXENT)} and plain {@code LossMCXENT} with softmax on [rows, 10] FLOAT
 * arrays. With {@code -prof gc}, {@code gc.alloc.rate.norm} is the on-heap bytes per iteration.
 *
 * <pre>
 * mvn -Pbench -q test-compile exec:exec -Dbench.args="FusedPathBenchmark -prof gc"
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 10, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class FusedPathBenchmark {
    /** The rows of the CNN (64) and MLP (128) benchmarks, and more to show what grows with them. */
    @Param({"64", "128", "1024"})
    public int rows;

    @Param({"LossMCXENT", "SuperLoss(LossMCXENT)"})
    public String loss;

    private ILossFunction lossFunction;
    private INDArray labels;
    private INDArray[] preOutputs;
    private int next;
    private final IActivation softmax = new ActivationSoftmax();
    private final WorkspaceConfiguration workspace = WorkspaceConfiguration.builder()
            .initialSize(0).policyAllocation(AllocationPolicy.OVERALLOCATE).policyLearning(LearningPolicy.FIRST_LOOP)
            .build();

    @Setup
    public void setUp() {
        lossFunction = loss.equals("LossMCXENT") ? new LossMCXENT() : new SuperLoss(new LossMCXENT());
        labels = oneHot(rows, BenchNetworks.CLASSES, 1);
        // A new pre-output every iteration, as in training (cycling through a few keeps them in memory).
        preOutputs = new INDArray[4];
        for (int k = 0; k < preOutputs.length; k++) {
            preOutputs[k] = Nd4j.randn(DataType.FLOAT, rows, BenchNetworks.CLASSES);
        }
    }

    static INDArray oneHot(int rows, int classes, long seed) {
        Random random = new Random(seed);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, rows, classes);
        for (int r = 0; r < rows; r++) {
            labels.putScalar(r, random.nextInt(classes), 1.0);
        }
        return labels;
    }

    /** computeGradient then computeScore, in a workspace as in a DL4J iteration; returns the score. */
    @Benchmark
    public double trainingIteration() {
        INDArray preOutput = preOutputs[next];
        next = (next + 1) % preOutputs.length;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(workspace, "FusedPathBench")) {
            INDArray gradient = lossFunction.computeGradient(labels, preOutput, softmax, null);
            return lossFunction.computeScore(labels, preOutput, softmax, null, false) + gradient.getDouble(0);
        }
    }
}
