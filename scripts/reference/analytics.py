#!/usr/bin/env python3
"""Reference values for the performance / risk analytics, computed with empyrical-reloaded (plus
numpy, pandas and scipy for the parametric VaR and the drawdown dates). Used only to produce the
committed fixture; never at run time.

Inputs (wide CSV files: a `date` column, then one close-price column per symbol; empty cell = no
price):
  Sources/Orchestrator/SampleData/us19_close_1990-01-02_2024-11-29.csv   (AAPL, AMD, XOM, WMT, ...)
  Sources/Orchestrator/SampleData/spy_close_1993-01-29_2024-11-29.csv    (SPY, the benchmark)

Return convention: take the symbol's close column and the benchmark's close column, keep only the
dates inside [start, end] (both inclusive) where BOTH have a price (inner join on date, rows with a
missing price dropped), then simple returns r_t = p_t / p_{t-1} - 1 over consecutive kept rows
(pandas pct_change().iloc[1:]); the date of r_t is the date of p_t, so the first kept row only
serves as the base price. Without a benchmark only the symbol's missing prices are dropped. The
synthetic case is a hand-written return list with no dates.

Metrics: empyrical with period 'daily' (annualization 252), evaluated on float64 numpy arrays; the
exact formula empyrical uses for each one is written to the fixture under "conventions" and
re-derived below with plain numpy (asserted to 1e-12 relative), so a port can be written from the
sentences alone. Added outside empyrical:
  gaussian_value_at_risk_a            = mean + std * z,                      z = norm.ppf(a)
  cornish_fisher_value_at_risk_a      = mean + std * z_cf,
      z_cf = z + (z^2 - 1) S / 6 + (z^3 - 3z) K / 24 - (2z^3 - 5z) S^2 / 36
  gaussian_conditional_value_at_risk_a = mean - std * norm.pdf(z) / a
  cornish_fisher_conditional_value_at_risk_a = mean + std * (1/a) * integral of z_cf(z) phi(z) dz over
      (-inf, Phi^-1(a)]: the expected shortfall of the Cornish-Fisher quantile function,
      (1/a) * integral_0^a VaR_cf(p) dp. The library side integrates numerically (scipy quad);
      the plain side uses the closed form with I0 = a, I1 = -phi(z), I2 = a - z phi(z),
      I3 = -(z^2 + 2) phi(z): (1/a) [I1 + (I2 - I0) S/6 + (I3 - 3 I1) K/24 - (2 I3 - 5 I1) S^2/36].
  skewness S        = scipy.stats.skew(r)                      (bias=True: m3 / m2^1.5)
  excess_kurtosis K = scipy.stats.kurtosis(r)                  (fisher=True, bias=True: m4 / m2^2 - 3)
where a = 0.05 (_95) or 0.01 (_99), mean is the arithmetic mean, std uses ddof=1, and m_k are
central moments with divisor n. Drawdown dates come from the wealth W_t = prod_{s<=t}(1 + r_s)
with W = 1 before the first return (see "conventions").

NaN / +-inf results are written as null and listed per case in "nan_fields" / "infinite_fields";
metrics that need a benchmark are null (and not listed) when the case has none.

Output: Tests/AnalyticsTests/Fixtures/analytics_reference.json.

Run: pip install empyrical-reloaded==0.7.1 numpy pandas scipy && python3 scripts/reference/analytics.py
"""
import json
import math
import pathlib
import platform

import bottleneck
import empyrical
import numpy as np
import pandas as pd
import scipy
from scipy import integrate
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
US19 = ROOT / "Sources/Orchestrator/SampleData/us19_close_1990-01-02_2024-11-29.csv"
SPY = ROOT / "Sources/Orchestrator/SampleData/spy_close_1993-01-29_2024-11-29.csv"
OUT = ROOT / "Tests/AnalyticsTests/Fixtures/analytics_reference.json"
ANN = 252
PERIOD = "daily"
REL = 1e-12

