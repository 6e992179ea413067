"""The comparison point for the GPU check: Lambert W0 as PyTorch users compute it without a native kernel.

FastEstimator's SuperLoss (torch backend) evaluates W0 with Halley's iteration on whole tensors: a starting value
from the series at the branch point for z < -0.2649 and from Winitzki's approximation log(1+z)(1 - log(1+log(1+z)) /
(2 + log(1+z))) elsewhere, then Halley steps on f(w) = w - z exp(-w) until every element's step is below 1e-6 of its
value (at most 20 steps). This is an independent implementation of that algorithm, run on float32 CUDA tensors.

Prints the elapsed time per call (the median of 5 after 2 warm-ups, host synchronisations included, since the
convergence test needs them) and the error in float32 ulp on 2^20 of the points against the same iteration run in
float64 to convergence, as one line: TORCH ms=... steps=... max_ulp=... torch=<version>.
"""
import argparse
import math
import time

try:
    import torch
except ImportError:  # the numpy path of halley_w0 still works (used to check it without a GPU)
    torch = None


def halley_w0(z, tolerance: float, max_steps: int = 20, xp=None):
    """W0(z) by Halley's iteration on f(w) = w - z exp(-w); returns (w, steps taken). xp: torch (or numpy)."""
    xp = xp or torch
    p = xp.sqrt(2.0 * (1.0 + math.e * z))                    # p = sqrt(2(1 + e z)), the branch-point variable
    series = -1.0 + p * (1.0 + p * (-1.0 / 3.0 + p * (11.0 / 72.0)))
    log1p = xp.log1p(z)
    winitzki = log1p * (1.0 - xp.log1p(log1p) / (2.0 + log1p))
    w = xp.where(z < -0.2649, series, winitzki)
    for step in range(1, max_steps + 1):
        f = w - z * xp.exp(-w)
        w_plus_1 = w + 1.0000001                              # keeps the denominator finite at w = -1
        delta = f / (w_plus_1 - (w + 2.0) * f / (2.0 * w_plus_1))
        w = w - delta
        if bool(xp.all(xp.abs(delta) <= tolerance * xp.abs(w))):
            return w, step
    return w, max_steps


def float32_ulp(x):
    _, exponent = torch.frexp(x.to(torch.float64))
    return torch.ldexp(torch.ones_like(x, dtype=torch.float64), torch.clamp(exponent, min=-125) - 24)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log2n", type=int, default=28)
    args = parser.parse_args()
    n = 1 << args.log2n
    generator = torch.Generator(device="cuda").manual_seed(1)
    # The inputs of the GPU check's throughput run: uniform on [-0.3678794, 4], just above -1/e (below it the
    # branch-point start is NaN and the convergence test never passes).
    z = -0.3678794 + 4.3678794 * torch.rand(n, device="cuda", dtype=torch.float32, generator=generator)
    times, steps = [], 0
    for i in range(7):
        torch.cuda.synchronize()
        start = time.perf_counter()
        w, steps = halley_w0(z, 1e-6)
        torch.cuda.synchronize()
        if i >= 2:
            times.append(time.perf_counter() - start)
    ms = sorted(times)[len(times) // 2] * 1e3
    sample = z[: 1 << 20]
    exact, _ = halley_w0(sample.to(torch.float64), 1e-15, 50)
    err = (w[: 1 << 20].to(torch.float64) - exact).abs() / float32_ulp(exact)
    max_ulp = torch.nan_to_num(err, nan=float("inf")).max().item()
    print(f"TORCH ms={ms:.3f} steps={steps} max_ulp={max_ulp:.2f} torch={torch.__version__} "
          f"(Halley W0 as FastEstimator, float32, 2^{args.log2n} elements)")


if __name__ == "__main__":
    main()
