package io.superloss.examples;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.lossfunctions.SameDiffLoss;

/**
 * Mean squared error per example written as a stock {@link SameDiffLoss} (what a DL4J user writes to define a loss
 * symbolically): the symbolic wrapped loss of the GRAPH tests and the baseline of the graph-mode benchmark.
 */
public class SameDiffMse extends SameDiffLoss {
    private static final long serialVersionUID = 1L;

    @Override
    public SDVariable defineLoss(SameDiff sd, SDVariable layerInput, SDVariable labels) {
        return sd.math.squaredDifference(layerInput, labels).mean(1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SameDiffMse;
    }

    @Override
    public int hashCode() {
        return SameDiffMse.class.hashCode();
    }
}
