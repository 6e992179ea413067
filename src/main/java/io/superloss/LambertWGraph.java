package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.UnaryOperator;

/**
 * The principal branch W0 as a SameDiff graph function, the two forms behind {@link LambertW#w0(SameDiff, SDVariable)}:
 * {@link #w0} builds it from ND4J's built-in ops only (so it runs on every backend), evaluated in double whatever the
 * input type; {@link #w0Native} uses this library's native op {@link LambertW0Op}. Both give the exact derivative.
 *
 * <p>The composite form's algorithm (vectorised, so every row runs every op and {@code where} picks per row):
 * <ul>
 *   <li>initial guess by regime: the branch-point series in p = sqrt(2 e q), q = z + 1/e, to p^4 (Corless et al. 1996,
 *       eq. 4.22) for z &lt; -1/4; Winitzki's approximation L (1 - ln(1 + L) / (2 + L)), L = ln(1 + z) (2003), up to
 *       z = 100; the asymptotic form L1 - L2 + L2/L1 (L1 = ln z, L2 = ln ln z) above. Relative error of the guess:
 *       below 2e-2 everywhere, exact at the branch point;</li>
 *   <li>two Halley steps on f(w) = w + ln(w / z), which is well conditioned from tiny to huge z and needs no exp.
 *       The error of the result is the error of the last residual times |W / (1 + W)|, so the residual is evaluated
 *       with care: in the general form of the second step the rounding of the quotient r = w / z is put back exactly,
 *       f = w + ln(r) + (w - r z) / w, with w - r z formed without error by Dekker's two-product (plain mul/sub ops;
 *       the first step leaves an error of about the guess's cubed, far above that rounding, and does without it);
 *       near the branch point (z &lt; -0.32) both steps write f as (w + 1) + ln(-w) - ln(1 - e q), with
 *       q = (z + 0.36787944117144233) + (-1.2428753672788363e-17) (z + 1/e to about 1e-33), so that nothing cancels
 *       (the plain forms lose eps / (1 + W) there). ND4J's {@code log1p} is the naive {@code log(1 + x)}, so ln(1 + x)
 *       is formed from {@code log} with Goldberg's correction;</li>
 *   <li>special values: W0 = -1 for the double nearest -1/e (it lies below -1/e), and for FLOAT input for the float
 *       nearest -1/e (also below); NaN below them and for NaN; +-0 for +-0; +Inf for +Inf.</li>
 * </ul>
 * Accuracy, measured against apfloat (see {@code LambertWGraphTest}): at most 1 ulp in double (the contract: at most
 * 2), in tests spread over the whole domain including q down to 1e-17; correctly rounded for float.
 */
final class LambertWGraph {
    /** The double nearest 1/e (above it, so -INV_E_HI lies below -1/e). */
    private static final double INV_E_HI = LambertWKernel.INV_E_HI;
    /** 1/e - INV_E_HI, so that (z + INV_E_HI) + INV_E_LO is z + 1/e to about 1e-33 near the branch point. */
    private static final double INV_E_LO = LambertWKernel.INV_E_LO;
    /** Below this z the branch-point series is the initial guess (Winitzki's is too far off for two steps below it). */
    private static final double BRANCH_REGIME = -0.25;
    /**
     * Below this z the branch-point residual is used. The error it leaves in W is about ulp(ln(-w)) |W / (1 + W)|, and
     * |ln(-w)| nears 1 towards z = -1/4 (measured: up to 2 ulp between -0.32 and -0.30, 3 ulp between -0.30 and
     * -0.25); the compensated general form's is about ulp(W) |W / (1 + W)|, which grows towards the branch point
     * (measured: at most 1 ulp above -0.34). With the switch here both measure at most 1 ulp.
     */
    private static final double BRANCH_RESIDUAL_REGIME = -0.32;
    /**
     * The general residual's exact remainder w - r z needs |z| in this range: Veltkamp's split overflows beyond about
     * 1e300 and the partial products lose exactness to underflow for tiny z. Outside it the plain residual is as
     * accurate (W ~ z, or W ~ ln z, where |W / (1 + W)| is at most about 1).
     */
    private static final double COMPENSATED_RANGE = 1e200;
    /** 2^27 + 1: Veltkamp's splitting constant for double (Dekker 1971). */
    private static final double SPLITTER = 134217729.0;
    /** Above this z the asymptotic guess beats Winitzki's. */
    private static final double ASYMPTOTIC_REGIME = 100.0;
    /** W0 = -1 + p - p^2/3 + 11/72 p^3 - 43/540 p^4 + ... (Corless et al. 1996, eq. 4.22). */
    private static final double[] BRANCH_SERIES = {-1.0, 1.0, LambertWKernel.MU2, LambertWKernel.MU3,
        LambertWKernel.MU4};