RETURN_CONVENTION = (
    "Take the symbol's close column and the benchmark's close column, keep only dates inside [start, end] "
    "(inclusive) where BOTH have a price (inner join on date, rows with a missing price dropped), then simple "
    "returns r_t = p_t/p_{t-1} - 1 over consecutive kept rows (pandas pct_change().iloc[1:]); dates[i] is the "
    "date of p_t, the first kept row is only the base price. Without a benchmark only the symbol's missing "
    "prices are dropped."
)

CONVENTIONS = {
    "general": "n = number of returns; all means are arithmetic means over the n values; std means sample "
               "standard deviation with ddof=1 (divisor n-1); A = 252; inputs here contain no NaN (empyrical "
               "mostly uses NaN-skipping bottleneck reductions, np.percentile is not NaN-aware).",
    "annual_return": "ending = prod(1 + r_i); annual_return = ending ** (1 / (n / 252)) - 1 (NaN if n < 1).",
    "cumulative_return": "prod(1 + r_i) - 1.",
    "annual_volatility": "std(r, ddof=1) * 252 ** (1/2) (NaN if n < 2).",
    "sharpe_ratio": "x = r - risk_free (risk_free per period); mean(x) / std(x, ddof=1) * sqrt(252); if all x are "
                    "equal the std is taken as exactly 0, so the result is +-inf or NaN (NaN if n < 2).",
    "downside_risk": "d_i = min(r_i - required_return, 0); sqrt(mean(d_i^2)) * sqrt(252), the mean taken over ALL n "
                     "returns (not only those below the threshold); required_return is per period.",
    "sortino_ratio": "mean(r - required_return) * 252 / downside_risk(r, required_return) (same per-period "
                     "required_return in both); +inf when downside_risk is 0 and the numerator is positive (NaN if n < 2).",
    "calmar_ratio": "annual_return / abs(max_drawdown) if max_drawdown < 0, else NaN; NaN also if that quotient is infinite.",
    "max_drawdown": "W_0 = 100 before the first return, W_t = 100 * prod_{s<=t}(1 + r_s); M_t = running max of W over "
                    "0..t (includes the starting 100); max_drawdown = min over t = 1..n of (W_t - M_t) / M_t (<= 0; "
                    "the start anchors the peak but is not itself a drawdown point).",
    "max_drawdown_dates": "Wealth V_0 = 1 before the first return, V_t = prod_{s<=t}(1 + r_s), R_t = running max of V over "
                          "0..t; trough = first date with the minimum of V_t / R_t - 1; peak = last date at or before the "
                          "trough with V_t == R_trough (the string \"start\" if that is V_0); recovery = first date after the "
                          "trough with V_t >= R_trough, else null; all three null when max_drawdown == 0 or there are no dates.",
    "omega_ratio": "threshold = (1 + required_return_annual) ** (1/252) - 1 (the annual required_return is converted; "
                   "NaN if required_return_annual <= -1); x = r - risk_free - threshold; omega = sum(x_i for x_i > 0) / "
                   "(-sum(x_i for x_i < 0)), NaN if that denominator is 0 (NaN if n < 2).",
    "tail_ratio": "abs(P95(r)) / abs(P5(r)) with the percentile rule below.",
    "percentile_rule": "numpy 'linear' (Hyndman-Fan type 7): sort ascending x_0..x_{n-1}; h = (n-1) * q with q = p/100 "
                       "(p = 95, 5, 100*0.05 = 5.0, 100*0.01 = 1.0); j = floor(h), t = h - j; result = x_j + (x_{j+1} - x_j) * t "
                       "if t < 0.5 else x_{j+1} - (x_{j+1} - x_j) * (1 - t); if h >= n-1 the result is x_{n-1}.",
    "stability": "y_t = cumulative sum of log1p(r_t) (t = 0..n-1), x_t = t; R = Pearson correlation of (x, y) computed "
                 "as mean((x-mean x)(y-mean y)) / sqrt(mean((x-mean x)^2) * mean((y-mean y)^2)), clipped to [-1, 1]; "
                 "stability = R^2 (scipy.stats.linregress rvalue squared; NaN if n < 2).",
    "value_at_risk": "value_at_risk_95 = P(r, 100*0.05) and value_at_risk_99 = P(r, 100*0.01) with the percentile rule "
                     "(a return, negative for losses; no sign flip).",
    "conditional_value_at_risk": "k = int((n - 1) * cutoff) (float64 product, truncated toward zero; cutoff 0.05 or 0.01); "
                                 "mean of the k + 1 smallest returns.",
    "beta": "x = benchmark returns, y = returns (risk_free is NOT subtracted; it would cancel anyway); "
            "beta = mean((x - mean x) * y) / mean((x - mean x)^2), i.e. population covariance over population "
            "variance (divisor n for both); x is set to NaN wherever y is NaN and NaN products are skipped; NaN if the "
            "variance < 1e-30.",
    "alpha": "a_i = (r_i - risk_free) - beta * (b_i - risk_free); alpha = (1 + mean(a)) ** 252 - 1 (compounded, not "
             "mean*252); NaN if n < 2.",
    "information_ratio": "empyrical.excess_sharpe: a = r - b; mean(a) / std(a, ddof=1), NOT annualised (multiply by "
                         "sqrt(252) for the usual annualised IR); std taken as 0 when all a are equal (NaN if n < 2).",
    "gaussian_value_at_risk": "mean(r) + std(r, ddof=1) * z, z = Phi^-1(alpha) (scipy.stats.norm.ppf), alpha = 0.05 / 0.01.",
    "cornish_fisher_value_at_risk": "mean(r) + std(r, ddof=1) * z_cf, z_cf = z + (z^2-1) S/6 + (z^3-3z) K/24 - (2z^3-5z) S^2/36, "
                                    "S = skewness, K = excess_kurtosis (both biased, below).",
    "gaussian_conditional_value_at_risk": "mean(r) - std(r, ddof=1) * phi(z) / alpha (normal expected shortfall as a "
                                          "return, negative), phi = standard normal density, z = Phi^-1(alpha).",
    "cornish_fisher_conditional_value_at_risk": "mean(r) + std(r, ddof=1) * (1/alpha) * integral over (-inf, z] of "
                                                "z_cf(u) phi(u) du (the mean of the Cornish-Fisher quantile over p < alpha); closed "
                                                "form (1/alpha)[I1 + (I2 - I0) S/6 + (I3 - 3 I1) K/24 - (2 I3 - 5 I1) S^2/36] with "
                                                "I0 = alpha, I1 = -phi(z), I2 = alpha - z phi(z), I3 = -(z^2 + 2) phi(z).",
    "skewness": "m3 / m2 ** 1.5 with m_k = mean((r - mean r)^k) (scipy.stats.skew, bias=True).",
    "excess_kurtosis": "m4 / m2 ** 2 - 3 (scipy.stats.kurtosis, fisher=True, bias=True).",
}

