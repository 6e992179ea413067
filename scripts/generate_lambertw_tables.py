#!/usr/bin/env python3
"""Computes the constant tables and the derived constants of io.superloss.LambertWKernel from their definitions.

Every number that LambertWKernel.java takes from a mathematical definition (rather than choosing it, like a regime
boundary) is computed here with mpmath at 50 significant digits and rounded once, to nearest-even, to the target
format; the script writes them into the Java source in the source's own form (hexadecimal literals; the
branch-series coefficients as shortest decimals with their exact rationals), replacing only the initializers of the
constants and tables it knows: comments and Javadoc stay as they are in the Java file.

    python3 scripts/generate_lambertw_tables.py            # print the generated declarations
    python3 scripts/generate_lambertw_tables.py --write    # rewrite them in LambertWKernel.java
    python3 scripts/generate_lambertw_tables.py --check    # exit 1, with a diff, if the Java file differs (CI)
    python3 scripts/generate_lambertw_tables.py --errors   # each polynomial piece's maximum relative error

After --write, run scripts/port_lambertw_kernel.py (the CUDA header copies the tables). Needs mpmath (Debian:
python3-mpmath); scripts/check-lambertw-tables.sh installs it when missing and runs --check.

Definitions (the Java code that uses each table reads the piece index and the polynomial variable t off the bits of
its argument; the intervals below are the ones those reads imply):
  - polynomial pieces: on each piece [lo, hi) of a variable x, the degree-n polynomial in t = (2x - lo - hi)/(hi - lo)
    that interpolates the function at the n + 1 Chebyshev nodes of the first kind t_k = cos((2k + 1) pi / (2n + 2)),
    computed as a Chebyshev series, converted to the monomial basis (constant first) and rounded coefficient by
    coefficient;
  - MID: R(v) = e^{-W0(z)} = W0(z)/z with z = (v/2 - 1)/e, degree 6 on the 36 quarter-binades
    [2^e (1 + j/4), 2^e (1 + (j+1)/4)) of v, e = -2..6, j = 0..3; after each piece's 7 coefficients
    W_c = (W0(z(lo)) + W0(z(hi)))/2 rounded, and e^{-W_c} of that rounded W_c as hi + lo; rows padded with zeros to 16;
  - NEAR: R(p) = e^{-W0(z)} with z = (p^2/2 - 1)/e, degree 7 on [1/16, 1/4] and [1/4, 1/2]; after the coefficients
    the scale 2/(hi - lo) and the offset -(lo + hi)/(hi - lo) of t = p scale + offset;
  - LARGE: W0(2^u), degree 7 on the 16 half-binades [2^k (1 + s/2), 2^k (1 + (s+1)/2)) of u, k = 2..9, s = 0, 1;
    after the coefficients the offset -(lo + hi)/(hi - lo) = -(5 + 2s); rows padded with zeros to 16;
  - EXP2_TABLE: 2^(j/64), j = 0..63, as hi (nearest double) and lo (2^(j/64) - hi, rounded);
  - LOG2_TABLE: c_j = 1 + (j + 1/2)/64, j = 0..63, as (1/c_j rounded, -log2 of that rounded value);
  - scalars: 1/e (double hi + lo, float, binary16), 2e, 64/ln2, ln2/64 split into a 36-bit hi and a rounded lo, the
    Taylor coefficients (-1)^(i+1)/(i ln2) of log2(1 + r), the branch-point series coefficients mu_2..mu_12 (exact
    rationals from the recurrence of Corless et al. 1996, eqs. 4.22-4.24), and MIDDLE_FLOAT_MIN, the smallest float
    z for which the kernel's own double arithmetic fma(TWO_E, z, fl(TWO_E INV_E_HI)) gives v >= 1/4.
"""
import argparse
import difflib
import math
import pathlib
import re
import struct
import sys
from fractions import Fraction

try:
    import mpmath
except ImportError:
    sys.exit("generate_lambertw_tables: needs mpmath (Debian: apt-get install python3-mpmath); "
             "scripts/check-lambertw-tables.sh installs it")

ROOT = pathlib.Path(__file__).resolve().parent.parent
JAVA = ROOT / "src/main/java/io/superloss/LambertWKernel.java"

mp = mpmath.mp
mp.dps = 50
ROW = 16  # MID and LARGE rows are padded to this many entries

# ------------------------------------------------------------------------------------------------------- rounding