    private LambertWGraph() {
    }

    /**
     * W0(z) from the composite graph of {@link #value}, with the exact derivative for autodiff (see
     * {@link #withExactDerivative}).
     *
     * @param z any floating-point variable; the result has its data type and shape
     */
    static SDVariable w0(SameDiff sd, SDVariable z) {
        return withExactDerivative(sd, z, argument -> value(sd, argument));
    }

    /**
     * W0(z) from this library's native op {@link LambertW0Op}, which must be loaded: for FLOAT and DOUBLE the op itself
     * (its gradient is its {@code doDiff}); other types are evaluated in double by the op behind
     * {@link #withExactDerivative}, which maps the type's value nearest -1/e to the branch point where it lies below
     * -1/e (HALF), so the result is {@link LambertW#w0(org.nd4j.linalg.api.ndarray.INDArray)}'s for these types.
     *
     * @param z any floating-point variable; the result has its data type and shape
     */
    static SDVariable w0Native(SameDiff sd, SDVariable z) {
        requireFloatingPoint(sd, z);
        if (z.dataType() == DataType.FLOAT || z.dataType() == DataType.DOUBLE) {
            return new LambertW0Op(sd, z).outputVariable();
        }
        return withExactDerivative(sd, z, argument -> new LambertW0Op(sd, argument).outputVariable());
    }

    /**
     * W0(z) with the exact derivative for autodiff: the value is {@code doubleW0} of z in double, behind a
     * stop-gradient, and the derivative W / (z (1 + W)) = e^-W / (1 + W) is attached by the identity
     * {@code W - (stop(z) - z) * stop(W')}, whose value is W and whose derivative is W'. At the branch point the
     * derivative is infinite; the graph gives {@code Double.MAX_VALUE} there (an infinite factor would turn the value
     * into NaN).
     *
     * @param z        any floating-point variable; the result has its data type and shape
     * @param doubleW0 W0 of a DOUBLE variable (its derivative is not used)
     */
    private static SDVariable withExactDerivative(SameDiff sd, SDVariable z, UnaryOperator<SDVariable> doubleW0) {
        requireFloatingPoint(sd, z);
        DataType type = z.dataType();
        SDVariable z64 = toDouble(z);
        SDVariable argument = z64;
        double branchPoint = Nd4j.scalar(-INV_E_HI).castTo(type).getDouble(0);
        if (branchPoint < -INV_E_HI) {
            // The value of this type nearest -1/e lies below -1/e (so for FLOAT, -0.36787945f): it stands for the
            // branch point, W0 = -1, as in the scalar W0(float).
            argument = sd.where(z64.mul(0.0).add(-INV_E_HI), z64, sd.eq(z64, branchPoint));
        }
        SDVariable w = GraphDetach.detach(doubleW0.apply(argument));
        // Clipping keeps z - stop(z) at exactly 0 for infinite z (Inf - Inf would be NaN); NaN stays NaN.
        SDVariable zFinite = sd.math.clipByValue(z64, -Double.MAX_VALUE, Double.MAX_VALUE);
        SDVariable zero = GraphDetach.detach(zFinite).sub(zFinite);
        // w - (+0) keeps the sign of a zero w, which w + 0 would not.
        SDVariable out = w.sub(zero.mul(derivative(w)));
        return type == DataType.DOUBLE ? out : out.castTo(type);
    }

