#!/usr/bin/env python3
"""Reference values for the feedback loop (drift detection, population stability, probability scores,
Gaussian log densities and circular-block-bootstrap confidence intervals), computed with river, numpy,
scikit-learn, scipy and arch. Used only to produce the committed fixture; never at run time.

Sections of the fixture:
  "page_hinkley"          river.drift.PageHinkley(min_instances, delta, threshold, alpha, mode) run over a
                          synthetic stream; "drift_indices" are the 0-based i for which drift_detected is True
                          right after update(stream[i]). Streams (numpy default_rng, seeds below):
                          up_shift 600 N(0,1) + 600 N(1.5,1); down_shift 600 N(0,1) + 600 N(-1.5,1);
                          no_change 1500 N(0,1); squared_variance_jump 400 z^2 + 400 4 z^2 (z ~ N(0,1));
                          multi_shift 5 segments of 120 with means 0, 2, -1, 1.5, -1.5 (sd 1).
                          Parameters: river's defaults (30, 0.005, 50, 1 - 0.0001, both) with the overrides named
                          in each case.
                          The exact algorithm is in "page_hinkley_conventions"; a plain-Python re-implementation
                          written from those sentences must give identical detections (asserted).
  "psi"                   population stability index with quantile bins of the expected sample (definition in
                          "psi_conventions"), re-derived without numpy.quantile/searchsorted (asserted 1e-12).
  "probability_scores"    sklearn brier_score_loss, log_loss(labels=[0, 1]) and
                          calibration_curve(n_bins=10, strategy='uniform'); re-derived in plain numpy
                          (asserted 1e-12), conventions in "probability_score_conventions".
  "gaussian_log_density"  scipy.stats.norm.logpdf(x, mean, sd), 40 cases.
  "block_bootstrap"       arch CircularBlockBootstrap(block_length, values, seed=s).conf_int(np.mean,
                          reps=20000, method='percentile', size=0.95); *_spread = sample standard deviation
                          (ddof 1) of that endpoint over 20 other seeds (Monte-Carlo noise). A plain re-implementation
                          of the resampling with the same numpy Generator reproduces arch's interval exactly
                          (asserted), which pins down the block-drawing and percentile conventions in
                          "block_bootstrap_conventions".
Package versions are recorded under "versions"; run with python 3.11.7, river 0.26.1, arch 8.0.0,
scikit-learn 1.9.1, scipy 1.17.1, numpy 2.4.6.

Output: Tests/FeedbackLoopTests/Fixtures/feedback_reference.json.

Run: pip install river==0.26.1 arch==8.0.0 scikit-learn==1.9.1 scipy==1.17.1 numpy==2.4.6 &&
     python3 scripts/reference/feedback.py
"""
import json
import math
import pathlib
import platform

import arch
import numpy as np
import river
import scipy
import sklearn
from arch.bootstrap import CircularBlockBootstrap
from river.drift import PageHinkley
from scipy import stats
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/FeedbackLoopTests/Fixtures/feedback_reference.json"

SEED = 20250607  # every random draw below comes from default_rng(SEED + offset)


def rng(offset):
    return np.random.default_rng(SEED + offset)


def floats(values):
    return [float(v) for v in values]


# ----------------------------------------------------------------------------------------------
# 1. Page-Hinkley

