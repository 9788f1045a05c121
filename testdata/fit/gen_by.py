#!/usr/bin/python3
"""Golden values for fit --by architecture (fit.TestEqualSlopes, fit.ByArchitecture), from statsmodels and scipy.

Run with Debian's interpreter (apt-get install python3-statsmodels gives it statsmodels 0.13.5):

    /usr/bin/python3 testdata/fit/gen_by.py

It writes testdata/fit/by_architecture.json. The Go tests read that file; they never run Python.

For each case, the points of every family are fitted twice in one pooled regression on t = ln x, u = ln y:

- full:       u ~ C(family) * t   (an intercept and a slope per family: the family x ln x interaction)
- restricted: u ~ C(family) + t   (an intercept per family, one common slope)

and the F test of the interaction is statsmodels' anova_lm(restricted, full) for OLS and full.compare_f_test(
restricted) (the same F for WLS, where anova_lm does not apply weights to its sums). The p-value is also computed
by scipy.stats.f.sf, which keeps its digits in the far tail. The restricted model's slope, its standard error and
conf_int are the common exponent.
"""
import json
import os

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.anova import anova_lm

out = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__,
                    "pandas": pd.__version__}}


def case(name, fams, alphas=(0.05,), weights=None):
    rows = []
    for fam, (x, y) in fams.items():
        for i in range(len(x)):
            rows.append({"family": fam, "x": float(x[i]), "y": float(y[i])})
    df = pd.DataFrame(rows)
    df["t"], df["u"] = np.log(df["x"]), np.log(df["y"])
    if weights is None:
        full = smf.ols("u ~ C(family) * t", df).fit()
        restricted = smf.ols("u ~ C(family) + t", df).fit()
        table = anova_lm(restricted, full)
        f_anova, p_anova = float(table["F"][1]), float(table["Pr(>F)"][1])
    else:
        df["w"] = np.concatenate([np.asarray(weights[f], float) for f in fams])
        full = smf.wls("u ~ C(family) * t", df, weights=df["w"]).fit()
        restricted = smf.wls("u ~ C(family) + t", df, weights=df["w"]).fit()
        f_anova = p_anova = None
    f_cmp, p_cmp, ddf = full.compare_f_test(restricted)
    df1, df2 = int(ddf), int(full.df_resid)
    c = {
        "name": name,
        "families": [{"family": f, "x": list(map(float, x)), "y": list(map(float, y)),
                      "weights": None if weights is None else list(map(float, weights[f]))}
                     for f, (x, y) in fams.items()],
        "df1": df1, "df2": df2,
        "f": float(f_cmp), "p": float(p_cmp), "p_sf": float(stats.f.sf(f_cmp, df1, df2)),
        "f_anova": f_anova, "p_anova": p_anova,
        "rss_full": float(full.ssr), "rss_restricted": float(restricted.ssr),
        "common": float(restricted.params["t"]), "common_se": float(restricted.bse["t"]),
        "common_df": float(restricted.df_resid),
        "common_ci": [{"alpha": a, "ci": list(map(float, restricted.conf_int(alpha=a).loc["t"]))} for a in alphas],
    }
    return c


PYTHIA = [70426624, 162322944, 405334016, 1011781632, 1414647808, 2775208960, 6857302016, 11846072320]
LLAMA = [1235814400, 3212749824, 8030261248, 70553706496]
QWEN = [494032768, 1543714304, 3085938688, 7615616512, 14770033664]

rng = np.random.default_rng(20260107)


def law(x, a, b, sd):
    x = np.asarray(x, float)
    return a * x ** b * np.exp(rng.normal(0, sd, len(x)))


out["cases"] = [
    # three families, clearly different exponents
    case("three-differ", {
        "gpt_neox": (PYTHIA[:5], law(PYTHIA[:5], 0.002, 0.35, 0.05)),
        "llama": (LLAMA, law(LLAMA, 0.05, 0.15, 0.05)),
        "qwen2": (QWEN[:3], law(QWEN[:3], 0.5, 0.05, 0.05)),
    }, alphas=(0.05, 0.1)),
    # two families with one exponent: the test should not reject
    case("two-same", {
        "gpt_neox": (PYTHIA[1:7], law(PYTHIA[1:7], 0.002, 0.3, 0.05)),
        "llama": (LLAMA, law(LLAMA, 0.003, 0.32, 0.05)),
    }),
    # a family of two models: exact, no residual degree of freedom, but it still enters through the common slope
    case("exact-pair", {
        "gpt2": ([124439808, 1557611200], [1.7, 2.9]),
        "gpt_neox": (PYTHIA[:4], law(PYTHIA[:4], 0.01, 0.25, 0.08)),
    }),
    # far apart, little noise: a p-value deep in the tail
    case("tail", {
        "gpt_neox": (PYTHIA, law(PYTHIA, 0.002, 0.35, 0.01)),
        "llama": (LLAMA + [405e9], law(LLAMA + [405e9], 50, -0.2, 0.01)),
    }),
    # weighted least squares (inverse-variance weights)
    case("weighted", {
        "gpt_neox": (PYTHIA[:6], law(PYTHIA[:6], 0.01, 0.3, 0.05)),
        "llama": (LLAMA, law(LLAMA, 0.03, 0.2, 0.05)),
    }, weights={"gpt_neox": [400, 100, 250, 60, 90, 300], "llama": [150, 80, 200, 50]}),
]

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "by_architecture.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", path)
