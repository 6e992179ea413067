package io.superloss;

import org.apfloat.Apfloat;
import org.apfloat.ApfloatMath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two SameDiff forms of W0 behind {@link LambertW#w0(SameDiff, SDVariable)} (the composite graph and the native
 * op, each selected explicitly; the native one where it is loaded) against an apfloat oracle (30 digits, rounded
 * correctly through BigDecimal: apfloat's own doubleValue() is not correctly rounded) and against the scalar
 * {@link LambertW#w0(double)}, on 10,500 points spread over the regimes of the algorithm; and their autodiff
 * derivative against the analytic W / (z (1 + W)).
 */
// SameDiff prints every op of a gradient function: shown only if a test fails.
@ExtendWith(OutputShownOnFailure.class)
class LambertWGraphTest {
    private static final double INV_E = 0.36787944117144233;
    private static final float NEAREST_FLOAT_BRANCH_POINT = -0.36787945f;
    private static final int POINTS_PER_REGION = 1500;
    private static final long PRECISION = 30;
    /** The FLOAT check takes every FLOAT_STRIDE-th point (2,100 points): each needs its own oracle evaluation. */
    private static final int FLOAT_STRIDE = 5;
    private static final Apfloat MINUS_INV_E = ApfloatMath.exp(new Apfloat(-1, PRECISION)).negate();

    /**
     * Test regions with the double accuracy required of the graph. Measured on 1,500 seeded points each (max / RMS
     * ulp): BRANCH_POINT 1 / 0.39, NEAR_BRANCH 1 / 0.50, NEGATIVE 1 / 0.22, TINY 0 / 0, MODERATE 1 / 0.34,
     * LARGE 1 / 0.46, HUGE 1 / 0.12.
     */
    enum Region {
        /** z + 1/e from 1e-16 to 1e-3: the series guess and the log-form residual. */
        BRANCH_POINT(2, 0.6) {
            @Override
            double sample(Random r) {
                return -INV_E + Math.pow(10, -16 + 13 * r.nextDouble());
            }
        },
        /** Across the switches between the branch and general residuals (-0.32) and guesses (-1/4). */
        NEAR_BRANCH(2, 0.7) {
            @Override
            double sample(Random r) {
                return -0.3678 + 0.1178 * r.nextDouble();
            }
        },
        NEGATIVE(2, 0.4) {
            @Override
            double sample(Random r) {
                return -0.25 * r.nextDouble();
            }
        },
        /** |z| from 1e-300 to 1e-3, both signs: W ~ z, where only relative accuracy counts. */
        TINY(2, 0.1) {
            @Override
            double sample(Random r) {
                return (r.nextBoolean() ? 1 : -1) * Math.pow(10, -300 + 297 * r.nextDouble());
            }
        },
        MODERATE(2, 0.5) {
            @Override
            double sample(Random r) {
                return 10 * r.nextDouble();
            }
        },
        /** 10 to 1e6 (Winitzki's guess up to 100, the asymptotic one above). */
        LARGE(2, 0.7) {
            @Override
            double sample(Random r) {
                return Math.pow(10, 1 + 5 * r.nextDouble());
            }
        },
        /** 1e6 to 1e308. */
        HUGE(2, 0.3) {
            @Override
            double sample(Random r) {
                return Math.pow(10, 6 + 302 * r.nextDouble());
            }
        };

        final double maxUlp;
        final double rmsUlp;

        Region(double maxUlp, double rmsUlp) {
            this.maxUlp = maxUlp;
            this.rmsUlp = rmsUlp;
        }

        abstract double sample(Random r);
    }

    /** The graph forms, selected explicitly (LambertW.w0 picks one per JVM). */
    enum Form {
        COMPOSITE {
            @Override
            SDVariable w0(SameDiff sd, SDVariable z) {
                return LambertWGraph.w0(sd, z);
            }
        },
        /** Needs the native ops: tests of this form are skipped where they are not loaded. */
        NATIVE {
            @Override
            SDVariable w0(SameDiff sd, SDVariable z) {
                return LambertWGraph.w0Native(sd, z);
            }
        };

        abstract SDVariable w0(SameDiff sd, SDVariable z);

        boolean available() {
            return this == COMPOSITE || NativeOps.loaded();
        }

        void assumeAvailable() {
            if (this == NATIVE) {
                NativeOpsTestSupport.assumeNativeOps();
            }
        }
    }

    /** Per region: the sample, the oracle, and per form the graph's DOUBLE and FLOAT results. */
    private record Data(double[] z, double[] exact, Map<Form, double[]> graph, Map<Form, float[]> graphFloat) {
    }

    private static final Map<Region, Data> DATA = new EnumMap<>(Region.class);

    @BeforeAll
    static void evaluate() {
        Map<Form, SameDiff> graphs = new EnumMap<>(Form.class);
        for (Form form : Form.values()) {
            if (form.available()) {
                SameDiff sd = SameDiff.create();
                sd.identity("w", form.w0(sd, sd.placeHolder("z", DataType.DOUBLE, -1, 1)));
                sd.identity("wf", form.w0(sd, sd.placeHolder("zf", DataType.FLOAT, -1, 1)));
                graphs.put(form, sd);
            }
        }
        Random random = new Random(20240601);
        for (Region region : Region.values()) {
            double[] zs = new double[POINTS_PER_REGION];
            double[] exact = new double[zs.length];
            for (int i = 0; i < zs.length; i++) {
                zs[i] = Math.min(Double.MAX_VALUE, region.sample(random));
                exact[i] = oracle(new BigDecimal(zs[i])).doubleValue();
            }
            INDArray in = Nd4j.createFromArray(zs).reshape(zs.length, 1);
            Map<Form, double[]> graph = new EnumMap<>(Form.class);
            Map<Form, float[]> graphFloat = new EnumMap<>(Form.class);
            graphs.forEach((form, sd) -> {
                graph.put(form, sd.output(Map.of("z", in), "w").get("w").toDoubleVector());
                INDArray inFloat = in.castTo(DataType.FLOAT);
                graphFloat.put(form, sd.output(Map.of("zf", inFloat), "wf").get("wf").toFloatVector());
            });
            DATA.put(region, new Data(zs, exact, graph, graphFloat));
        }
    }

    /** Every form with every region. */
    static Stream<Arguments> formsAndRegions() {
        return Arrays.stream(Form.values()).flatMap(f -> Arrays.stream(Region.values()).map(r -> Arguments.of(f, r)));
    }

    /** W0 at 30 digits, correctly rounded when converted (BigDecimal); null below -1/e. */
    private static BigDecimal oracle(BigDecimal z) {
        Apfloat x = new Apfloat(z, PRECISION);
        if (x.compareTo(MINUS_INV_E) < 0) {
            return null;
        }
        return new BigDecimal(ApfloatMath.w(x).toString(true));
    }

    private static double ulps(double value, double exact) {
        return Math.abs(value - exact) / Math.ulp(exact);
    }

    @ParameterizedTest
    @MethodSource("formsAndRegions")
    void doubleMatchesTheOracle(Form form, Region region) {
        form.assumeAvailable();
        Data d = DATA.get(region);
        double[] graph = d.graph.get(form);
        double max = 0;
        double sumSquares = 0;
        double worst = Double.NaN;
        for (int i = 0; i < d.z.length; i++) {
            double u = ulps(graph[i], d.exact[i]);
            sumSquares += u * u;
            if (!(u <= max)) {
                max = u;
                worst = d.z[i];
            }
        }
        double rms = Math.sqrt(sumSquares / d.z.length);
        assertTrue(max <= region.maxUlp, region + ": max " + max + " ulp at z = " + worst);
        assertTrue(rms <= region.rmsUlp, region + ": rms " + rms + " ulp");
    }

    /**
     * FLOAT input. The composite form computes in double, so its result must be the correctly rounded float; the native
     * op's must be the scalar {@link LambertW#w0(float)}'s bits (within 0.517 ulp of the exact value, so equal to the
     * correctly rounded float except within 0.017 ulp of a rounding boundary; the oracle check covers the special
     * cases of both).
     */
    @ParameterizedTest
    @MethodSource("formsAndRegions")
    void floatMatchesItsContract(Form form, Region region) {
        form.assumeAvailable();
        Data d = DATA.get(region);
        for (int i = 0; i < d.z.length; i += FLOAT_STRIDE) {
            float zf = (float) d.z[i];
            float got = d.graphFloat.get(form)[i];
            if (form == Form.NATIVE) {
                assertEquals(Float.floatToRawIntBits(LambertW.w0(zf)), Float.floatToRawIntBits(got), "W0(" + zf + "f)");
                continue;
            }
            if (Float.isInfinite(zf)) {
                assertEquals(Float.POSITIVE_INFINITY, got, "W0(+Inf)");
                continue;
            }
            BigDecimal exact = oracle(new BigDecimal(zf));
            if (exact == null) {
                // Below -1/e: NaN, except the float nearest -1/e, which lies below it and stands for the branch point.
                if (zf == NEAREST_FLOAT_BRANCH_POINT) {
                    assertEquals(-1.0f, got, 0.0f);
                } else {
                    assertTrue(Float.isNaN(got), "W0(" + zf + "f) below -1/e should be NaN, got " + got);
                }
                continue;
            }
            assertEquals(exact.floatValue(), got, 0.0f, "W0(" + zf + "f)");
        }
    }

    /**
     * Against the scalar W0 (10,500 points): the graph is within 2 ulp of the scalar's value or closer to the exact
     * value than the scalar, i.e. |graph - scalar| <= 2 ulp + |scalar - exact|; the graph has the scalar's accuracy
     * whatever that is in a region.
     */
    @ParameterizedTest
    @EnumSource(Form.class)
    void agreesWithTheScalarW0(Form form) {
        form.assumeAvailable();
        int compared = 0;
        for (Region region : Region.values()) {
            Data d = DATA.get(region);
            double[] graph = d.graph.get(form);
            for (int i = 0; i < d.z.length; i++) {
                double scalar = LambertW.w0(d.z[i]);
                double allowed = form == Form.NATIVE ? 0 : 2 + ulps(scalar, d.exact[i]);
                assertTrue(ulps(graph[i], scalar) <= allowed, region + ": W0(" + d.z[i] + ") graph " + graph[i]
                        + " scalar " + scalar + " exact " + d.exact[i]);
                compared++;
            }
        }
        assertTrue(compared >= 10_000, "compared " + compared);
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    void specialValues(Form form) {
        form.assumeAvailable();
        double[] z = {-INV_E, Math.nextDown(-INV_E), -1.0, Double.NEGATIVE_INFINITY, Double.NaN, 0.0,
            Double.POSITIVE_INFINITY, Double.MAX_VALUE, Double.MIN_VALUE, -Double.MIN_VALUE, 1.0, Math.E, -0.0};
        double[] w = eval(form, z);
        assertEquals(-1.0, w[0], 0.0, "the double nearest -1/e (just below it) is the branch point");
        assertTrue(Double.isNaN(w[1]) && Double.isNaN(w[2]) && Double.isNaN(w[3]) && Double.isNaN(w[4]),
                "NaN below -1/e and for NaN");
        assertEquals(0.0, w[5], 0.0);
        assertEquals(Double.POSITIVE_INFINITY, w[6], 0.0);
        assertEquals(oracle(new BigDecimal(Double.MAX_VALUE)).doubleValue(), w[7], Math.ulp(w[7]));
        assertEquals(Double.MIN_VALUE, w[8], 0.0);
        assertEquals(-Double.MIN_VALUE, w[9], 0.0);
        assertEquals(0.5671432904097838, w[10], Math.ulp(0.5671432904097838), "the omega constant");
        assertEquals(1.0, w[11], Math.ulp(1.0), "W0(e) = 1");
        assertEquals(Double.NEGATIVE_INFINITY, 1 / w[12], "W0(-0) = -0, as the scalar W0");
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    void floatSpecialValues(Form form) {
        form.assumeAvailable();
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("z", DataType.FLOAT, -1, 1);
        sd.identity("w", form.w0(sd, in));
        float[] z = {NEAREST_FLOAT_BRANCH_POINT, Math.nextDown(NEAREST_FLOAT_BRANCH_POINT),
            Math.nextUp(NEAREST_FLOAT_BRANCH_POINT), Float.POSITIVE_INFINITY, Float.NaN, 0f};
        float[] w = sd.output(Map.of("z", Nd4j.createFromArray(z).reshape(z.length, 1)), "w").get("w").toFloatVector();
        assertEquals(-1f, w[0], 0f, "the float nearest -1/e (just below it) is the branch point");
        assertTrue(Float.isNaN(w[1]), "below it: NaN");
        assertEquals(oracle(new BigDecimal(z[2])).floatValue(), w[2], 0f);
        assertEquals(Float.POSITIVE_INFINITY, w[3], 0f);
        assertTrue(Float.isNaN(w[4]));
        assertEquals(0f, w[5], 0f);
    }

    private static double[] eval(Form form, double[] z) {
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("z", DataType.DOUBLE, -1, 1);
        sd.identity("w", form.w0(sd, in));
        return sd.output(Map.of("z", Nd4j.createFromArray(z).reshape(z.length, 1)), "w").get("w").toDoubleVector();
    }

    /**
     * Autodiff gives the analytic derivative W / (z (1 + W)) (1 at z = 0), computed here from the oracle's W at 30
     * digits. Tolerance: the derivative is e^-W / (1 + W) evaluated from a W with a few ulp of error, so its relative
     * error is about |W| + 1 / |1 + W| times a few eps; 16 eps times that bound leaves room for exp and the division.
     */
    @ParameterizedTest
    @EnumSource(Form.class)
    void autodiffGivesTheAnalyticDerivative(Form form) {
        form.assumeAvailable();
        Random random = new Random(5);
        int n = 600;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            Region region = Region.values()[i % Region.values().length];
            z[i] = Math.min(1e300, region.sample(random));
        }
        z[0] = 0.0;
        z[1] = -INV_E + 1e-15;
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("z", DataType.DOUBLE, -1, 1);
        SDVariable total = form.w0(sd, in).sum("total");
        total.markAsLoss();
        sd.createGradFunction("z");
        double[] gradient = sd.calculateGradients(Map.of("z", Nd4j.createFromArray(z).reshape(n, 1)), "z").get("z")
                .toDoubleVector();
        for (int i = 0; i < n; i++) {
            double expected;
            double w;
            if (z[i] == 0.0) {
                expected = 1.0;
                w = 0.0;
            } else {
                Apfloat x = new Apfloat(new BigDecimal(z[i]), PRECISION);
                Apfloat wExact = ApfloatMath.w(x);
                expected = new BigDecimal(wExact.divide(x.multiply(wExact.add(new Apfloat(1, PRECISION))))
                        .toString(true)).doubleValue();
                w = new BigDecimal(wExact.toString(true)).doubleValue();
            }
            double tolerance = 16 * Math.ulp(1.0) * (1 + Math.abs(w) + 1 / Math.abs(1 + w)) * Math.abs(expected);
            assertEquals(expected, gradient[i], tolerance, "dW0/dz at z = " + z[i]);
        }
    }

    /** The derivative also flows through FLOAT inputs (computed in double from W and cast back). */
    @ParameterizedTest
    @EnumSource(Form.class)
    void autodiffWorksForFloatInput(Form form) {
        form.assumeAvailable();
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("z", DataType.FLOAT, -1, 1);
        SDVariable w = form.w0(sd, in);
        assertEquals(DataType.FLOAT, w.dataType());
        w.sum("total").markAsLoss();
        sd.createGradFunction("z");
        float[] z = {-0.2f, 0.5f, 3f};
        float[] g = sd.calculateGradients(Map.of("z", Nd4j.createFromArray(z).reshape(3, 1)), "z").get("z")
                .toFloatVector();
        for (int i = 0; i < z.length; i++) {
            double wz = LambertW.w0((double) z[i]);
            assertEquals(wz / (z[i] * (1 + wz)), g[i], 2 * Math.ulp(g[i]), "dW0/dz at " + z[i]);
        }
    }

    @Test
    void rejectsNonFloatingPointInput() {
        SameDiff sd = SameDiff.create();
        SDVariable ints = sd.placeHolder("i", DataType.INT, -1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LambertW.w0(sd, ints));
        assertTrue(e.getMessage().contains("INT"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LambertW.w0(sd, null));
        SDVariable other = SameDiff.create().placeHolder("z", DataType.DOUBLE, -1, 1);
        assertThrows(IllegalArgumentException.class, () -> LambertW.w0(sd, other));
    }
}