PAGE_HINKLEY_CONVENTIONS = {
    "source": "river.drift.PageHinkley (river/drift/page_hinkley.py) with base class river.base.DriftDetector "
              "and the running mean river.stats.Mean.",
    "state": "n (float count of the running mean), mean, sum_increase, sum_decrease, min_increase, max_decrease, "
             "drift_detected (bool).",
    "reset": "n = 0, mean = 0, sum_increase = 0, sum_decrease = 0, min_increase = +infinity, max_decrease = -1 "
             "(the number minus one, not -infinity), drift_detected = false. Done at construction.",
    "update(x)": [
        "1. if drift_detected (i.e. the PREVIOUS update signalled a drift): reset() - the sample x is then the "
        "first sample of the new window (the sample that triggered the detection is not part of it).",
        "2. n = n + 1; mean = mean + (1 / n) * (x - mean)   (exactly this operation order: (1.0/n) times the "
        "difference).",
        "3. dev = x - mean   (mean already includes x).",
        "4. sum_increase = alpha * sum_increase + dev - delta   (evaluated left to right: (alpha*s + dev) - delta).",
        "5. sum_decrease = alpha * sum_decrease + dev + delta   (evaluated left to right: (alpha*s + dev) + delta).",
        "6. if sum_increase < min_increase: min_increase = sum_increase.",
        "7. if sum_decrease > max_decrease: max_decrease = sum_decrease.",
        "8. if n >= min_instances: test_increase = sum_increase - min_increase; test_decrease = max_decrease - "
        "sum_decrease; drift_detected = test(mode) where up: test_increase > threshold; down: test_decrease > "
        "threshold; both: test_increase > threshold OR test_decrease > threshold (strict >). Otherwise "
        "drift_detected is left unchanged (it is false there, because a reset cleared it).",
    ],
    "min_instances": "counted by the running mean's n, which restarts at 0 on every reset; so after a detection at "
                     "index i, the next possible detection is at index i + min_instances (samples i+1 .. "
                     "i+min_instances make n = min_instances). Before the first detection, the first possible "
                     "detection index is min_instances - 1.",
    "drift_indices": "0-based i such that drift_detected is true immediately after update(stream[i]).",
}


def page_hinkley_plain(stream, min_instances, delta, threshold, alpha, mode):
    """Written from PAGE_HINKLEY_CONVENTIONS only."""
    detections = []
    drift = False
    n = mean = s_inc = s_dec = 0.0
    min_inc, max_dec = math.inf, -1.0
    for i, x in enumerate(stream):
        if drift:
            drift = False
            n = mean = s_inc = s_dec = 0.0
            min_inc, max_dec = math.inf, -1.0
        n += 1.0
        mean += (1.0 / n) * (x - mean)
        dev = x - mean
        s_inc = alpha * s_inc + dev - delta
        s_dec = alpha * s_dec + dev + delta
        if s_inc < min_inc:
            min_inc = s_inc
        if s_dec > max_dec:
            max_dec = s_dec
        if n >= min_instances:
            t_inc, t_dec = s_inc - min_inc, max_dec - s_dec
            drift = {"up": t_inc > threshold, "down": t_dec > threshold,
                     "both": t_inc > threshold or t_dec > threshold}[mode]
        if drift:
            detections.append(i)
    return detections


def ph_streams():
    r = rng(1)
    up = np.concatenate([r.normal(0.0, 1.0, 600), r.normal(1.5, 1.0, 600)])
    r = rng(2)
    down = np.concatenate([r.normal(0.0, 1.0, 600), r.normal(-1.5, 1.0, 600)])
    r = rng(3)
    flat = r.normal(0.0, 1.0, 1500)
    r = rng(4)
    sq = np.concatenate([r.standard_normal(400) ** 2, 4.0 * r.standard_normal(400) ** 2])
    r = rng(5)
    multi = np.concatenate([r.normal(m, 1.0, 120) for m in (0.0, 2.0, -1.0, 1.5, -1.5)])
    return {"up_shift": up, "down_shift": down, "no_change": flat, "squared_variance_jump": sq, "multi_shift": multi}


DEFAULTS = dict(min_instances=30, delta=0.005, threshold=50.0, alpha=1 - 0.0001, mode="both")
PH_CASES = [
    # (case name, stream name, parameter overrides of river's defaults)
    ("up_shift_defaults", "up_shift", {}),
    ("up_shift_delta0.25_threshold20_up", "up_shift", dict(delta=0.25, threshold=20.0, mode="up")),
    ("down_shift_defaults", "down_shift", {}),
    ("no_change_defaults", "no_change", {}),
    ("squared_variance_jump_up", "squared_variance_jump", dict(mode="up")),
    ("multi_shift_defaults", "multi_shift", {}),
    ("multi_shift_threshold20", "multi_shift", dict(threshold=20.0)),
    ("multi_shift_up", "multi_shift", dict(mode="up")),
    ("multi_shift_down", "multi_shift", dict(mode="down")),
    ("multi_shift_alpha0.999_delta0.25_threshold20_down", "multi_shift",
     dict(alpha=0.999, delta=0.25, threshold=20.0, mode="down")),
    ("multi_shift_min_instances150_delta0.25_threshold15", "multi_shift",
     dict(min_instances=150, delta=0.25, threshold=15.0)),
]