METRIC_KEYS = [
    "annual_return", "cumulative_return", "annual_volatility", "sharpe_ratio", "sortino_ratio", "downside_risk",
    "calmar_ratio", "max_drawdown", "omega_ratio", "tail_ratio", "stability", "value_at_risk_95", "value_at_risk_99",
    "conditional_value_at_risk_95", "conditional_value_at_risk_99", "alpha", "beta", "information_ratio",
    "gaussian_value_at_risk_95", "gaussian_value_at_risk_99", "cornish_fisher_value_at_risk_95",
    "cornish_fisher_value_at_risk_99", "gaussian_conditional_value_at_risk_95", "gaussian_conditional_value_at_risk_99",
    "cornish_fisher_conditional_value_at_risk_95", "cornish_fisher_conditional_value_at_risk_99",
    "skewness", "excess_kurtosis",
]
BENCHMARK_KEYS = {"alpha", "beta", "information_ratio"}


# ----------------------------------------------------------------------------------------------
# data

def read_close(path, symbol):
    frame = pd.read_csv(path, parse_dates=["date"], index_col="date")
    return frame[symbol].astype("float64")


def load_returns(symbol, benchmark, start, end):
    p = read_close(US19, symbol).loc[start:end]
    if benchmark is None:
        joined = p.to_frame("p").dropna()
    else:
        b = read_close(SPY, benchmark).loc[start:end]
        joined = pd.concat([p.rename("p"), b.rename("b")], axis=1, join="inner").dropna()
    returns = joined.pct_change().iloc[1:]
    # the convention, restated with numpy: exactly p_t / p_{t-1} - 1
    for col in joined.columns:
        px = joined[col].to_numpy()
        assert np.array_equal(returns[col].to_numpy(), px[1:] / px[:-1] - 1.0)
    assert not returns.isna().any().any()
    r = returns["p"].to_numpy()
    bench = returns["b"].to_numpy() if benchmark is not None else None
    dates = [d.strftime("%Y-%m-%d") for d in returns.index]
    return r, bench, dates


