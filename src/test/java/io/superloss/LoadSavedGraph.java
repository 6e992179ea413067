package io.superloss;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.util.Arrays;
import java.util.Map;

/**
 * Run in a new JVM by {@link LambertW0OpTest}: loads a saved graph that holds the native W0 op, first before anything
 * of this library ran (which fails: ND4J does not know the op's class), then after {@link LambertW#nativeOps()}, and
 * prints the output for the placeholder {@code z} given as arguments.
 *
 * <p>Arguments: the graph file, then the values of z. Output lines: {@code before: <exception>}, {@code status: ...},
 * {@code w: [...]}.
 */
public final class LoadSavedGraph {
    private LoadSavedGraph() {
    }

    public static void main(String[] args) throws Exception {
        File file = new File(args[0]);
        double[] z = Arrays.stream(args).skip(1).mapToDouble(Double::parseDouble).toArray();
        try {
            SameDiff.load(file, false);
            System.out.println("before: loaded");
        } catch (Exception e) {
            System.out.println("before: " + e);
        }
        System.out.println("status: " + LambertW.nativeOps());
        SameDiff sd = SameDiff.load(file, false);
        INDArray w = sd.outputSingle(Map.of("z", Nd4j.createFromArray(z)), "w");
        System.out.println("w: " + Arrays.toString(w.toDoubleVector()));
    }
}