def exact(x):
    """An mpf (or int, Fraction, float) as an exact Fraction."""
    if isinstance(x, (int, Fraction, float)):
        return Fraction(x)
    x = mpmath.mpf(x)
    man, exp = x.man_exp  # |x| = man 2^exp
    return (-1 if x < 0 else 1) * Fraction(man) * Fraction(2) ** exp


def round_bits(x, bits):
    """x rounded to nearest-even with `bits` significant bits (normal range), as an exact Fraction."""
    x = exact(x)
    if x == 0:
        return x
    sign, a = (-1 if x < 0 else 1), abs(x)
    e = a.numerator.bit_length() - a.denominator.bit_length()  # 2^(e-1) < a < 2^(e+1)
    if a < Fraction(2) ** e:
        e -= 1  # now 2^e <= a < 2^(e+1)
    scaled = a / Fraction(2) ** (e - bits + 1)  # in [2^(bits-1), 2^bits)
    q, r = divmod(scaled.numerator, scaled.denominator)
    if 2 * r > scaled.denominator or (2 * r == scaled.denominator and q % 2 == 1):
        q += 1
    return sign * Fraction(q) * Fraction(2) ** (e - bits + 1)


def to_double(x):
    """x rounded to the nearest double."""
    return float(round_bits(x, 53))


def to_float(x):
    """x rounded to the nearest float (binary32), as the (exact) double of that float."""
    return float(round_bits(x, 24))


def fma(a, b, c):
    """a b + c with one rounding to double (Java's Math.fma)."""
    return to_double(Fraction(a) * Fraction(b) + Fraction(c))


# ------------------------------------------------------------------------------------------------ Java literals


def hex_literal(x, fraction_digits=13):
    """The Java hexadecimal literal of a double, with `fraction_digits` hex digits (13: every digit of a double);
    0.0 for zero."""
    if x == 0:
        return "0.0"
    text = x.hex()  # [-]0x1.<13 digits>p<exp>
    mantissa, exponent = text.split("p")
    head, digits = mantissa.split(".")
    if digits[fraction_digits:].strip("0"):
        raise ValueError("%r needs more than %d hex digits" % (x, fraction_digits))
    return "%s.%sp%s" % (head, digits[:fraction_digits], exponent)


def float_literal(x):
    """The Java hexadecimal literal of a float value (24 significant bits: 6 hex digits)."""
    return hex_literal(x, 6) + "f"


def half_literal(x):
    """The Java hexadecimal literal of a binary16 value held in a double (11 significant bits: 3 hex digits)."""
    return hex_literal(x, 3)


def decimal_literal(x):
    """The shortest decimal that reads back as x (Java's Double.toString form for 1e-3 <= |x| < 1e7)."""
    text = repr(x)
    if "e" in text or not 1e-3 <= abs(x) < 1e7:
        raise ValueError("no plain decimal form for %r" % x)
    return text


def table_body(values, per_line):
    lines = []
    for k in range(0, len(values), per_line):
        lines.append("        " + ", ".join(hex_literal(v) for v in values[k:k + per_line]) + ",")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- polynomial pieces


def chebyshev_monomial(f, lo, hi, degree):
    """Monomial coefficients (constant first, unrounded) in t = (2x - lo - hi)/(hi - lo) of the polynomial of the
    given degree interpolating f at the Chebyshev nodes of the first kind mapped to [lo, hi]."""
    n = degree + 1
    angles = [mp.pi * (2 * k + 1) / (2 * n) for k in range(n)]
    values = [f((lo + hi) / 2 + (hi - lo) / 2 * mpmath.cos(a)) for a in angles]
    cheb = [2 * mpmath.fsum(y * mpmath.cos(j * a) for y, a in zip(values, angles)) / n for j in range(n)]
    cheb[0] /= 2
    # T_j in the monomial basis (integer coefficients): T_0 = 1, T_1 = t, T_{j+1} = 2t T_j - T_{j-1}.
    basis = [[1], [0, 1]]
    while len(basis) < n:
        prev, cur = basis[-2], basis[-1]
        nxt = [0] + [2 * c for c in cur]
        for i, c in enumerate(prev):
            nxt[i] -= c
        basis.append(nxt)
    return [mpmath.fsum(cheb[j] * basis[j][i] for j in range(i, n) if i < len(basis[j])) for i in range(n)]


def w0(z):
    return mpmath.lambertw(z).real


def z_of_v(v):
    """z with v = 2 (1 + e z), i.e. v = p^2 = 2 e (z + 1/e)."""
    return (v / 2 - 1) / mp.e