# ----------------------------------------------------------------------------------------------
# plain-numpy restatements of the conventions (self-checks)

def close(name, got, want, rel=REL):
    if isinstance(want, str) or want is None or isinstance(got, str) or got is None:
        assert got == want, f"{name}: {got!r} != {want!r}"
        return
    if math.isnan(want) or math.isinf(want):
        assert (math.isnan(got) and math.isnan(want)) or got == want, f"{name}: {got!r} != {want!r}"
        return
    scale = max(abs(got), abs(want))
    assert abs(got - want) <= rel * scale or abs(got - want) <= 1e-300, \
        f"{name}: {got!r} vs {want!r} (rel {abs(got - want) / scale:.3e})"


def percentile(x, p):
    s = np.sort(np.asarray(x, dtype=float))
    n = len(s)
    q = p / 100.0
    h = (n - 1) * q
    if h >= n - 1:
        return float(s[-1])
    j = int(math.floor(h))
    t = h - j
    a, b = s[j], s[j + 1]
    return float(a + (b - a) * t) if t < 0.5 else float(b - (b - a) * (1 - t))


def std1(x):
    x = np.asarray(x, dtype=float)
    return math.sqrt(float(np.sum((x - x.mean()) ** 2)) / (len(x) - 1))


def moments(x):
    d = x - x.mean()
    return float(np.mean(d ** 2)), float(np.mean(d ** 3)), float(np.mean(d ** 4))


