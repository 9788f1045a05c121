#!/usr/bin/python3
"""Golden values for laws in training steps (fit.StepLaws, fit --x step, the report's checkpoint section).

Run with Debian's interpreter (it has numpy, scipy and statsmodels):

    /usr/bin/python3 testdata/fit/gen_steps.py

It writes testdata/fit/steps.json. The Go tests read that file; they never run Python.

The data are a sweep of two models. "small" has checkpoints at steps 1, 16, 256, 4096 and 65536 whose final MLP gain is
0.8·step^0.2·e^d with fixed deviations d, beside step0 and main (which a log-log fit in steps cannot use); "large"
has step1000 and step143000 exactly on 1.5·step^0.1, beside step0. Each model's law is the OLS of ln y on ln step
with statsmodels: the exponent and prefactor, the exponent's standard error and t interval, R², and the mean (CI) and
observation (PI) intervals of the prediction at step 286000.
"""
import json
import os

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm

ALPHA = 0.05
TARGET = 286000.0

models = {
    "small": {
        "params": 1e8,
        "law": [0.8, 0.2],
        "steps": [1, 16, 256, 4096, 65536],
        "d": [0.03, -0.02, 0.01, -0.04, 0.02],
        "other": [["step0", 0.3], ["main", 7.6]],
    },
    "large": {
        "params": 1e9,
        "law": [1.5, 0.1],
        "steps": [1000, 143000],
        "d": [0.0, 0.0],
        "other": [["step0", 0.2]],
    },
}

out = {"versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
       "alpha": ALPHA, "target": TARGET, "models": []}
for name, m in models.items():
    a, b = m["law"]
    steps = np.asarray(m["steps"], float)
    y = a * steps**b * np.exp(m["d"])
    runs = [{"revision": f"step{int(s)}", "y": float(v)} for s, v in zip(steps, y)]
    runs += [{"revision": r, "y": v} for r, v in m["other"]]
    res = sm.OLS(np.log(y), sm.add_constant(np.log(steps))).fit()
    law = {"n": len(steps), "exponent": float(res.params[1]), "prefactor": float(np.exp(res.params[0]))}
    if res.df_resid > 0:
        sf = res.get_prediction(np.array([[1.0, np.log(TARGET)]])).summary_frame(alpha=ALPHA)
        ci = res.conf_int(alpha=ALPHA)[1]
        law.update({
            "exponent_se": float(res.bse[1]), "exponent_ci": [float(ci[0]), float(ci[1])],
            "r2": float(res.rsquared),
            "prediction": float(np.exp(sf["mean"].iloc[0])),
            "prediction_ci": [float(np.exp(sf["mean_ci_lower"].iloc[0])), float(np.exp(sf["mean_ci_upper"].iloc[0]))],
            "prediction_pi": [float(np.exp(sf["obs_ci_lower"].iloc[0])), float(np.exp(sf["obs_ci_upper"].iloc[0]))],
        })
    else:  # two checkpoints: the line is exact, with no interval
        law["prediction"] = float(np.exp(res.params[0] + res.params[1] * np.log(TARGET)))
    out["models"].append({"model": name, "params": m["params"], "runs": runs, "law": law})

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "steps.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", path)