streams = ph_streams()
page_hinkley = []
for name, stream_name, overrides in PH_CASES:
    params = {**DEFAULTS, **overrides}
    stream = floats(streams[stream_name])
    det = PageHinkley(**params)
    found = []
    for i, x in enumerate(stream):
        det.update(x)
        if det.drift_detected:
            found.append(i)
    assert found == page_hinkley_plain(stream, **params), name
    page_hinkley.append({"name": name, "stream_name": stream_name, "min_instances": params["min_instances"],
                         "delta": params["delta"], "threshold": params["threshold"], "alpha": params["alpha"],
                         "mode": params["mode"], "stream": stream, "drift_indices": found})

ph = {c["name"]: c["drift_indices"] for c in page_hinkley}
# behaviour checks: the first detection follows the shift, the wrong direction never fires after it, nothing
# on the stationary stream with the defaults, every shift of the multi-shift stream found
assert 600 < ph["up_shift_defaults"][0] < 650 and 600 < ph["up_shift_delta0.25_threshold20_up"][0] < 650
assert 600 < ph["down_shift_defaults"][0] < 650
assert ph["no_change_defaults"] == []
assert 400 < ph["squared_variance_jump_up"][0] < 420
for name in ("multi_shift_defaults", "multi_shift_threshold20"):
    assert all(any(s < i <= s + 50 for i in ph[name]) for s in (120, 240, 360, 480)), name
for name, shifts in (("multi_shift_up", (120, 360)), ("multi_shift_down", (240, 480)),
                     ("multi_shift_alpha0.999_delta0.25_threshold20_down", (240, 480))):
    assert all(any(s < i <= s + 50 for i in ph[name]) for s in shifts), name
# min_instances 150 > segment length 120: every detection waits for n = 150 samples since the last reset
assert ph["multi_shift_min_instances150_delta0.25_threshold15"] == [149, 299, 449, 599]
assert sum(len(v) >= 2 for v in ph.values()) >= 3


# ----------------------------------------------------------------------------------------------
# 2. population stability index

PSI_BINS = 10
PSI_FLOOR = 1e-4
PSI_CONVENTIONS = {
    "edges": "interior edges e_k = numpy.quantile(expected, k / bins) for k = 1 .. bins-1, with k / bins the Python "
             "float division (0.1, 0.2, 0.3, ... exactly as the doubles nearest k/10), numpy method 'linear': sort "
             "expected ascending (s_0 .. s_{n-1}); v = (n - 1) * q; j = floor(v); g = v - j; if v >= n - 1 the "
             "edge is s_{n-1}; else with a = s_j, b = s_{j+1}, d = b - a: edge = b - d * (1 - g) when g >= 0.5, "
             "otherwise a + d * g.",
    "bin": "bin(x) = number of edges e with e <= x (numpy.searchsorted(edges, x, side='right')), so bins 0 .. bins-1 "
           "and a value equal to an edge goes to the bin above it.",
    "proportions": "p_expected[b] = count of expected values in b / len(expected); p_actual[b] likewise with "
                   "len(actual); then each proportion p = max(p, 1e-4) (no renormalisation).",
    "psi": "sum over b of (p_actual[b] - p_expected[b]) * ln(p_actual[b] / p_expected[b]), summed in bin order.",
}