    /**
     * dW0/dz = e^-W / (1 + W) from a DOUBLE W0 (1 at W = 0), clipped to [0, Double.MAX_VALUE]: the derivative is
     * infinite at the branch point W = -1.
     */
    static SDVariable derivative(SDVariable w) {
        SameDiff sd = w.getSameDiff();
        return sd.math.clipByValue(sd.math.exp(w.neg()).div(w.add(1.0)), 0.0, Double.MAX_VALUE);
    }

    /** x, cast to DOUBLE unless it is DOUBLE. */
    static SDVariable toDouble(SDVariable x) {
        return x.dataType() == DataType.DOUBLE ? x : x.castTo(DataType.DOUBLE);
    }

    private static void requireFloatingPoint(SameDiff sd, SDVariable z) {
        if (z == null || !z.dataType().isFPType()) {
            throw new IllegalArgumentException("LambertW.w0 needs a floating-point variable, got "
                    + (z == null ? "null" : z.dataType() + " variable " + z.name()));
        }
        if (z.getSameDiff() != sd) {
            throw new IllegalArgumentException("variable " + z.name() + " belongs to another SameDiff instance");
        }
    }

    /**
     * W0(z) of a DOUBLE variable, without a usable derivative (the graph contains {@code where} ops): for use behind
     * a {@link GraphDetach#detach} or where no gradient is taken.
     */
    static SDVariable value(SameDiff sd, SDVariable z) {
        SDVariable zq = z.add(INV_E_HI);
        SDVariable atBranchPoint = sd.eq(z, -INV_E_HI);
        // At the double nearest -1/e, q = INV_E_LO < 0 would give NaN: use the exact 0 of zq there, so p = 0 and the
        // series gives exactly -1.
        SDVariable q = sd.where(zq, zq.add(INV_E_LO), atBranchPoint);
        SDVariable eq = q.mul(Math.E);
        SDVariable p = sd.math.sqrt(eq.mul(2.0));
        SDVariable series = p.mul(BRANCH_SERIES[BRANCH_SERIES.length - 1]);
        for (int k = BRANCH_SERIES.length - 2; k > 0; k--) {
            series = series.add(BRANCH_SERIES[k]).mul(p);
        }
        series = series.add(BRANCH_SERIES[0]);

        SDVariable nearBranch = sd.lt(z, BRANCH_REGIME);
        SDVariable branchResidual = sd.lt(z, BRANCH_RESIDUAL_REGIME);
        // One accurate log1p serves both uses: ln(1 - e q) for the branch residual, ln(1 + z) for Winitzki's guess
        // (BRANCH_RESIDUAL_REGIME < BRANCH_REGIME, so no row needs both).
        SDVariable log1p = accurateLog1p(sd, sd.where(eq.neg(), z, branchResidual));
        // Winitzki's inner ln(1 + ln(1 + z)) only shapes the guess: ND4J's naive log1p is good enough there.
        SDVariable winitzki = log1p.mul(sd.math.log1p(log1p).div(log1p.add(2.0)).rsub(1.0));
        SDVariable l1 = sd.math.log(z);
        SDVariable l2 = sd.math.log(l1);
        SDVariable asymptotic = l1.sub(l2).add(l2.div(l1));
        SDVariable w = sd.where(series, sd.where(asymptotic, winitzki, sd.gt(z, ASYMPTOTIC_REGIME)), nearBranch);

        SDVariable one = branchResidual.castTo(DataType.DOUBLE);
        SDVariable logOneMinusEq = sd.where(log1p, sd.zerosLike(z), branchResidual);
        SDVariable absZ = sd.math.abs(z);
        SDVariable inCompensatedRange = sd.math.and(sd.lt(absZ, COMPENSATED_RANGE), sd.gt(absZ, 1 / COMPENSATED_RANGE));
        // Only the last step's residual reaches the result: the first one's rounding is far below the error it leaves
        // (about the guess's cubed), and every op here runs on every call of a GRAPH SuperLoss.
        w = halley(sd, z, branchResidual, one, logOneMinusEq, null, w);
        w = halley(sd, z, branchResidual, one, logOneMinusEq, inCompensatedRange, w);
        w = sd.where(series, w, atBranchPoint);
        // The iteration divides by z: W0(+-0) = +-0 directly.
        w = sd.where(z, w, sd.eq(z, 0.0));
        return sd.where(z, w, sd.eq(z, Double.POSITIVE_INFINITY));
    }