def r_of_v(v):
    return mpmath.exp(-w0(z_of_v(v)))


def r_of_p(p):
    return r_of_v(p * p)


def w0_of_log2(u):
    return w0(mpmath.power(2, u))


def mid_pieces():
    """(lo, hi) of the 36 quarter-binades of v, in table order (index 4 (e + 2) + j)."""
    return [(mpmath.ldexp(1 + mpmath.mpf(j) / 4, e), mpmath.ldexp(1 + mpmath.mpf(j + 1) / 4, e))
            for e in range(-2, 7) for j in range(4)]


def near_pieces():
    return [(mpmath.mpf(1) / 16, mpmath.mpf(1) / 4), (mpmath.mpf(1) / 4, mpmath.mpf(1) / 2)]


def large_pieces():
    """(lo, hi) of the 16 half-binades of u, in table order (index 2k - 4 + s)."""
    return [(mpmath.ldexp(1 + mpmath.mpf(s) / 2, k), mpmath.ldexp(1 + mpmath.mpf(s + 1) / 2, k))
            for k in range(2, 10) for s in range(2)]


MID_DEGREE, NEAR_DEGREE, LARGE_DEGREE = 6, 7, 7


def mid_table():
    out = []
    for lo, hi in mid_pieces():
        row = [to_double(c) for c in chebyshev_monomial(r_of_v, lo, hi, MID_DEGREE)]
        w_c = to_double((w0(z_of_v(lo)) + w0(z_of_v(hi))) / 2)
        e_exact = mpmath.exp(-mpmath.mpf(w_c))
        e_hi = to_double(e_exact)
        row += [w_c, e_hi, to_double(e_exact - e_hi)]
        out += row + [0.0] * (ROW - len(row))
    return out


def near_table():
    out = []
    for lo, hi in near_pieces():
        out += [to_double(c) for c in chebyshev_monomial(r_of_p, lo, hi, NEAR_DEGREE)]
        out += [to_double(2 / (hi - lo)), to_double(-(lo + hi) / (hi - lo))]
    return out


def large_table():
    out = []
    for lo, hi in large_pieces():
        row = [to_double(c) for c in chebyshev_monomial(w0_of_log2, lo, hi, LARGE_DEGREE)]
        row.append(to_double(-(lo + hi) / (hi - lo)))
        out += row + [0.0] * (ROW - len(row))
    return out


# ------------------------------------------------------------------------------------------------- other tables


def exp2_table():
    out = []
    for j in range(64):
        value = mpmath.power(2, mpmath.mpf(j) / 64)
        hi = to_double(value)
        out += [hi, to_double(value - hi)]
    return out


def log2_table():
    out = []
    for j in range(64):
        inv_c = to_double(Fraction(128, 129 + 2 * j))  # 1/c_j, c_j = 1 + (j + 1/2)/64
        out += [inv_c, to_double(-mpmath.log(mpmath.mpf(inv_c), 2))]
    return out


# ----------------------------------------------------------------------------------------------------- scalars


def branch_series_mu(count):
    """mu_0..mu_{count-1} of W = sum mu_k p^k at the branch point (Corless et al. 1996, eqs. 4.22-4.24), exact."""
    mu = [Fraction(-1), Fraction(1)]
    alpha = [Fraction(2), Fraction(-1)]
    for k in range(2, count):
        alpha.append(sum((mu[j] * mu[k + 1 - j] for j in range(2, k)), Fraction(0)))
        mu.append(Fraction(k - 1, k + 1) * (mu[k - 2] / 2 + alpha[k - 2] / 4) - alpha[k] / 2 - mu[k - 1] / (k + 1))
    return mu


def middle_float_min(two_e, two_e_inv_e):
    """The smallest float z in (-1/e, 0) with fma(TWO_E, z, TWO_E_INV_E) >= 1/4 (v is non-decreasing in z)."""
    def value(bits):  # negative float with these magnitude bits
        return -struct.unpack("<f", struct.pack("<I", bits))[0]

    def in_middle(bits):
        return fma(two_e, value(bits), two_e_inv_e) >= 0.25

    small, large = 0, struct.unpack("<I", struct.pack("<f", 1 / math.e))[0]  # in_middle(small), not in_middle(large)
    assert in_middle(small) and not in_middle(large)
    while large - small > 1:
        mid = (small + large) // 2
        if in_middle(mid):
            small = mid
        else:
            large = mid
    return value(small)