def psi_numpy(expected, actual, bins=PSI_BINS):
    expected, actual = np.asarray(expected, float), np.asarray(actual, float)
    edges = np.quantile(expected, [k / bins for k in range(1, bins)])
    pe = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=bins) / len(expected)
    pa = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=bins) / len(actual)
    pe, pa = np.maximum(pe, PSI_FLOOR), np.maximum(pa, PSI_FLOOR)
    return float(np.sum((pa - pe) * np.log(pa / pe)))


def psi_plain(expected, actual, bins=PSI_BINS):
    """Written from PSI_CONVENTIONS only."""
    s = sorted(expected)
    n = len(s)
    edges = []
    for k in range(1, bins):
        v = (n - 1) * (k / bins)
        j = math.floor(v)
        g = v - j
        if v >= n - 1:
            edges.append(s[-1])
            continue
        a, b = s[j], s[j + 1]
        d = b - a
        edges.append(b - d * (1 - g) if g >= 0.5 else a + d * g)

    def props(values):
        counts = [0] * bins
        for x in values:
            counts[sum(1 for e in edges if e <= x)] += 1
        return [max(c / len(values), PSI_FLOOR) for c in counts]

    pe, pa = props(expected), props(actual)
    return sum((a - e) * math.log(a / e) for a, e in zip(pa, pe))


def psi_cases():
    out = []
    r = rng(10)
    out.append(("same_distribution", r.normal(0, 1, 1000), r.normal(0, 1, 1000)))
    r = rng(11)
    out.append(("mean_shift_0.25sd", r.normal(0, 1, 300), r.normal(0.25, 1, 300)))
    r = rng(12)
    out.append(("mean_shift_1sd", r.normal(0, 1, 300), r.normal(1.0, 1, 300)))
    r = rng(13)
    out.append(("variance_x2", r.normal(0, 1, 300), r.normal(0, math.sqrt(2.0), 300)))
    r = rng(14)
    exp = r.normal(0, 1, 200)
    act = r.normal(0, 1, 250)
    edges = np.quantile(exp, [k / PSI_BINS for k in range(1, PSI_BINS)])
    act = act[(act < edges[2]) | (act >= edges[3])]  # bin 3 empty in actual
    out.append(("empty_bin_in_actual", exp, act))
    r = rng(15)
    out.append(("small_samples_50_40", r.normal(0, 1, 50), r.normal(0.3, 1.2, 40)))
    r = rng(16)
    out.append(("heavy_ties_integers_0_4", r.choice(5, 400, p=[0.1, 0.2, 0.4, 0.2, 0.1]).astype(float),
                r.choice(5, 300, p=[0.05, 0.15, 0.3, 0.3, 0.2]).astype(float)))
    return out


psi = []
for name, exp, act in psi_cases():
    value = psi_numpy(exp, act)
    assert abs(value - psi_plain(floats(exp), floats(act))) <= 1e-12 * max(1.0, abs(value)), name
    psi.append({"name": name, "expected": floats(exp), "actual": floats(act), "bins": PSI_BINS, "psi": value})
psi_by = {c["name"]: c["psi"] for c in psi}
assert psi_by["same_distribution"] < 0.05 < psi_by["mean_shift_1sd"]
edges_e = np.quantile(psi[4]["expected"], [k / PSI_BINS for k in range(1, PSI_BINS)])
assert 3 not in set(np.searchsorted(edges_e, psi[4]["actual"], side="right").tolist())


# ----------------------------------------------------------------------------------------------
# 3. probability scores