def plain_metrics(r, b, rf, req):
    """Every metric from the sentences in CONVENTIONS, numpy only (and scipy's normal for z)."""
    n = len(r)
    out = {}
    ending = float(np.prod(1.0 + r))
    out["annual_return"] = ending ** (1.0 / (n / ANN)) - 1.0
    out["cumulative_return"] = ending - 1.0
    out["annual_volatility"] = std1(r) * ANN ** 0.5
    x = r - rf["sharpe_ratio"]
    sd = 0.0 if x.max() == x.min() else std1(x)
    out["sharpe_ratio"] = safe_div(float(x.mean()), sd) * math.sqrt(ANN)
    d = np.minimum(r - req["downside_risk"], 0.0)
    out["downside_risk"] = math.sqrt(float(np.mean(d ** 2))) * math.sqrt(ANN)
    d = np.minimum(r - req["sortino_ratio"], 0.0)
    dr = math.sqrt(float(np.mean(d ** 2))) * math.sqrt(ANN)
    out["sortino_ratio"] = safe_div(float(np.mean(r - req["sortino_ratio"])) * ANN, dr)
    w = 100.0 * np.cumprod(np.concatenate([[1.0], 1.0 + r]))
    m = np.maximum.accumulate(w)
    out["max_drawdown"] = float(np.min(((w - m) / m)[1:]))
    if out["max_drawdown"] < 0:
        c = out["annual_return"] / abs(out["max_drawdown"])
        out["calmar_ratio"] = math.nan if math.isinf(c) else c
    else:
        out["calmar_ratio"] = math.nan
    thr = (1.0 + req["omega_ratio_annual"]) ** (1.0 / ANN) - 1.0
    x = r - rf["omega_ratio"] - thr
    num, den = float(np.sum(x[x > 0])), -float(np.sum(x[x < 0]))
    out["omega_ratio"] = num / den if den > 0 else math.nan
    out["tail_ratio"] = abs(percentile(r, 95)) / abs(percentile(r, 5))
    y = np.cumsum(np.log1p(r))
    t = np.arange(n, dtype=float)
    tc, yc = t - t.mean(), y - y.mean()
    corr = float(np.mean(tc * yc)) / math.sqrt(float(np.mean(tc ** 2)) * float(np.mean(yc ** 2)))
    out["stability"] = min(1.0, max(-1.0, corr)) ** 2
    for tag, cut in (("95", 0.05), ("99", 0.01)):
        out[f"value_at_risk_{tag}"] = percentile(r, 100 * cut)
        k = int((n - 1) * cut)
        out[f"conditional_value_at_risk_{tag}"] = float(np.mean(np.sort(r)[:k + 1]))
    if b is not None:
        xc = b - b.mean()
        var = float(np.mean(xc ** 2))
        beta = float(np.mean(xc * r)) / var if var >= 1e-30 else math.nan
        a = (r - rf["alpha_beta"]) - beta * (b - rf["alpha_beta"])
        out["beta"] = beta
        out["alpha"] = (1.0 + float(np.mean(a))) ** ANN - 1.0
        act = r - b
        sd = 0.0 if act.max() == act.min() else std1(act)
        out["information_ratio"] = safe_div(float(act.mean()), sd)
    else:
        out["alpha"] = out["beta"] = out["information_ratio"] = None
    m2, m3, m4 = moments(r)
    S, K = m3 / m2 ** 1.5, m4 / m2 ** 2 - 3.0
    out["skewness"], out["excess_kurtosis"] = S, K
    mu, sd = float(r.mean()), std1(r)
    for tag, al in (("95", 0.05), ("99", 0.01)):
        z = float(stats.norm.ppf(al))
        zcf = z + (z ** 2 - 1) * S / 6 + (z ** 3 - 3 * z) * K / 24 - (2 * z ** 3 - 5 * z) * S ** 2 / 36
        out[f"gaussian_value_at_risk_{tag}"] = mu + sd * z
        out[f"cornish_fisher_value_at_risk_{tag}"] = mu + sd * zcf
        pdf = math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        out[f"gaussian_conditional_value_at_risk_{tag}"] = mu - sd * pdf / al
        i0, i1, i2, i3 = al, -pdf, al - z * pdf, -(z * z + 2) * pdf
        shortfall = (i1 + (i2 - i0) * S / 6 + (i3 - 3 * i1) * K / 24 - (2 * i3 - 5 * i1) * S ** 2 / 36) / al
        out[f"cornish_fisher_conditional_value_at_risk_{tag}"] = mu + sd * shortfall
    return out


def safe_div(a, b):
    if b == 0:
        return math.nan if a == 0 else math.copysign(math.inf, a)
    return a / b


# ----------------------------------------------------------------------------------------------
# library values

