#!/usr/bin/python3
"""Golden values for package fit, from statsmodels and scipy.

Run with Debian's interpreter (it has numpy, scipy and statsmodels):

    /usr/bin/python3 testdata/fit/gen.py

It writes testdata/fit/golden.json. The Go tests read that file; they never run Python.

- "ols": OLS/WLS of ln y on ln x with statsmodels: params, bse, conf_int, rsquared, scale, resid, and
  get_prediction(exog, weights=w0).summary_frame(alpha) at new x values.
- "bca": scipy.stats.bootstrap intervals (percentile, basic, BCa) computed from a FIXED bootstrap distribution that is
  committed here, passed back to scipy through `bootstrap_result` with n_resamples=0, so that the Go test feeds the
  same resample statistics and the same jackknife values to its own arithmetic and compares the intervals.
"""
import json
import os

import mpmath
import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats
from scipy.stats._resampling import _bca_interval, _jackknife_resample

out = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__}}

PYTHIA = [70426624, 162322944, 405334016, 1011781632, 1414647808, 2775208960, 6857302016, 11846072320]


def t_exact(p, df):
    """The Student-t quantile to full double precision, by root finding on the CDF in 40-digit arithmetic."""
    mpmath.mp.dps = 40
    cdf = lambda t: 1 - mpmath.betainc(df / 2, 0.5, 0, df / (df + t * t), regularized=True) / 2 - p
    return float(mpmath.findroot(cdf, stats.t.ppf(p, df)))


def ols_case(name, x, y, x0, alphas, weights=None, w0=None):
    x, y, x0 = np.asarray(x, float), np.asarray(y, float), np.asarray(x0, float)
    X = sm.add_constant(np.log(x))
    if weights is None:
        res = sm.OLS(np.log(y), X).fit()
    else:
        res = sm.WLS(np.log(y), X, weights=np.asarray(weights, float)).fit()
    case = {"name": name, "x": x.tolist(), "y": y.tolist(), "x0": x0.tolist(),
            "weights": None if weights is None else list(map(float, weights)), "w0": w0,
            "params": res.params.tolist(), "bse": res.bse.tolist(), "rsquared": float(res.rsquared),
            "scale": float(res.scale), "resid": res.resid.tolist(), "df_resid": float(res.df_resid), "alphas": []}
    X0 = np.column_stack([np.ones(len(x0)), np.log(x0)])
    for a in alphas:
        kw = {} if w0 is None else {"weights": w0}
        sf = res.get_prediction(X0, **kw).summary_frame(alpha=a)
        case["alphas"].append({
            "alpha": a,
            # the quantile statsmodels used (scipy's stdtrit) and the exact one (mpmath, 40 digits)
            "t_statsmodels": float(stats.t.ppf(1 - a / 2, res.df_resid)),
            "t_exact": t_exact(1 - a / 2, res.df_resid),
            "conf_int": res.conf_int(alpha=a).tolist(),
            "mean": sf["mean"].tolist(), "mean_se": sf["mean_se"].tolist(),
            "mean_ci_lower": sf["mean_ci_lower"].tolist(), "mean_ci_upper": sf["mean_ci_upper"].tolist(),
            "obs_ci_lower": sf["obs_ci_lower"].tolist(), "obs_ci_upper": sf["obs_ci_upper"].tolist(),
        })
    return case


rng = np.random.default_rng(20260105)
x5 = PYTHIA[1:6]
y5 = 0.002 * np.power(x5, 0.35) * np.exp(rng.normal(0, 0.08, len(x5)))
x12 = np.exp(rng.uniform(np.log(1e7), np.log(1e11), 12))
y12 = 3.0 * np.power(x12, -0.12) * np.exp(rng.normal(0, 0.2, 12))
x6 = PYTHIA[:6]
y6 = 0.01 * np.power(x6, 0.3) * np.exp(rng.normal(0, 0.05, 6))
se6 = y6 * np.array([0.02, 0.05, 0.03, 0.08, 0.04, 0.06])
targets = [11846072320, 175e9, 1e12, 5e7]
out["ols"] = [
    ols_case("pythia5", x5, y5, targets, [0.05, 0.1, 0.32]),
    ols_case("n3", PYTHIA[2:5], [1.9, 2.7, 2.9], targets, [0.05]),
    ols_case("dupx", [1e8, 1e8, 1e9, 1e10], [1.0, 1.3, 2.2, 4.1], targets, [0.05, 0.2]),
    ols_case("random12", x12, y12, targets + [3.3e9], [0.05, 0.01]),
    ols_case("wls6", x6, y6, targets, [0.05, 0.1], weights=1 / (se6 / y6) ** 2,
             w0=float(len(x6) / np.sum((se6 / y6) ** 2))),
]