EPS = float(np.finfo(np.float64).eps)
PROBABILITY_SCORE_CONVENTIONS = {
    "brier": "sklearn.metrics.brier_score_loss(outcomes, probabilities): sklearn builds the two columns "
             "(1 - p, p) and one-hot labels (1 - y, y), averages the row sums of squared differences and halves "
             "it (scale_by_half='auto' for binary), i.e. mean((y - p)^2) up to rounding of 1 - p.",
    "log_loss": "sklearn.metrics.log_loss(outcomes, probabilities, labels=[0, 1]): columns (1 - p, p), each "
                "clipped to [eps, 1 - eps] with eps = numpy.finfo(float64).eps = 2.220446049250313e-16 (the "
                "columns are NOT renormalised after clipping); loss = mean over i of -(y_i ln(clip(p_i)) + "
                "(1 - y_i) ln(clip(1 - p_i))), natural log. So p = 0 with y = 0 and p = 1 with y = 1 contribute "
                "-ln(1 - eps) = 2.22e-16, and a confident wrong p = 0 / 1 would contribute -ln(eps) = 36.04.",
    "calibration_curve": "sklearn.calibration.calibration_curve(outcomes, probabilities, n_bins=10, "
                         "strategy='uniform'): edges = numpy.linspace(0, 1, 11) = i * 0.1 (so 0.30000000000000004, "
                         "0.6000000000000001, 0.7000000000000001 at i = 3, 6, 7); bin = numpy.searchsorted(interior "
                         "edges, p, side='left') = number of interior edges strictly below p, so a probability exactly "
                         "on an edge goes to the LOWER bin (p = k/10 -> bin k-1; 1.0 -> bin 9; 0.0 -> bin 0). "
                         "prob_true = mean outcome per bin, prob_pred = mean probability per bin (sum / count), "
                         "bins with no values are dropped, remaining bins in ascending order.",
}


def probability_cases():
    out = []
    r = rng(20)
    p = r.uniform(0, 1, 500)
    out.append(("calibrated_500", p, (r.uniform(0, 1, 500) < p).astype(int)))
    r = rng(21)
    q = r.uniform(0.15, 0.85, 500)
    logit = np.log(q / (1 - q))
    p = 1.0 / (1.0 + np.exp(-3.0 * logit))  # stated probabilities far more extreme than the truth q
    out.append(("overconfident_500", p, (r.uniform(0, 1, 500) < q).astype(int)))
    r = rng(22)
    p = r.uniform(0.05, 0.95, 60)
    y = (r.uniform(0, 1, 60) < p).astype(int)
    p[:6], y[:6] = 0.0, 0           # certain and right
    p[6:12], y[6:12] = 1.0, 1
    out.append(("exact_zero_and_one_correct_side_60", p, y))
    p = np.array([k / 10 for k in range(0, 11) for _ in range(3)])
    y = np.array([0, 0, 0] + [1, 0, 0] * 3 + [1, 1, 0] * 4 + [1, 1, 1] * 3)
    out.append(("probabilities_on_bin_edges", p, y))
    return out


probability_scores = []
for name, p, y in probability_cases():
    p = np.asarray(floats(p))
    y = np.asarray([int(v) for v in y])
    assert set(y.tolist()) == {0, 1}, name
    brier = float(brier_score_loss(y, p))
    ll = float(log_loss(y, p, labels=[0, 1]))
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    # plain re-derivations
    assert abs(brier - float(np.mean((y - p) ** 2))) <= 1e-12, name
    ll_plain = -np.mean(y * np.log(np.clip(p, EPS, 1 - EPS)) + (1 - y) * np.log(np.clip(1 - p, EPS, 1 - EPS)))
    assert abs(ll - ll_plain) <= 1e-12, name
    edges = [i * 0.1 for i in range(1, 10)]
    bins = [sum(1 for e in edges if e < v) for v in p]
    tp, pp = [], []
    for b in range(10):
        members = [i for i, bb in enumerate(bins) if bb == b]
        if members:
            tp.append(sum(y[i] for i in members) / len(members))
            pp.append(sum(p[i] for i in members) / len(members))
    assert np.allclose(tp, prob_true, rtol=0, atol=1e-12) and np.allclose(pp, prob_pred, rtol=0, atol=1e-12), name
    probability_scores.append({"name": name, "probabilities": floats(p), "outcomes": [int(v) for v in y],
                               "brier": brier, "log_loss": ll, "calibration_prob_true": floats(prob_true),
                               "calibration_prob_pred": floats(prob_pred)})


# ----------------------------------------------------------------------------------------------
# 4. Gaussian log density