    /**
     * One Halley step on f(w) = w + ln(w / z), zero at W0(z) for every z != 0 (w and z have the same sign). Near the
     * branch point, where ln(w / z) would cancel against w, f is written as (w + 1) + ln(-w) - ln(1 - e q): w + 1 and
     * -w are exact there, and ln(1 - e q) = ln(-e z) is accurate because q is. Elsewhere the rounding of r = w / z,
     * which would enter f as an absolute error of up to 2^-53, is put back: w / z = r + (w - r z) / z, so
     * ln(w / z) = ln(r) + (w - r z) / w to far below an ulp. Both forms have f' = (w + 1) / w and f'' = -1 / w^2, so
     * the step is w - (f w / t) / (1 + f / (2 t^2)) with t = w + 1.
     *
     * @param branchResidual     true where the branch-point form is used
     * @param one                1 for the branch-point form, else 0 (the constant added to w)
     * @param logOneMinusEq      ln(1 - e q) for the branch-point form, else 0
     * @param inCompensatedRange true where the remainder w - r z can be formed exactly; null for the plain residual
     *                           (no rounding put back)
     */
    private static SDVariable halley(SameDiff sd, SDVariable z, SDVariable branchResidual, SDVariable one,
                                     SDVariable logOneMinusEq, SDVariable inCompensatedRange, SDVariable w) {
        SDVariable quotient = w.div(z);
        SDVariable ratio = sd.where(w.neg(), quotient, branchResidual);
        SDVariable f = w.add(one).add(sd.math.log(ratio)).sub(logOneMinusEq);
        if (inCompensatedRange != null) {
            SDVariable correction = sd.where(exactRemainder(quotient, z, w).div(w), sd.zerosLike(w),
                    inCompensatedRange);
            f = sd.where(f, f.add(correction), branchResidual);
        }
        SDVariable t = w.add(1.0);
        SDVariable step = f.mul(w).div(t).div(f.div(t.mul(t)).mul(0.5).add(1.0));
        return w.sub(step);
    }

    /**
     * w - r z without rounding error, for r = w / z rounded (then the remainder is representable): r z is split into
     * the rounded product and its exact error by Dekker's two-product (Dekker 1971, "A floating-point technique for
     * extending the available precision"), and w - fl(r z) is exact by Sterbenz's lemma. Separate mul/add/sub ops, so
     * no fused multiply-add can change the roundings.
     */
    private static SDVariable exactRemainder(SDVariable r, SDVariable z, SDVariable w) {
        SDVariable[] rs = split(r);
        SDVariable[] zs = split(z);
        SDVariable product = r.mul(z);
        SDVariable productError = rs[0].mul(zs[0]).sub(product).add(rs[0].mul(zs[1])).add(rs[1].mul(zs[0]))
                .add(rs[1].mul(zs[1]));
        return w.sub(product).sub(productError);
    }

    /** Veltkamp's split of a into hi + lo, each with at most 26 significant bits, so that their products are exact. */
    private static SDVariable[] split(SDVariable a) {
        SDVariable scaled = a.mul(SPLITTER);
        SDVariable hi = scaled.sub(scaled.sub(a));
        return new SDVariable[] {hi, a.sub(hi)};
    }

    /**
     * ln(1 + x) to a few ulp from ND4J's log (whose log1p is the naive log(1 + x)): ln(u) x / (u - 1) with u = 1 + x
     * rounded, and x where u rounds to 1 (Goldberg 1991, "What every computer scientist should know about
     * floating-point arithmetic", theorem 4).
     */
    private static SDVariable accurateLog1p(SameDiff sd, SDVariable x) {
        SDVariable u = x.add(1.0);
        SDVariable um1 = u.sub(1.0);
        return sd.where(x, sd.math.log(u).mul(x.div(um1)), sd.eq(um1, 0.0));
    }
}
