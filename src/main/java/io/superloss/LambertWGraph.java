package io.superloss;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The principal branch W0 as a SameDiff graph function built from native ND4J ops only (so it runs on every backend),
 * evaluated in double whatever the input type. Behind {@link LambertW#w0(SameDiff, SDVariable)}.
 *
 * <p>Algorithm (vectorised, so every row runs every op and {@code where} picks per row):
 * <ul>
 *   <li>initial guess by regime: the branch-point series in p = sqrt(2 e q), q = z + 1/e, to p^4 (Corless et al. 1996,
 *       eq. 4.22) for z &lt; -1/4; Winitzki's approximation ln(1+z) (1 - ln(1 + ln(1+z)) / (2 + ln(1+z))) (2003) up to
 *       z = 100; the asymptotic form L1 - L2 + L2/L1 (L1 = ln z, L2 = ln ln z) above. Relative error of the guess:
 *       below 2e-2 everywhere, exact at the branch point;</li>
 *   <li>two Halley steps: on g(w) = w - z e^-w (the overflow-safe form) for z &gt;= -1/4; below, on
 *       r(t) = t + ln(-w) - ln(1 - e q) with t = w + 1 and q = (z + 0.36787944117144233) + (-1.2428753672788363e-17)
 *       (z + 1/e to about 1e-33), the same equation written so that nothing cancels near the branch point (the
 *       rounding of g there would cost eps / t). ND4J's {@code log1p} and {@code expm1} are the naive
 *       {@code log(1 + x)} and {@code exp(x) - 1}, so ln(1 - e q) is formed from {@code log} with Goldberg's
 *       correction;</li>
 *   <li>special values: W0 = -1 for the double nearest -1/e (it lies below -1/e), and for FLOAT input for the float
 *       nearest -1/e (also below); NaN below them and for NaN; +Inf for +Inf.</li>
 * </ul>
 * Accuracy, measured against apfloat (see {@code LambertWGraphTest}): at most 3 ulp in double, in tests spread over the
 * whole domain including q down to 1e-17; correctly rounded for float.
 */
final class LambertWGraph {
    /** The double nearest 1/e (below it). */
    private static final double INV_E_HI = 0.36787944117144233;
    /** 1/e - INV_E_HI, so that (z + INV_E_HI) + INV_E_LO is z + 1/e to about 1e-33 near the branch point. */
    private static final double INV_E_LO = -1.2428753672788363e-17;
    /** Below this z the branch-point series and residual are used (where they beat the general form). */
    private static final double BRANCH_REGIME = -0.25;
    /** Above this z the asymptotic guess beats Winitzki's. */
    private static final double ASYMPTOTIC_REGIME = 100.0;
    /** W0 = -1 + p - p^2/3 + 11/72 p^3 - 43/540 p^4 + ... (Corless et al. 1996, eq. 4.22). */
    private static final double[] BRANCH_SERIES = {-1.0, 1.0, -1.0 / 3.0, 11.0 / 72.0, -43.0 / 540.0};

    private LambertWGraph() {
    }

    /**
     * W0(z) with the exact derivative for autodiff: the value is computed behind a stop-gradient and the derivative
     * W / (z (1 + W)) = e^-W / (1 + W) is attached by the identity {@code W + (z - stop(z)) * stop(W')}, whose value
     * is W and whose derivative is W'. At the branch point the derivative is infinite; the graph gives
     * {@code Double.MAX_VALUE} there (an infinite factor would turn the value into NaN).
     *
     * @param z any floating-point variable; the result has its data type and shape
     */
    static SDVariable w0(SameDiff sd, SDVariable z) {
        if (z == null || !z.dataType().isFPType()) {
            throw new IllegalArgumentException("LambertW.w0 needs a floating-point variable, got "
                    + (z == null ? "null" : z.dataType() + " variable " + z.name()));
        }
        if (z.getSameDiff() != sd) {
            throw new IllegalArgumentException("variable " + z.name() + " belongs to another SameDiff instance");
        }
        DataType type = z.dataType();
        SDVariable z64 = type == DataType.DOUBLE ? z : z.castTo(DataType.DOUBLE);
        SDVariable argument = z64;
        double branchPoint = Nd4j.scalar(-INV_E_HI).castTo(type).getDouble(0);
        if (branchPoint < -INV_E_HI) {
            // The value of this type nearest -1/e lies below -1/e (so for FLOAT, -0.36787945f): it stands for the
            // branch point, W0 = -1, as in the scalar W0(float).
            argument = sd.where(z64.mul(0.0).add(-INV_E_HI), z64, sd.eq(z64, branchPoint));
        }
        SDVariable w = GraphDetach.detach(value(sd, argument));
        // Clipping keeps z - stop(z) at exactly 0 for infinite z (Inf - Inf would be NaN); NaN stays NaN.
        SDVariable zFinite = sd.math.clipByValue(z64, -Double.MAX_VALUE, Double.MAX_VALUE);
        SDVariable zero = zFinite.sub(GraphDetach.detach(zFinite));
        SDVariable derivative = sd.math.exp(w.neg()).div(w.add(1.0));
        derivative = sd.math.clipByValue(derivative, 0.0, Double.MAX_VALUE);
        SDVariable out = w.add(zero.mul(derivative));
        return type == DataType.DOUBLE ? out : out.castTo(type);
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

        // ND4J's log1p is log(1 + x): good enough for a guess.
        SDVariable l = sd.math.log1p(z);
        SDVariable winitzki = l.mul(sd.math.log1p(l).div(l.add(2.0)).rsub(1.0));
        SDVariable l1 = sd.math.log(z);
        SDVariable l2 = sd.math.log(l1);
        SDVariable asymptotic = l1.sub(l2).add(l2.div(l1));
        SDVariable nearBranch = sd.lt(z, BRANCH_REGIME);
        SDVariable w = sd.where(series, sd.where(asymptotic, winitzki, sd.gt(z, ASYMPTOTIC_REGIME)), nearBranch);

        SDVariable logOneMinusEq = accurateLog1p(sd, eq.neg());
        for (int step = 0; step < 2; step++) {
            w = halley(sd, z, logOneMinusEq, nearBranch, w);
        }
        w = sd.where(series, w, atBranchPoint);
        return sd.where(z, w, sd.eq(z, Double.POSITIVE_INFINITY));
    }

    /**
     * One Halley step. Away from the branch point on g(w) = w - z e^-w, the overflow-safe form:
     * w - g / (t - (w + 2) g / (2 t)) with t = w + 1. Near it on r(t) = t + ln(1 - t) - ln(1 - e q), which is zero at
     * the same point ((1 - t) e^t = 1 - e q is W e^W = z with W = t - 1): there 1 - t = -w exactly, so ln(-w) has an
     * absolute error of about eps * t and the step an error of about eps, where g's rounding (eps) would cost eps / t.
     * With r' = t / w and r'' = -1 / w^2 both steps have the shape w - (a / t) / (1 - c a / (2 t^2)), with a = g,
     * c = w + 2 (general) or a = r w, c = -1 / w (near the branch point).
     */
    private static SDVariable halley(SameDiff sd, SDVariable z, SDVariable logOneMinusEq, SDVariable nearBranch,
                                     SDVariable w) {
        SDVariable t = w.add(1.0);
        SDVariable negW = w.neg();
        SDVariable g = w.sub(z.mul(sd.math.exp(negW)));
        SDVariable r = t.add(sd.math.log(negW)).sub(logOneMinusEq);
        SDVariable a = sd.where(r.mul(w), g, nearBranch);
        SDVariable c = sd.where(w.rdiv(-1.0), w.add(2.0), nearBranch);
        SDVariable correction = a.div(t).div(c.mul(a).div(t.mul(t)).mul(0.5).rsub(1.0));
        return w.sub(correction);
    }

    /**
     * ln(1 + x) to a few ulp from ND4J's log (whose log1p is the naive log(1 + x)): ln(u) x / (u - 1) with u = 1 + x
     * rounded (Goldberg 1991, "What every computer scientist should know about floating-point arithmetic", thm. 4).
     */
    private static SDVariable accurateLog1p(SameDiff sd, SDVariable x) {
        SDVariable u = x.add(1.0);
        SDVariable um1 = u.sub(1.0);
        return sd.where(x, sd.math.log(u).mul(x.div(um1)), sd.eq(um1, 0.0));
    }
}