def gaussian_cases():
    r = rng(30)
    cases = [(0.0, 0.0, 1.0), (1.0, 0.0, 1.0), (-1.0, 0.0, 1.0), (0.5, 0.25, 0.01), (1e-9, 0.0, 1e-8),
             (3.0 + 2.5e-5, 3.0, 1e-6), (1e6, -2e6, 1e5), (0.0, 1000.0, 50.0), (30.0, 0.0, 1.0), (-30.0, 0.0, 1.0),
             (3e-4, 0.0, 1e-5), (-2.5, 5.0, 0.25), (1e-11, 0.0, 1e-12), (1e-3, 0.0, 1e3), (123.456, 120.0, 1e4)]
    while len(cases) < 40:
        sd = float(10 ** r.uniform(-6, 4))
        mean = float(r.normal(0, 10))
        z = float(r.uniform(-30, 30))
        cases.append((mean + z * sd, mean, sd))
    return cases


gaussian_log_density = []
for x, mean, sd in gaussian_cases():
    value = float(stats.norm.logpdf(x, mean, sd))
    z = (x - mean) / sd
    assert abs(value - (-0.5 * z * z - math.log(sd) - 0.5 * math.log(2 * math.pi))) <= 1e-12 * max(1, abs(value))
    gaussian_log_density.append({"x": float(x), "mean": float(mean), "sd": float(sd), "logpdf": value})
assert 29.9 <= max(abs(g["x"] - g["mean"]) / g["sd"] for g in gaussian_log_density) <= 30.000001


# ----------------------------------------------------------------------------------------------
# 5. circular block bootstrap

REPS = 20000
CONFIDENCE = 0.95
SPREAD_SEEDS = list(range(1, 21))
BLOCK_BOOTSTRAP_CONVENTIONS = {
    "generator": "arch seeds numpy.random.default_rng(seed) (PCG64); the Swift port uses its own generator and "
                 "can only match up to Monte-Carlo noise (use a tolerance of a few *_spread).",
    "indices": "per replication: num_blocks = ceil(n / block_length) (n // b, plus 1 if n is not a multiple of "
               "b); starts = rng.integers(n, size=num_blocks), i.e. each block start is uniform over ALL n "
               "positions 0..n-1 (circular, so no position is favoured); indices = for each start s in draw "
               "order, s, s+1, ..., s+b-1, each taken modulo n (wrap around to the beginning); the blocks are "
               "concatenated in draw order and the result is truncated to the first n indices.",
    "statistic": "numpy.mean of the resampled values (the base statistic is mean(values)). All reps "
                 "replications are drawn one after another from the same generator.",
    "percentile_interval": "conf_int(method='percentile', size=0.95, tail='two'): alpha = (1 - 0.95) / 2 = "
                           "0.025000000000000022 in float64; ci_low, ci_high = numpy.percentile(replicates, "
                           "[100 * alpha, 100 * (1 - alpha)]) with numpy's default method 'linear' (Hyndman-Fan "
                           "type 7): sort the replicates, v = (reps - 1) * q, interpolate between order statistics "
                           "floor(v) and floor(v)+1 (same lerp as in psi_conventions). With reps = 20000 that is "
                           "v = 499.975... (between sorted[499] and sorted[500]) and v = 19499.025... (between "
                           "sorted[19499] and sorted[19500]).",
    "spread": "ci_low_spread / ci_high_spread = numpy.std(endpoint over seeds 1..20, ddof=1); the reported "
              "ci_low / ci_high use the case's own seed, which is not among those 20.",
}