def library_metrics(r, b, rf, req):
    e = empyrical
    out = {
        "annual_return": e.annual_return(r, period=PERIOD),
        "cumulative_return": e.cum_returns_final(r),
        "annual_volatility": e.annual_volatility(r, period=PERIOD),
        "sharpe_ratio": e.sharpe_ratio(r, risk_free=rf["sharpe_ratio"], period=PERIOD),
        "sortino_ratio": e.sortino_ratio(r, required_return=req["sortino_ratio"], period=PERIOD),
        "downside_risk": e.downside_risk(r, required_return=req["downside_risk"], period=PERIOD),
        "calmar_ratio": e.calmar_ratio(r, period=PERIOD),
        "max_drawdown": e.max_drawdown(r),
        "omega_ratio": e.omega_ratio(r, risk_free=rf["omega_ratio"], required_return=req["omega_ratio_annual"],
                                     annualization=ANN),
        "tail_ratio": e.tail_ratio(r),
        "stability": e.stability_of_timeseries(r),
        "value_at_risk_95": e.value_at_risk(r, cutoff=0.05),
        "value_at_risk_99": e.value_at_risk(r, cutoff=0.01),
        "conditional_value_at_risk_95": e.conditional_value_at_risk(r, cutoff=0.05),
        "conditional_value_at_risk_99": e.conditional_value_at_risk(r, cutoff=0.01),
    }
    if b is not None:
        alpha, beta = e.alpha_beta(r, b, risk_free=rf["alpha_beta"], period=PERIOD)
        out["alpha"], out["beta"] = alpha, beta
        out["information_ratio"] = e.excess_sharpe(r, b)
    else:
        out["alpha"] = out["beta"] = out["information_ratio"] = None
    S = stats.skew(r, bias=True)
    K = stats.kurtosis(r, fisher=True, bias=True)
    mu, sd = np.mean(r), np.std(r, ddof=1)
    for tag, al in (("95", 0.05), ("99", 0.01)):
        z = stats.norm.ppf(al)
        zcf = z + (z ** 2 - 1) * S / 6 + (z ** 3 - 3 * z) * K / 24 - (2 * z ** 3 - 5 * z) * S ** 2 / 36
        out[f"gaussian_value_at_risk_{tag}"] = mu + sd * z
        out[f"cornish_fisher_value_at_risk_{tag}"] = mu + sd * zcf
        out[f"gaussian_conditional_value_at_risk_{tag}"] = mu - sd * stats.norm.pdf(z) / al
        zcf_of = lambda u: u + (u ** 2 - 1) * S / 6 + (u ** 3 - 3 * u) * K / 24 - (2 * u ** 3 - 5 * u) * S ** 2 / 36
        integral, _ = integrate.quad(lambda u: zcf_of(u) * stats.norm.pdf(u), -np.inf, z, epsabs=0, epsrel=1e-13, limit=500)
        out[f"cornish_fisher_conditional_value_at_risk_{tag}"] = mu + sd * integral / al
    out["skewness"], out["excess_kurtosis"] = S, K
    return {k: (None if out[k] is None else float(out[k])) for k in METRIC_KEYS}


def drawdown_dates(r, dates):
    """Peak / trough / recovery dates from the wealth V (V = 1 before the first return)."""
    if dates is None:
        return None, None, None, None
    labels = ["start"] + dates
    wealth = pd.Series(np.concatenate([[1.0], np.cumprod(1.0 + r)]), index=labels)
    running = wealth.cummax()
    dd = wealth / running - 1.0
    trough_pos = int(np.argmin(dd.to_numpy()[1:])) + 1      # first minimum among the return dates
    if dd.iloc[trough_pos] == 0.0:
        return None, None, None, 0.0
    peak_wealth = running.iloc[trough_pos]
    at_peak = np.flatnonzero(wealth.to_numpy()[:trough_pos + 1] == peak_wealth)
    peak = labels[int(at_peak[-1])]
    later = np.flatnonzero(wealth.to_numpy()[trough_pos + 1:] >= peak_wealth)
    recovery = labels[trough_pos + 1 + int(later[0])] if len(later) else None
    # empyrical's drawdown series (start 100) has its minimum at the same return
    assert int(np.argmin(empyrical.stats.drawdown_series(r))) == trough_pos - 1
    return peak, labels[trough_pos], recovery, float(dd.iloc[trough_pos])


# ----------------------------------------------------------------------------------------------
# cases

def parameters(rf=0.0, req_period=0.0, omega_req_annual=0.0):
    return ({"sharpe_ratio": rf, "omega_ratio": rf, "alpha_beta": rf},
            {"sortino_ratio": req_period, "downside_risk": req_period, "omega_ratio_annual": omega_req_annual})