def bca_case(name, data, statistic, B, confidences, paired=False, seed=1):
    data = tuple(np.asarray(d, float) for d in data)
    first = stats.bootstrap(data, statistic, n_resamples=B, paired=paired, vectorized=True,
                            random_state=np.random.default_rng(seed), method="percentile")
    dist = first.bootstrap_distribution
    theta = float(statistic(*data, axis=-1))
    # The jackknife values exactly as scipy's _bca_interval makes them (for paired data scipy resamples indices).
    if paired:
        rows = next(_jackknife_resample(np.arange(len(data[0]))))  # (n, n-1) index sets, row i leaves out i
        jk = [statistic(*[d[rows] for d in data], axis=-1).tolist()]
    else:
        jk = [[float(statistic(*[np.delete(s, i) if k == j else s for k, s in enumerate(data)], axis=-1))
               for i in range(len(sample))] for j, sample in enumerate(data)]
    case = {"name": name, "theta_hat": theta, "boot": dist.tolist(), "jackknife": jk, "results": []}
    for cl in confidences:
        r = {"confidence": cl}
        for m in ("percentile", "basic", "BCa"):
            ci = stats.bootstrap(data, statistic, n_resamples=0, paired=paired, vectorized=True, confidence_level=cl,
                                 bootstrap_result=first, method=m).confidence_interval
            r[m.lower()] = [float(ci.low), float(ci.high)]
        alpha = (1 - cl) / 2
        if paired:
            n = len(data[0])

            def st(i, axis=-1):
                return statistic(*[d[..., i] for d in data], axis=axis)
            _, _, a_hat = _bca_interval((np.arange(n),), st, axis=-1, alpha=alpha, theta_hat_b=dist, batch=None)
        else:
            _, _, a_hat = _bca_interval(data, statistic, axis=-1, alpha=alpha, theta_hat_b=dist, batch=None)
        r["a_hat"] = float(np.squeeze(a_hat))
        case["results"].append(r)
    return case


def slope(x, y, axis=-1):
    lx, ly = np.log(x), np.log(y)
    mx, my = lx.mean(axis=axis, keepdims=True), ly.mean(axis=axis, keepdims=True)
    return ((lx - mx) * (ly - my)).sum(axis=axis) / ((lx - mx) ** 2).sum(axis=axis)


HX = np.array([1.6e8, 1.0e9, 6.9e9])


def hier_slope(*samples, axis=-1):
    # the hierarchical statistic: slope of ln(mean gain of each model's sequences) on ln x, x fixed
    ly = np.stack([np.log(np.mean(s, axis=axis)) for s in samples], axis=-1)
    lx = np.log(HX)
    mx = lx.mean()
    return ((lx - mx) * (ly - ly.mean(axis=-1, keepdims=True))).sum(axis=-1) / ((lx - mx) ** 2).sum()


skewed = rng.lognormal(0, 1, 25)
px = np.exp(rng.uniform(np.log(1e8), np.log(1e10), 9))
py = 0.01 * px ** 0.3 * np.exp(rng.normal(0, 0.15, 9))
hs = [rng.gamma(4, 0.5, 12) * 2, rng.gamma(4, 0.5, 9) * 3, rng.gamma(4, 0.5, 15) * 5]
out["bca"] = [
    bca_case("lognormal-mean", (skewed,), lambda s, axis=-1: np.mean(s, axis=axis), 2000, [0.95, 0.9, 0.5], seed=3),
    bca_case("pairs-slope", (px, py), slope, 3000, [0.95, 0.8], paired=True, seed=4),
    bca_case("hier-slope", tuple(hs), hier_slope, 2500, [0.95, 0.9], seed=5),
]
out["hier_x"] = HX.tolist()
out["hier_samples"] = [h.tolist() for h in hs]



def offset_case(name, x, y, p0):
    """y = c + a·x^b by scipy.optimize.curve_fit (Levenberg–Marquardt, tight tolerances), and a·x^b with c = 0."""
    from scipy.optimize import curve_fit
    x, y = np.asarray(x, float), np.asarray(y, float)
    f = lambda x, c, a, b: c + a * np.power(x, b)
    popt, pcov = curve_fit(f, x, y, p0=p0, method="lm", ftol=1e-15, xtol=1e-15, gtol=1e-15, maxfev=200000)
    rss = float(np.sum((y - f(x, *popt)) ** 2))
    g = lambda x, a, b: a * np.power(x, b)
    qopt, _ = curve_fit(g, x, y, p0=p0[1:], method="lm", ftol=1e-15, xtol=1e-15, gtol=1e-15, maxfev=200000)
    rss0 = float(np.sum((y - g(x, *qopt)) ** 2))
    return {"name": name, "x": x.tolist(), "y": y.tolist(), "popt": popt.tolist(), "pcov": pcov.tolist(), "rss": rss,
            "power_popt": qopt.tolist(), "power_rss": rss0}


xo = np.array(PYTHIA[:7], float)
out["offset"] = [
    offset_case("rising6", xo[:6], 0.8 + 0.01 * xo[:6] ** 0.3 * np.exp(rng.normal(0, 0.03, 6)), [0.8, 0.01, 0.3]),
    offset_case("falling7", xo, 2.0 + 50 * xo ** -0.2 + rng.normal(0, 0.02, 7), [2.0, 50, -0.2]),
    offset_case("pure5", xo[1:6], 0.002 * xo[1:6] ** 0.35 * np.exp(rng.normal(0, 0.05, 5)), [0.0, 0.002, 0.35]),
]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", path)