def cbb_plain(values, block, reps, seed):
    """Written from BLOCK_BOOTSTRAP_CONVENTIONS only (same numpy Generator as arch)."""
    g = np.random.default_rng(seed)
    n = len(values)
    nb = -(-n // block)
    res = np.empty(reps)
    for k in range(reps):
        starts = g.integers(n, size=nb, dtype=np.int64)
        idx = ((starts[:, None] + np.arange(block)[None, :]) % n).ravel()[:n]
        res[k] = np.mean(values[idx])
    alpha = (1.0 - CONFIDENCE) / 2
    lo, hi = np.percentile(res, [100 * alpha, 100 * (1 - alpha)])
    return float(lo), float(hi)


def cbb_arch(values, block, seed):
    ci = CircularBlockBootstrap(block, values, seed=seed).conf_int(np.mean, reps=REPS, method="percentile",
                                                                    size=CONFIDENCE)
    return float(ci[0, 0]), float(ci[1, 0])


def bootstrap_cases():
    out = []
    r = rng(40)
    out.append(("iid_normal_differences_300", r.normal(0.1, 1.0, 300), 7, 101))
    r = rng(41)
    x = np.empty(500)
    level, prev = 0.05, 0.0
    for t in range(500):
        prev = 0.6 * prev + r.normal()
        x[t] = level + prev
    out.append(("ar1_phi0.6_mean0.05_400_block24", x[100:], 24, 102))
    r = rng(42)
    out.append(("short_200_block4", r.normal(0.02, 0.5, 200), 4, 103))
    r = rng(43)
    out.append(("clearly_excludes_zero_150", r.normal(0.5, 1.0, 150), 5, 104))
    r = rng(44)
    y = r.normal(0.0, 1.0, 150)
    out.append(("clearly_includes_zero_150_demeaned", y - y.mean(), 5, 105))
    return out


block_bootstrap = []
for name, values, block, seed in bootstrap_cases():
    values = np.asarray(floats(values))
    lo, hi = cbb_arch(values, block, seed)
    assert (lo, hi) == cbb_plain(values, block, REPS, seed), name
    ends = np.array([cbb_arch(values, block, s) for s in SPREAD_SEEDS])
    block_bootstrap.append({"name": name, "values": floats(values), "block_length": block, "replications": REPS,
                            "confidence": CONFIDENCE, "seed": seed, "mean": float(np.mean(values)),
                            "ci_low": lo, "ci_high": hi,
                            "ci_low_spread": float(np.std(ends[:, 0], ddof=1)),
                            "ci_high_spread": float(np.std(ends[:, 1], ddof=1))})
bb = {c["name"]: c for c in block_bootstrap}
assert bb["clearly_excludes_zero_150"]["ci_low"] > 0.2
assert bb["clearly_includes_zero_150_demeaned"]["ci_low"] < -0.05 and bb["clearly_includes_zero_150_demeaned"]["ci_high"] > 0.05


# ----------------------------------------------------------------------------------------------
# output

fixture = {
    "source": "scripts/reference/feedback.py",
    "seed": SEED,
    "versions": {"python": platform.python_version(), "river": river.__version__, "arch": arch.__version__,
                 "scikit-learn": sklearn.__version__, "scipy": scipy.__version__, "numpy": np.__version__},
    "page_hinkley_conventions": PAGE_HINKLEY_CONVENTIONS,
    "page_hinkley": page_hinkley,
    "psi_conventions": PSI_CONVENTIONS,
    "psi": psi,
    "probability_score_conventions": PROBABILITY_SCORE_CONVENTIONS,
    "probability_scores": probability_scores,
    "gaussian_log_density": gaussian_log_density,
    "block_bootstrap_conventions": BLOCK_BOOTSTRAP_CONVENTIONS,
    "block_bootstrap": block_bootstrap,
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(fixture, indent=1, sort_keys=True, allow_nan=False) + "\n")
print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")
for c in page_hinkley:
    print(f"page_hinkley {c['name']}: {c['drift_indices']}")
for c in psi:
    print(f"psi {c['name']}: {c['psi']:.6g}")
for c in probability_scores:
    print(f"scores {c['name']}: brier={c['brier']:.6g} log_loss={c['log_loss']:.6g} bins={len(c['calibration_prob_true'])}")
for c in block_bootstrap:
    print(f"bootstrap {c['name']}: mean={c['mean']:.5f} ci=[{c['ci_low']:.5f}, {c['ci_high']:.5f}] "
          f"spread=({c['ci_low_spread']:.2e}, {c['ci_high_spread']:.2e})")
