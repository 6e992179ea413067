package io.superloss;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The SameDiff form of SuperLoss and of W0 accepts BFLOAT16 inputs and gives values within bf16 resolution. */
class SuperLossGraphBFloat16Test {
    /** bf16 keeps 8 significant bits: relative spacing 2^-7; results are rounded once to bf16 from double math. */
    private static final double BF16_EPS = Math.pow(2, -7);

    @Test
    void superLossGraphOnBFloat16LossMatchesTheOracle() {
        double[] losses = {0.0, 0.125, 0.75, 1.5, 3.0, 10.0};
        double tau = 1.0;
        double lambda = 0.5;
        SameDiff sd = SameDiff.create();
        SDVariable l = sd.placeHolder("l", DataType.BFLOAT16, -1, 1);
        SuperLossGraph g = SuperLossGraph.builder(sd, l).threshold(Threshold.constant(tau)).lambda(lambda).build();
        Map<String, INDArray> ph = new HashMap<>();
        // These losses are exact in bf16, so the oracle sees the same inputs as the graph.
        ph.put("l", Nd4j.createFromArray(losses).reshape(losses.length, 1).castTo(DataType.BFLOAT16));
        Map<String, INDArray> out = sd.output(ph, g.loss().name(), g.confidence().name());
        INDArray superLoss = out.get(g.loss().name());
        INDArray sigma = out.get(g.confidence().name());
        for (int i = 0; i < losses.length; i++) {
            SuperLossOracle.Row ref = SuperLossOracle.row(losses[i], tau, lambda);
            assertEquals(ref.superLoss(), superLoss.getDouble(i, 0), BF16_EPS * Math.abs(ref.superLoss()) + 1e-30,
                    "SuperLoss row " + i);
            assertEquals(ref.sigma(), sigma.getDouble(i, 0), BF16_EPS * ref.sigma(), "sigma row " + i);
        }
    }

    @Test
    void graphW0OnBFloat16MatchesTheScalarW0() {
        double[] z = {-0.25, -0.125, 0.0, 0.5, 1.0, 2.0, 8.0, 100.0};
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("z", DataType.BFLOAT16, -1);
        SDVariable w = LambertW.w0(sd, in);
        INDArray result = sd.outputSingle(Map.of("z", Nd4j.createFromArray(z).castTo(DataType.BFLOAT16)), w.name());
        assertEquals(DataType.BFLOAT16, result.dataType());
        for (int i = 0; i < z.length; i++) {
            double expected = LambertW.w0(z[i]);
            assertEquals(expected, result.getDouble(i), BF16_EPS * Math.abs(expected), "W0(" + z[i] + ")");
        }
    }
}
