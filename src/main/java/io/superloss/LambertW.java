package io.superloss;
/** TEMPORARY stand-in for the real LambertW being written on main; never merge this file into main. */
public final class LambertW {
  public static double w0(double z) {
    if (Double.isNaN(z)) return z; if (z == Double.POSITIVE_INFINITY) return z; if (z == 0) return z;
    if (z < -0.36787944117144233) return Double.NaN; if (z == -0.36787944117144233) return -1;
    double w;
    if (z < -0.25) { double p = Math.sqrt(2*(Math.E*z+1)); w = -1 + p - p*p/3 + 11.0/72*p*p*p; }
    else if (z < 3) w = Math.log1p(z) * 0.8; else { double l1 = Math.log(z), l2 = Math.log(l1); w = l1 - l2 + l2/l1; }
    for (int i = 0; i < 30; i++) { double e = Math.exp(w); double f = w*e - z; double wn = w - f/(e*(w+1) - (w+2)*f/(2*w+2)); if (wn == w || Double.isNaN(wn)) break; w = wn; }
    return w;
  }
  public static float w0(float z) { return (float) w0((double) z); }

  // ---- BEGIN issue-3 graph facade (transplant this method into the real LambertW.java when merging) ----

  /**
   * W0 as a SameDiff graph function, built from native ND4J ops only, so it runs on every backend. The result has the
   * data type and shape of {@code z}; it is computed in double inside the graph, with the accuracy of the scalar
   * {@link #w0(double)} for DOUBLE (at most 3 ulp measured against an arbitrary-precision oracle) and correctly rounded
   * for FLOAT. Autodiff gives the exact derivative W / (z (1 + W)) (1 at z = 0), not a derivative through iterations;
   * at the branch point z = -1/e, where it is infinite, it gives {@code Double.MAX_VALUE}.
   *
   * @param sd the graph to add the ops to
   * @param z  a floating-point variable of {@code sd}
   * @throws IllegalArgumentException if {@code z} is null, not floating point, or belongs to another graph
   */
  public static org.nd4j.autodiff.samediff.SDVariable w0(org.nd4j.autodiff.samediff.SameDiff sd,
                                                         org.nd4j.autodiff.samediff.SDVariable z) {
    return LambertWGraph.w0(sd, z);
  }

  // ---- END issue-3 graph facade ----
}
