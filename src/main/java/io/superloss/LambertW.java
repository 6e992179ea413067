package io.superloss;

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
 * <table border="1">
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
 * point and for subnormal arguments; in fact the implementation is almost correctly rounded:
 *
 * <table border="1">
 * <caption>Measured error of {@code w0(double)} in ulp of the exact result</caption>
 * <tr><th>Regime</th><th>Arguments</th><th>max</th><th>RMS</th></tr>
 * <tr><td>Branch point, q = z + 1/e in [4e-17, 7e-4]</td><td>series in sqrt(2eq)</td>
 * <td>0.50</td><td>0.30</td></tr>
 * <tr><td>Rest of (-1/e, 0)</td><td>refined</td><td>0.53</td><td>0.29</td></tr>
 * <tr><td>|z| &lt; 1e-5, subnormals</td><td>Maclaurin / refined</td><td>0.50</td><td>0.15</td></tr>
 * <tr><td>(0, 10]</td><td>refined</td><td>0.50</td><td>0.29</td></tr>
 * <tr><td>(10, Double.MAX_VALUE]</td><td>refined</td><td>0.50</td><td>0.29</td></tr>
 * </table>
 *
 * <p>Float: the value is computed in double and rounded once, so it is the correctly rounded
 * float except in double-rounding corner cases, and always within 1 ulp of it.
 *
 * <p>How it was measured: {@code LambertWAccuracyTest} compares about 11,000 arguments covering
 * every regime (successive doubles above -1/e, q = z + 1/e log-spaced from 1e-17 to 0.3, uniform
 * negative arguments, 1e-300..1e-5 of both signs, subnormals, (0, 10], up to 1e300 and
 * Double.MAX_VALUE, the neighbours of every internal regime switch, and float arguments) with
 * reference values of {@code org.apfloat.ApfloatMath.w} at 40 significant digits (stored in
 * {@code src/test/resources/io/superloss/lambertw-reference.csv}). The error is
 * |w - W<sub>exact</sub>| / ulp(W<sub>exact</sub>) evaluated in {@link java.math.BigDecimal}.
 * The test log prints max and RMS per regime; the thresholds asserted there are at most 1 ulp.
 * By comparison, Boost.Math 1.74 {@code lambert_w0} measures 16-30 ulp away from the branch point
 * and up to ~5e7 ulp next to it.
 *
 * <h2>Algorithm (see {@code LambertWKernel})</h2>
 *
 * <p>Tiny arguments use the Maclaurin series, arguments within q &lt; 7e-4 of -1/e use the series
 * in p = sqrt(2 e q) with q formed in double-double; everything else starts from a piecewise
 * polynomial guess (in p for z &lt; 18, in ln z above) with relative error &lt; 2e-8 and takes one
 * third-order step on w - z e<sup>-w</sup> whose residual is computed to ~2<sup>-59</sup> with a
 * table-based exponential, fused multiply-adds and exact products. One square root or logarithm,
 * one division, no data-dependent loop.
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
     *     most 2 ulp (measured: at most 0.53 ulp); NaN for z &lt; -0.36787944117144233 and for NaN;
     *     exactly -1 for z = -0.36787944117144233
     */
    public static double w0(double z) {
        return LambertWKernel.w0(z);
    }

    /**
     * Principal branch W<sub>0</sub>(z) of the Lambert W function in single precision, computed in
     * double precision and rounded once.
     *
     * @param z argument
     * @return W<sub>0</sub>(z) within 1 ulp of the correctly rounded float; NaN for
     *     z &lt; -0.36787945f and for NaN; exactly -1 for z = -0.36787945f
     */
    public static float w0(float z) {
        return LambertWKernel.w0(z);
    }

    /**
     * Element-wise principal branch W<sub>0</sub> of an array.
     *
     * <p>Returns a new array of the same shape and data type; the input is not modified. Any array
     * (views, non-contiguous, 'f' order, scalars, empty arrays) is accepted.
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

    // Room for: public static SDVariable w0(SameDiff sd, SDVariable z) (to be added later).

    /**
     * The single backend dispatch point of the array version. Only the CPU Java kernel exists so
     * far; a CUDA implementation would be selected here (e.g. from
     * {@code Nd4j.getExecutioner()} / {@code Nd4j.getBackend()}), with the same arguments and
     * result contract: non-empty {@code z} of a supported type, result a new array.
     */
    private static INDArray w0Backend(INDArray z) {
        return w0Cpu(z);
    }

    /** CPU implementation: copy to a contiguous 'c' buffer, loop in Java, wrap the result. */
    private static INDArray w0Cpu(INDArray z) {
        DataType type = z.dataType();
        long[] shape = z.shape();
        // dup('c') materialises views / strided / 'f'-ordered arrays as a dense c-order copy with
        // offset 0, so the buffer holds exactly the elements in c order.
        INDArray dense = z.dup('c');
        int n = (int) z.length();
        if (type == DataType.FLOAT) {
            float[] src = dense.data().asFloat();
            float[] dst = new float[n];
            LambertWKernel.w0(src, dst, n);
            return Nd4j.create(dst, shape, DataType.FLOAT);
        }
        double[] src = dense.data().asDouble(); // exact widening for HALF / BFLOAT16
        double[] dst = new double[n];
        if (type == DataType.HALF) {
            LambertWKernel.w0Half(src, dst, n);
        } else {
            LambertWKernel.w0(src, dst, n);
        }
        INDArray result = Nd4j.create(dst, shape, DataType.DOUBLE);
        return type == DataType.DOUBLE ? result : result.castTo(type);
    }
}