def build_case(name, symbol, benchmark, start, end, rf, req, r=None):
    if r is None:
        r, b, dates = load_returns(symbol, benchmark, start, end)
        prices_file = str(US19.relative_to(ROOT))
    else:
        b, dates, prices_file = None, None, None
    metrics = library_metrics(r, b, rf, req)
    plain = plain_metrics(r, b, rf, req)
    for k in METRIC_KEYS:
        close(f"{name}.{k}", metrics[k], plain[k])

    peak, trough, recovery, trough_dd = drawdown_dates(r, dates)
    if trough_dd is not None:
        close(f"{name}.max_drawdown (dates)", trough_dd, metrics["max_drawdown"])
    metrics["max_drawdown_peak_date"] = peak
    metrics["max_drawdown_trough_date"] = trough
    metrics["max_drawdown_recovery_date"] = recovery

    nan_fields, infinite_fields = [], {}
    for k in METRIC_KEYS:
        v = metrics[k]
        if v is None:
            assert benchmark is None and k in BENCHMARK_KEYS, f"{name}.{k} unexpectedly missing"
        elif math.isnan(v):
            nan_fields.append(k)
            metrics[k] = None
        elif math.isinf(v):
            infinite_fields[k] = "+inf" if v > 0 else "-inf"
            metrics[k] = None

    return {
        "name": name, "symbol": symbol, "benchmark_symbol": benchmark,
        "prices_file": prices_file, "benchmark_file": str(SPY.relative_to(ROOT)) if benchmark else None,
        "start": start, "end": end, "risk_free": rf, "required_return": req,
        "return_count": len(r),
        "returns": [float(x) for x in r],
        "benchmark_returns": None if b is None else [float(x) for x in b],
        "dates": dates,
        "metrics": metrics, "nan_fields": nan_fields, "infinite_fields": infinite_fields,
    }


cases = [
    build_case("aapl_vs_spy_2015_2024", "AAPL", "SPY", "2015-01-02", "2024-11-29", *parameters()),
    build_case("amd_vs_spy_2008_2012", "AMD", "SPY", "2008-01-02", "2012-12-31", *parameters()),
    build_case("xom_vs_spy_rf", "XOM", "SPY", "2018-01-02", "2020-12-31",
               *parameters(rf=0.0001, req_period=0.0001, omega_req_annual=0.05)),
    build_case("wmt_no_benchmark", "WMT", None, "2019-01-02", "2019-12-31", *parameters()),
    build_case("synthetic_all_positive", None, None, None, None, *parameters(),
               r=np.array([0.0001 * (i + 1) ** 2 for i in range(30)])),
]

fixture = {
    "source": "scripts/reference/analytics.py",
    "versions": {"python": platform.python_version(), "empyrical": empyrical.__version__, "numpy": np.__version__,
                 "pandas": pd.__version__, "scipy": scipy.__version__, "bottleneck": bottleneck.__version__},
    "annualization": ANN, "period": PERIOD,
    "return_convention": RETURN_CONVENTION,
    "notes": {
        "information_ratio": "empyrical.excess_sharpe, NOT annualised: mean(r - b) / std(r - b, ddof=1).",
        "parameters": "risk_free and required_return are objects keyed by the metric they were passed to; all "
                      "per period except required_return.omega_ratio_annual, which empyrical converts to "
                      "(1 + x) ** (1/252) - 1 per period.",
        "nulls": "NaN or +-inf results are null and listed in nan_fields / infinite_fields (with sign); alpha, beta "
                 "and information_ratio are null without listing when the case has no benchmark; drawdown dates are "
                 "null without dates or without a drawdown.",
        "synthetic_all_positive": "returns[i] = 0.0001 * (i + 1) ** 2 for i = 0..29 (float 0.0001 times the integer square), "
                                  "no dates; squares rather than a linear ramp so the skewness is not a rounding-noise zero.",
        "self_checks": "every metric was recomputed from the conventions with plain numpy and agreed to 1e-12 relative.",
    },
    "normal_constants": {"ppf_0.05": float(stats.norm.ppf(0.05)), "ppf_0.01": float(stats.norm.ppf(0.01)),
                         "pdf_ppf_0.05": float(stats.norm.pdf(stats.norm.ppf(0.05))),
                         "pdf_ppf_0.01": float(stats.norm.pdf(stats.norm.ppf(0.01)))},
    "conventions": CONVENTIONS,
    "cases": cases,
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(fixture, indent=1, allow_nan=False) + "\n")
print(f"wrote {OUT.relative_to(ROOT)}: {len(cases)} cases, returns "
      + ", ".join(f"{c['name']}={c['return_count']}" for c in cases))
