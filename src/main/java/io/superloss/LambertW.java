package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The principal branch W<sub>0</sub> of the Lambert W function.
 *
 * <p>W(z) is defined by W(z) e<sup>W(z)</sup> = z. For real z &ge; -1/e this equation has a real
 * solution, and the principal branch is the one with W &ge; -1. W<sub>0</sub> increases from
 * W<sub>0</sub>(-1/e) = -1 through W<sub>0</sub>(0) = 0 and W<sub>0</sub>(e) = 1 to
 * W<sub>0</sub>(z) ~ ln z - ln ln z as z &rarr; &infin;. Next to the branch point
 * W<sub>0</sub>(-1/e + q) &asymp; -1 + sqrt(2 e q), so the function is not differentiable there.
 *
 * <h2>Domain and special cases</h2>
 *
 * <table class="striped">
 * <caption>Special cases (double; the float version behaves the same with float constants)</caption>
 * <tr><th>z</th><th>w0(z)</th></tr>
 * <tr><td>NaN</td><td>NaN</td></tr>
 * <tr><td>+Infinity</td><td>+Infinity</td></tr>
 * <tr><td>+0.0 / -0.0</td><td>+0.0 / -0.0 (the sign is kept; W(z) ~ z near 0)</td></tr>
 * <tr><td>-0.36787944117144233 (the double nearest to -1/e)</td><td>exactly -1.0</td></tr>
 * <tr><td>-0.36787945f (the float nearest to -1/e)</td><td>exactly -1.0f</td></tr>
 * <tr><td>anything smaller, including -Infinity</td><td>NaN</td></tr>
 * </table>
 *
 * <p>Both "nearest to -1/e" values lie slightly <em>below</em> -1/e, where the real W is not
 * defined; they are mapped to the branch point -1 so that clamping an argument to the constant
 * {@code -1/e} of the working type never produces NaN. The next representable value above them is
 * a regular argument (e.g. {@code w0(-0.3678794411714423) = -0.99999998469574...}).
 *
 * <h2>Accuracy</h2>
 *
 * <p>Double: the error is at most 2 ulp everywhere on the domain, including next to the branch
 * point and for subnormal arguments; in fact the implementation is almost correctly rounded
 * (error bound about 0.5 ulp + 2<sup>-6</sup>/(1 + W) ulp with 1 + W &ge; 0.06 where this
 * bound applies, i.e. &lt; 0.8 ulp; the largest error seen is 0.68 ulp, at 1 + W &asymp; 0.06):
 *
 * <table class="striped">
 * <caption>Measured error of {@code w0(double)} in ulp of the exact result</caption>
 * <tr><th>Arguments</th><th>n</th><th>max</th><th>RMS</th></tr>
 * <tr><td>z = nextUp<sup>k</sup>(-1/e), q = z + 1/e from 4.3e-17 to 2.2e-14</td><td>400</td>
 * <td>0.499</td><td>0.294</td></tr>
 * <tr><td>z = -1/e + q, q log-uniform in [1e-17, 0.3]</td><td>1500</td><td>0.603</td><td>0.294</td></tr>
 * <tr><td>z uniform in (-1/e, 0)</td><td>1200</td><td>0.502</td><td>0.289</td></tr>
 * <tr><td>|z| log-uniform in [1e-300, 1e-5], both signs</td><td>1200</td><td>0.484</td><td>0.061</td></tr>
 * <tr><td>subnormal z</td><td>200</td><td>0</td><td>0</td></tr>
 * <tr><td>z uniform in (0, 1]</td><td>800</td><td>0.500</td><td>0.285</td></tr>
 * <tr><td>z uniform in (1, 10]</td><td>1000</td><td>0.499</td><td>0.290</td></tr>
 * <tr><td>z log-uniform in [10, 1e6]</td><td>1000</td><td>0.500</td><td>0.289</td></tr>
 * <tr><td>z log-uniform in [1e6, 1e300]</td><td>1200</td><td>0.500</td><td>0.286</td></tr>
 * <tr><td>z log-uniform in [1e300, Double.MAX_VALUE]</td><td>300</td><td>0.495</td><td>0.278</td></tr>
 * <tr><td>neighbours of the internal regime switches</td><td>399</td><td>0.500</td><td>0.284</td></tr>
 * </table>
 *
 * <p>Float: the double algorithm's initial guess (relative error &lt; 1e-9, no Newton step),
 * evaluated in double and rounded once: at most 0.517 ulp from the exact value, so always within
 * 1 ulp of the correctly rounded float and equal to it except where W0(z) lies within 0.017 ulp
 * of a rounding boundary. Measured on every float argument (3.19e9): max 0.5153 ulp, 99.973 %
 * correctly rounded; on the 1700 float reference points: max 0.502 ulp, RMS 0.08-0.30.
 *
 * <p>How it was measured: {@code LambertWAccuracyTest} compares the arguments above (10,899 in
 * all, float ones included) with reference values of {@code org.apfloat.ApfloatMath.w} at 40
 * significant digits, stored in {@code src/test/resources/io/superloss/lambertw-reference.csv}
 * (and checked against mpmath to 1e-32). The error is |w - W<sub>exact</sub>| /
 * ulp(W<sub>exact</sub>) evaluated in {@link java.math.BigDecimal}; the test log prints max and
 * RMS per regime and asserts at most 1 ulp (0.51 for float). A separate sweep of 240,000 random
 * arguments against mpmath (40 digits) gave max 0.68 ulp next to the branch point (q in
 * [3e-5, 1e-2]), 0.54 on (-1/e, 0), 0.52 for |z| in [1e-8, 20] and 0.50 on (0, 10] and up to
 * 1e308, with RMS 0.28-0.29 everywhere. By comparison, Boost.Math 1.74
 * {@code lambert_w0} measures 16-30 ulp away from the branch point and up to ~5e7 ulp next to it.
 *
 * <h2>Algorithm (details in {@code LambertWKernel})</h2>
 *
 * <p>Tiny arguments use the Maclaurin series and arguments within q = z + 1/e &lt; 7e-4 of the
 * branch point the series in p = sqrt(2 e q), with q formed in double-double. All others start
 * from a piecewise polynomial guess with relative error &lt; 1e-9 (in p next to the branch point,
 * in v = p^2 up to z = 18, in log2 z above, the logarithm computed inline from the bits) and take
 * one Newton step on w - z e<sup>-w</sup> whose residual is computed to ~2<sup>-59</sup> |w|
 * (double-double exponential tables, exact products with fused multiply-add). No call to
 * {@code Math.exp}/{@code Math.log}, one division, no data-dependent loop; the same code
 * transcribes to C/CUDA.
 *
 * <p>Cost: a few nanoseconds per argument, constant-time per regime (no iteration); BENCHMARKS.md
 * compares it with Boost.Math's {@code lambert_w0}. The INDArray version adds its bulk copies and
 * the allocation of the result.
 *
 * <p>All methods are thread-safe and allocation-free except the {@link INDArray} version.
 */