def scalars():
    """(name, Java literal, trailing comment or None) for every generated scalar constant, in source order."""
    inv_e = 1 / mp.e
    inv_e_hi = to_double(inv_e)
    two_e = to_double(2 * mp.e)
    ln2_64 = mpmath.log(2) / 64
    ln2_64_hi = float(round_bits(ln2_64, 36))
    out = [
        ("INV_E_HI", hex_literal(inv_e_hi), None),
        ("INV_E_LO", hex_literal(to_double(inv_e - inv_e_hi)), None),
        ("INV_E_FLOAT", float_literal(to_float(inv_e)), None),
        ("HALF_NEG_INV_E", half_literal(float(round_bits(-inv_e, 11))), None),
        ("TWO_E", hex_literal(two_e), None),
        ("MIDDLE_FLOAT_MIN", float_literal(middle_float_min(two_e, two_e * inv_e_hi)), None),
    ]
    mu = branch_series_mu(13)
    for k in range(2, 13):
        rational = "%d/%d" % (mu[k].numerator, mu[k].denominator)
        out.append(("MU%d" % k, decimal_literal(to_double(mu[k])), rational))
    out += [
        ("INV_LN2_64", hex_literal(to_double(64 / mpmath.log(2))), "64/ln2"),
        ("LN2_64_HI", hex_literal(ln2_64_hi), None),
        ("LN2_64_LO", hex_literal(to_double(ln2_64 - ln2_64_hi)), None),
    ]
    for i in range(1, 5):
        out.append(("LOG2_K%d" % i, hex_literal(to_double((-1) ** (i + 1) / (i * mpmath.log(2)))), None))
    return out


def tables():
    """(name, values, entries per source line) for every generated table, in source order."""
    return [
        ("EXP2_TABLE", exp2_table(), 2),
        ("MID", mid_table(), ROW),
        ("NEAR", near_table(), NEAR_DEGREE + 3),
        ("LARGE", large_table(), ROW),
        ("LOG2_TABLE", log2_table(), 2),
    ]


# ------------------------------------------------------------------------------------------ the Java source


def declaration_pattern(name):
    return re.compile(r"((?:private )?static final (?:double|float) %s = )([^;]+)(;[^\n]*)" % name)


def table_pattern(name):
    return re.compile(r"((?:private )?static final double\[\] %s = \{\n)(.*?)(\n    \};)" % name, re.S)


def rewrite(java, scalar_values, table_values):
    """The Java source with every generated initializer replaced by its computed value."""
    known = {name for name, _, _ in table_values}
    declared = set(re.findall(r"static final double\[\] ([A-Z][A-Z0-9_]*) =", java))
    if declared != known:
        die("the tables of %s (%s) are not the generated ones (%s): add the new one to the generator"
            % (JAVA.name, ", ".join(sorted(declared)), ", ".join(sorted(known))))
    for name, literal, comment in scalar_values:
        # A generated comment (an exact rational) replaces the line's comment; otherwise the line's stays.
        java = substitute(java, declaration_pattern(name), name, lambda m, literal=literal, comment=comment: (
            m.group(1) + literal + (m.group(3) if comment is None else "; // " + comment)))
    for name, values, per_line in table_values:
        body = table_body(values, per_line)
        java = substitute(java, table_pattern(name), name, lambda m, body=body: m.group(1) + body + m.group(3))
    return java


def substitute(java, pattern, name, replacement):
    matches = pattern.findall(java)
    if len(matches) != 1:
        die("expected one declaration of %s in %s, found %d" % (name, JAVA.name, len(matches)))
    return pattern.sub(replacement, java)


def declarations(java, scalar_values, table_values):
    """The generated declarations of a (rewritten) Java source as they stand there, for printing."""
    out = []
    for name, _, _ in scalar_values:
        out.append("    " + declaration_pattern(name).search(java).group(0))
    for name, _, _ in table_values:
        out.append("    " + table_pattern(name).search(java).group(0))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------- checks


def ulp_distance(a, b, single=False):
    """Signed distance from a to b, two doubles (or, single, two floats) of the same sign, in units of the last
    place."""
    def magnitude(x):  # |x| as an integer of the same order
        return struct.unpack("<I", struct.pack("<f", abs(x)))[0] if single else \
            struct.unpack("<q", struct.pack("<d", abs(x)))[0]
    return (magnitude(b) - magnitude(a)) * (1 if a > 0 else -1)


def distance_text(old, new, single=False):
    if old * new <= 0:
        return "other sign or zero"
    return "%+d ulp of a %s" % (ulp_distance(old, new, single), "float" if single else "double")


