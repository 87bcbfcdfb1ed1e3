#!/usr/bin/env python3
"""Reference values for the system signatures' anomaly test: the binomial upper tail
P(X >= k) for X ~ Binomial(n, p), from scipy.stats.binom.sf(k - 1, n, p). Used only to produce the
committed fixture Tests/FeedbackLoopTests/Fixtures/signature_reference.json; never at run time.

Cases: a grid of n (1 to 200,000), p (1e-5 to 0.9) and k (0, below, at and above the mean, far in
the tail, n), plus the boundaries k = 0 (probability 1) and k > n (probability 0).
Run with python 3.11.7, scipy 1.17.1, numpy 2.4.6: python3 scripts/reference/signatures.py
"""
import json
import math
import os

import numpy as np
import scipy
from scipy import stats

def finite(value):
    """The value, or None where scipy's log underflowed to -inf (the probability is then below 1e-308)."""
    value = float(value)
    return value if math.isfinite(value) else None


cases = []
for n in [1, 5, 20, 100, 1_000, 10_000, 200_000]:
    for p in [1e-5, 0.001, 0.01, 0.05, 0.3, 0.9]:
        mean = n * p
        ks = sorted({0, 1, max(0, math.floor(mean) - 1), math.floor(mean), math.ceil(mean) + 1,
                     math.ceil(mean + 3 * math.sqrt(n * p * (1 - p))) + 1,
                     math.ceil(mean + 10 * math.sqrt(n * p * (1 - p))) + 5, n})
        for k in ks:
            if k > n:
                continue
            cases.append({"n": n, "p": p, "k": k, "upper_tail": float(stats.binom.sf(k - 1, n, p)),
                          "log_upper_tail": finite(stats.binom.logsf(k - 1, n, p))})
cases.append({"n": 10, "p": 0.2, "k": 11, "upper_tail": 0.0, "log_upper_tail": None})

fixture = {"binomial_upper_tail": cases,
           "versions": {"scipy": scipy.__version__, "numpy": np.__version__},
           "conventions": "upper_tail = P(X >= k) = scipy.stats.binom.sf(k - 1, n, p); log_upper_tail = binom.logsf(k - 1, n, p), null where it underflowed to -inf"}
path = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "FeedbackLoopTests", "Fixtures", "signature_reference.json")
with open(path, "w") as handle:
    json.dump(fixture, handle, indent=1, sort_keys=True)
    handle.write("\n")
print(f"{len(cases)} cases -> {os.path.normpath(path)}")