public final class LambertW {

    private LambertW() {
    }

    /**
     * Principal branch W<sub>0</sub>(z) of the Lambert W function in double precision.
     *
     * @param z argument
     * @return W<sub>0</sub>(z), the solution w &ge; -1 of w e<sup>w</sup> = z, with an error of at
     *     most 2 ulp (measured: at most 0.68 ulp); NaN for z &lt; -0.36787944117144233 and for NaN;
     *     exactly -1 for z = -0.36787944117144233
     */
    public static double w0(double z) {
        return LambertWKernel.w0(z);
    }

    /**
     * Principal branch W<sub>0</sub>(z) of the Lambert W function in single precision, computed in
     * double precision (without the Newton step of the double version, which a float does not need)
     * and rounded once.
     *
     * @param z argument
     * @return W<sub>0</sub>(z) within 0.52 ulp of the exact value (1 ulp of the correctly rounded
     *     float; correctly rounded for 99.97 % of all floats); NaN for
     *     z &lt; -0.36787945f and for NaN; exactly -1 for z = -0.36787945f
     */
    public static float w0(float z) {
        return LambertWKernel.w0(z);
    }

    /**
     * Element-wise principal branch W<sub>0</sub> of an array.
     *
     * <p>Returns a new array of the same shape and data type (in 'c' order); the input is not
     * modified. Any array (views, non-contiguous, 'f' order, scalars, empty arrays) is accepted;
     * for an empty input the result is an empty array of the same shape and type (for a rank-0
     * empty array this is ND4J's shared {@code Nd4j.empty(type)} instance, which has no elements).
     * <ul>
     *   <li>DOUBLE: {@link #w0(double)} per element;
     *   <li>FLOAT: {@link #w0(float)} per element;
     *   <li>HALF and BFLOAT16: each element is widened to double, evaluated with
     *       {@link #w0(double)} and rounded back once. As for double and float, the HALF value
     *       nearest to -1/e ({@code -0.36792}, below -1/e) maps to -1 instead of NaN; the nearest
     *       BFLOAT16 value ({@code -0.3671875}) is above -1/e and needs no special case.
     * </ul>
     *
     * @param z argument array
     * @return a new array with W<sub>0</sub> of each element
     * @throws IllegalArgumentException if {@code z} is null, if its data type is not one of DOUBLE,
     *     FLOAT, HALF, BFLOAT16, or if it has more than {@code Integer.MAX_VALUE - 8} elements
     */
    @SuppressWarnings("deprecation") // DataType.HALF (alias FLOAT16) is part of the contract
    public static INDArray w0(INDArray z) {
        if (z == null) {
            throw new IllegalArgumentException("LambertW.w0: parameter 'z' must not be null");
        }
        DataType type = z.dataType();
        switch (type) {
            case DOUBLE:
            case FLOAT:
            case HALF:
            case BFLOAT16:
                break;
            default:
                throw new IllegalArgumentException("LambertW.w0: unsupported data type " + type
                    + " of parameter 'z' (supported: DOUBLE, FLOAT, HALF, BFLOAT16)");
        }
        if (z.isEmpty()) {
            // dup() of an empty array returns the same instance, so create a new one.
            return z.rank() == 0 ? Nd4j.empty(type) : Nd4j.create(type, z.shape());
        }
        if (z.length() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("LambertW.w0: parameter 'z' has " + z.length()
                + " elements, more than the supported " + (Integer.MAX_VALUE - 8));
        }
        return w0Backend(z);
    }

