package io.superloss;

import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;

import java.math.BigDecimal;

/**
 * An independent high-precision reference for one SuperLoss row, from the paper's definition rather than the library's
 * form: sigma* = exp(-W0(max(-2/e, beta) / 2)) with beta = (l - tau) / lambda, and
 * L = (l - tau) sigma* + lambda (ln sigma*)^2, evaluated with apfloat at 50 significant digits.
 */
final class SuperLossOracle {
    private static final long PRECISION = 50;
    private static final Apfloat E = ApfloatMath.e(PRECISION);
    private static final Apfloat TWO = new Apfloat(2, PRECISION);
    private static final Apfloat MINUS_TWO_OVER_E = TWO.negate().divide(E);

    /** sigma* and the SuperLoss of one row, rounded to double. */
    record Row(double sigma, double superLoss) {
    }

    private SuperLossOracle() {
    }

    static Apfloat exact(double x) {
        return new Apfloat(new BigDecimal(x), PRECISION);
    }

    static Row row(double loss, double tau, double lambda) {
        Apfloat diff = exact(loss).subtract(exact(tau));
        Apfloat lam = exact(lambda);
        Apfloat beta = diff.divide(lam);
        Apfloat sigma = beta.compareTo(MINUS_TWO_OVER_E) < 0
                ? E
                : ApfloatMath.exp(ApfloatMath.w(beta.divide(TWO)).negate());
        Apfloat lnSigma = ApfloatMath.log(sigma);
        Apfloat superLoss = diff.multiply(sigma).add(lam.multiply(lnSigma).multiply(lnSigma));
        return new Row(sigma.doubleValue(), superLoss.doubleValue());
    }
}