def parse_table(java, name):
    m = table_pattern(name).search(java)
    if m is None:
        return []
    return [parse_literal(v) for v in m.group(2).replace("\n", " ").split(",") if v.strip()]


def parse_literal(text):
    text = text.strip().rstrip("fF")
    return float.fromhex(text) if "x" in text else float(text)


def report_differences(java, scalar_values, table_values):
    """One line per generated number whose value in the Java file differs, with the distance in ulp."""
    for name, literal, _ in scalar_values:
        m = declaration_pattern(name).search(java)
        old, new = parse_literal(m.group(2)), parse_literal(literal)
        if old != new:
            print("%s: Java %s, generated %s (%s)" % (name, m.group(2), literal,
                                                     distance_text(old, new, literal.endswith("f"))))
    for name, values, per_line in table_values:
        stored = parse_table(java, name)
        if len(stored) != len(values):
            print("%s: %d entries in the Java file, %d generated" % (name, len(stored), len(values)))
            continue
        for index, (old, new) in enumerate(zip(stored, values)):
            if old != new:
                print("%s[%d] (row %d, column %d): Java %s, generated %s (%s)" % (
                    name, index, index // per_line, index % per_line, hex_literal(old), hex_literal(new),
                    distance_text(old, new)))


def piece_errors(samples=200):
    """Maximum relative error of each rounded polynomial piece against its function on `samples` equally spaced
    points (with the end points)."""
    def worst(coefficients, f, lo, hi, degree):
        error = mpmath.mpf(0)
        for k in range(samples + 1):
            t = -1 + mpmath.mpf(2 * k) / samples
            exact_value = f((lo + hi) / 2 + (hi - lo) / 2 * t)
            poly = mpmath.polyval([mpmath.mpf(c) for c in reversed(coefficients[:degree + 1])], t)
            error = max(error, abs(poly / exact_value - 1))
        return error

    mid, near, large = mid_table(), near_table(), large_table()
    lines = []
    for i, (lo, hi) in enumerate(mid_pieces()):
        lines.append("MID[%2d]   v in [%s, %s): %.2e" % (i, mpmath.nstr(lo, 6), mpmath.nstr(hi, 6),
                                                        worst(mid[ROW * i:], r_of_v, lo, hi, MID_DEGREE)))
    for i, (lo, hi) in enumerate(near_pieces()):
        lines.append("NEAR[%d]   p in [%s, %s]: %.2e" % (i, mpmath.nstr(lo, 6), mpmath.nstr(hi, 6),
                                                        worst(near[10 * i:], r_of_p, lo, hi, NEAR_DEGREE)))
    for i, (lo, hi) in enumerate(large_pieces()):
        lines.append("LARGE[%2d] u in [%s, %s): %.2e" % (i, mpmath.nstr(lo, 6), mpmath.nstr(hi, 6),
                                                         worst(large[ROW * i:], w0_of_log2, lo, hi, LARGE_DEGREE)))
    return "\n".join(lines)


def die(message):
    sys.exit("generate_lambertw_tables: " + message)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the generated values in LambertWKernel.java")
    mode.add_argument("--check", action="store_true", help="exit 1 if LambertWKernel.java differs from them")
    parser.add_argument("--errors", action="store_true", help="print each polynomial piece's max relative error")
    args = parser.parse_args()

    scalar_values, table_values = scalars(), tables()
    java = JAVA.read_text()
    generated = rewrite(java, scalar_values, table_values)
    relative = JAVA.relative_to(ROOT)
    if args.check:
        if generated != java:
            sys.stdout.writelines(difflib.unified_diff(java.splitlines(True), generated.splitlines(True),
                                                       "%s (committed)" % relative, "%s (generated)" % relative))
            report_differences(java, scalar_values, table_values)
            sys.stdout.flush()
            die("%s differs from its definitions (diff above): fix the definition in this script or run it "
                "with --write" % relative)
        print("%s: %d constants and %d tables (%d entries) match their definitions" % (
            relative, len(scalar_values), len(table_values), sum(len(v) for _, v, _ in table_values)))
    elif args.write:
        if generated != java:
            JAVA.write_text(generated)
            print("rewrote", relative, "- now run python3 scripts/port_lambertw_kernel.py")
        else:
            print(relative, "is up to date")
    elif not args.errors:
        print(declarations(generated, scalar_values, table_values))
    if args.errors:
        print(piece_errors())


if __name__ == "__main__":
    main()