    /**
     * The single backend dispatch point of the array version: on ND4J's CUDA backend the CUDA kernel
     * (FLOAT and DOUBLE, see {@link CudaKernels}; the same bits as the Java kernel), otherwise the
     * CPU Java kernel. Same arguments and result contract: non-empty {@code z} of a supported type,
     * result a new array.
     */
    private static INDArray w0Backend(INDArray z) {
        CudaKernels cuda = CudaKernels.forCurrentBackend();
        INDArray w = cuda == null ? null : cuda.w0(z);
        return w != null ? w : w0Cpu(z);
    }

    /**
     * CPU implementation: the elements in 'c' order (bulk copies, see {@link HostArrays}), the Java
     * kernel's loop, the result wrapped in a new array.
     */
    @SuppressWarnings("deprecation") // DataType.HALF
    private static INDArray w0Cpu(INDArray z) {
        DataType type = z.dataType();
        long[] shape = z.shape();
        int n = (int) z.length();
        if (type == DataType.FLOAT) {
            float[] w = HostArrays.floatsInCOrder(z);
            LambertWKernel.w0(w, w, n);
            return HostArrays.fromFloats(w, shape);
        }
        if (type == DataType.DOUBLE) {
            double[] w = HostArrays.doublesInCOrder(z);
            LambertWKernel.w0(w, w, n);
            return HostArrays.fromDoubles(w, shape);
        }
        // HALF / BFLOAT16: widened exactly to double, evaluated, rounded back once by the cast.
        double[] w = z.dup('c').data().asDouble();
        if (type == DataType.HALF) {
            LambertWKernel.w0Half(w, w, n);
        } else {
            LambertWKernel.w0(w, w, n);
        }
        return Nd4j.create(w, shape, DataType.DOUBLE).castTo(type);
    }

    /**
     * W0 as a SameDiff graph function. The result has the data type and shape of {@code z}. Two implementations, chosen
     * once per JVM ({@link #nativeOps()}):
     * <ul>
     *   <li>NATIVE (ND4J's CPU backend on Linux x86-64): one {@link LambertW0Op}, a native op of this library, which
     *       gives exactly the bits of {@link #w0(double)} for DOUBLE and of {@link #w0(float)} for FLOAT (within
     *       0.52 ulp); HALF and BFLOAT16 are evaluated in double and rounded once, the bits of
     *       {@link #w0(INDArray)};</li>
     *   <li>COMPOSITE (everywhere else, or with {@code -Dsuperloss.native=off}): a graph of about a hundred of ND4J's
     *       built-in ops, so it runs on every backend, computed in double inside the graph with the accuracy of the
     *       scalar {@link #w0(double)} for DOUBLE (at most 2 ulp; 1 ulp measured against an arbitrary-precision
     *       oracle) and correctly rounded for the other types.</li>
     * </ul>
     * Autodiff gives the exact derivative W / (z (1 + W)) (1 at z = 0), not a derivative through iterations; at the
     * branch point z = -1/e, where it is infinite, it gives {@code Double.MAX_VALUE}.
     *
     * @param sd the graph to add the ops to
     * @param z  a floating-point variable of {@code sd}
     * @throws IllegalArgumentException if {@code z} is null, not floating point, or belongs to another graph, or if
     *                                  {@code -Dsuperloss.native} has an invalid value
     * @throws IllegalStateException    if {@code -Dsuperloss.native=required} and the native ops cannot be loaded
     */
    public static SDVariable w0(SameDiff sd, SDVariable z) {
        return NativeOps.status().isNative() ? LambertWGraph.w0Native(sd, z) : LambertWGraph.w0(sd, z);
    }

    /**
     * Which implementation this library's SameDiff functions use in this JVM, and why. Decided on the first call of
     * this method or of a SameDiff function, once per JVM: the native ops are loaded on Linux x86-64 with ND4J's CPU
     * backend (nd4j-native 1.0.0-M2.1, the build they are compiled against); anything else, or a failure to load
     * (logged once as a WARN with the reason), leaves the composite graphs of ND4J's built-in ops. The system property
     * {@code superloss.native} chooses: {@code auto} (default), {@code off} (never load) or {@code required} (a failure
     * throws).
     *
     * @return the implementation in use and why
     * @throws IllegalArgumentException if {@code -Dsuperloss.native} is not auto, off or required
     * @throws IllegalStateException    if it is {@code required} and the native ops cannot be loaded; the message
     *                                  names the reason
     */
    public static NativeOpsStatus nativeOps() {
        return NativeOps.status();
    }
}
