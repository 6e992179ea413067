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
}
