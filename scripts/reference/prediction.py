#!/usr/bin/env python3
"""Reference values for the prediction models (GARCH(1,1), Gaussian HMM, ridge and logistic regression),
computed with arch, hmmlearn and scikit-learn (plus numpy / scipy for the self-checks). Used only to produce
the committed fixture; never at run time.

Inputs:
  Sources/Orchestrator/SampleData/spy_close_1993-01-29_2024-11-29.csv          (columns date,SPY; daily closes)
  Sources/Orchestrator/SampleData/BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv (timestamp,open,high,low,close,
                                                                                volume,volume_usd; hourly bars)

Return convention: log returns r_t = log(p_t / p_{t-1}) over consecutive rows of the file (numpy float64:
np.log(p[1:] / p[:-1])), no gaps filled (the SPY file has no missing closes, the BTC file is a gapless hourly
grid). Every array a model is fitted on is written to the fixture with full float64 precision (shortest
round-trip repr), so a port consumes the exact same numbers instead of re-deriving them.

Sections of the fixture:
  "garch"       GARCH(1,1), constant mean, normal errors (arch.arch_model ... fit(disp="off",
                options={"ftol": 1e-12, "maxiter": 1000})) on y = 100 * r for
                (a) SPY, the last 5,000 daily log returns, (b) BTC-USD, the last 5,000 hourly log returns of close.
                Conventions (backcast, recursion, log-likelihood, bounds, starting values) in "garch_conventions";
                the log-likelihood, conditional variances and the one-step forecast are re-derived with plain
                numpy from the fitted parameters (asserted to 1e-9 relative).
  "hmm"         hmmlearn GaussianHMM(K, covariance_type="diag", n_iter=1000, tol=1e-8, random_state=seed), seeds
                0..19, K = 2 and 3, on x = the SPY window of garch (a) as plain log returns (n x 1 column). All
                other constructor arguments are hmmlearn's defaults - which include covars_prior=1e-2, i.e. a MAP
                fit with an inverse-gamma prior on each state variance that is NOT small next to daily-return
                variances (see "hmm_conventions").
  "hmm_mle"     the same fits with covars_prior=0.0 (the only change), i.e. plain maximum-likelihood EM; recorded
                because the default prior visibly biases the variances and stops EM on a likelihood decrease.
  "regression"  the shared design: SPY log returns, the last 3,000 returns as targets; features row t =
                (r_{t-1..t-5}, sqrt(mean(r_{t-1..t-20}^2))); StandardScaler (ddof 0) on the same rows.
  "ridge"       sklearn Ridge(alpha, fit_intercept=True) on the standardised X, alpha = 1.0 and 10.0; re-derived
                in closed form with numpy (asserted to 1e-8).
  "logistic"    sklearn LogisticRegression(C, penalty="l2", fit_intercept=True, solver="lbfgs", tol=1e-12,
                max_iter=10000), C = 1.0 and 0.1, target 1[r_t > 0]; re-derived with scipy Newton-CG on the
                documented objective (asserted to 1e-8).
Package versions are recorded under "versions".

Output: Tests/PredictionTests/Fixtures/prediction_reference.json.

Run (about half a minute): pip install arch hmmlearn scikit-learn numpy pandas scipy &&
     python3 scripts/reference/prediction.py
"""
import json
import logging
import math
import pathlib
import platform
import warnings

import arch
import hmmlearn
import numpy as np
import pandas as pd
import scipy
import sklearn
from arch import arch_model
from hmmlearn.hmm import GaussianHMM
from scipy import optimize
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

logging.getLogger("hmmlearn").setLevel(logging.ERROR)   # "Model is not converging" notes; see hmm_conventions

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPY = ROOT / "Sources/Orchestrator/SampleData/spy_close_1993-01-29_2024-11-29.csv"
BTC = ROOT / "Sources/Orchestrator/SampleData/BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv"
OUT = ROOT / "Tests/PredictionTests/Fixtures/prediction_reference.json"

GARCH_N = 5000
HMM_SEEDS = list(range(20))
HMM_KS = (2, 3)
REG_N = 3000
LAGS = 5
RV_WINDOW = 20
RIDGE_ALPHAS = (1.0, 10.0)
LOGISTIC_CS = (1.0, 0.1)
BACKCAST_TAU = 75
BACKCAST_DECAY = 0.94


def close(name, got, want, rel):
    got, want = float(got), float(want)
    scale = max(abs(got), abs(want))
    assert abs(got - want) <= rel * scale, f"{name}: {got!r} vs {want!r} (rel {abs(got - want) / scale:.3e})"


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=float).ravel()]


# ----------------------------------------------------------------------------------------------
# data

spy = pd.read_csv(SPY)
assert list(spy.columns) == ["date", "SPY"] and not spy["SPY"].isna().any()
spy_p = spy["SPY"].to_numpy(dtype=float)
spy_r = np.log(spy_p[1:] / spy_p[:-1])
spy_dates = spy["date"].to_numpy()[1:]                         # date of r_t = date of p_t

btc = pd.read_csv(BTC)
assert not btc["close"].isna().any() and btc["timestamp"].is_monotonic_increasing
btc_p = btc["close"].to_numpy(dtype=float)
btc_r = np.log(btc_p[1:] / btc_p[:-1])
btc_times = btc["timestamp"].to_numpy()[1:]

spy_window = spy_r[-GARCH_N:]                                  # plain log returns, shared by garch (a) and hmm
btc_window = btc_r[-GARCH_N:]


# ----------------------------------------------------------------------------------------------
# GARCH(1,1)

GARCH_CONVENTIONS = {
    "model": "y_t = mu + e_t, e_t = sigma_t z_t, z_t ~ N(0,1) iid; sigma2_t = omega + alpha e_{t-1}^2 + beta sigma2_{t-1} "
             "(t = 1..T, arch's GARCH(p=1, o=0, q=1), power 2). y is in percent (100 x log return) and is NOT rescaled "
             "(rescale=False).",
    "mean_residual": "e_t = y_t - mu with the FITTED (optimised) mu; mu is a free parameter of the likelihood, "
                     "optimised jointly with omega, alpha, beta.",
    "backcast": "The recursion starts from a fixed backcast b used for the unobserved e_0^2 and sigma2_0, so "
                "sigma2_1 = omega + alpha b + beta b = omega + (alpha + beta) b. b is computed ONCE, before optimising, "
                "from the starting residuals e0_t = y_t - mean(y) (mean over all T observations; NOT the fitted mu): "
                "tau = min(75, T); w_i = 0.94^i for i = 0..tau-1, normalised to sum 1 (w_i / sum_j w_j); "
                "b = sum_{i=0}^{tau-1} w_i e0_{i+1}^2 (weights on the FIRST tau observations, the first one weighted "
                "most). b stays fixed while mu moves during the optimisation.",
    "loglikelihood": "LL = sum_{t=1}^{T} -0.5 (ln(2 pi) + ln(sigma2_t) + e_t^2 / sigma2_t), all constants included, "
                     "natural log, in the units of y (percent returns); res.loglikelihood = -(optimiser's final objective).",
    "variance_bounds": "arch clips each sigma2_t into [lo_t, hi_t] inside the recursion (if sigma2_t < lo_t it is set "
                       "to lo_t; if > hi_t it becomes hi_t + ln(sigma2_t / hi_t)). With s_t = EWMA of e0^2 (s_1 = b, "
                       "s_t = 0.06 e0_{t-1}^2 + 0.94 s_{t-1}): lo_t = max(s_t / 1e6, var(e0) / 1e8) (var with divisor T), "
                       "hi_t = min(max(s_t * 1e6, 1 + max e0^2), 1e7 (1 + max e0^2)). They are a numerical guard only: "
                       "the self-check asserts they never bind at the fitted parameters in both cases.",
    "parameter_constraints": "Optimised with scipy SLSQP (numerical gradients) on theta = (mu, omega, alpha, beta). Box "
                             "bounds: mu in (-inf, inf); omega in [1e-8 v, 10 v] with v = mean(e0^2); alpha in [0, 1]; "
                             "beta in [0, 1]. Linear inequalities: omega >= 0, alpha >= 0, beta >= 0, "
                             "1 - alpha - beta >= 0 (alpha + beta <= 1, non-strict). options ftol=1e-12, maxiter=1000.",
    "starting_values": "mu0 = mean(y) (the OLS constant). Volatility: target = mean(e0^2); candidates over the grid "
                       "alpha in (0.01, 0.05, 0.1, 0.2) x persistence P in (0.5, 0.7, 0.9, 0.98) (arch loops an unused "
                       "gamma grid too, so each candidate appears 4 times): omega = (1 - P) target, alpha, "
                       "beta = P - alpha; each is scored with the Gaussian LL above at mu = mean(y) (same backcast "
                       "and bounds) and the first best is taken (np.argmax). The chosen one is recorded per case as "
                       "starting_values.",
    "forecast": "variance_forecast_1 = omega + alpha e_T^2 + beta sigma2_T (res.forecast(horizon=1).variance.iloc[-1, 0], "
                "the variance of y_{T+1}). Detail: forecast() recomputes the backcast from the residuals at the fitted mu "
                "(y - mu instead of y - mean(y)); the effect on sigma2_T is of order beta^T and invisible here.",
    "conditional_variance": "conditional_variance_first3 / _last3 are sigma2_1..3 and sigma2_{T-2..T} of the fit "
                            "(res.conditional_volatility ** 2), i.e. the recursion above with the fit's backcast b.",
}


def garch_plain(y, mu, omega, alpha, beta, backcast_from):
    """sigma2 path, loglikelihood and one-step forecast from the documented conventions (numpy only)."""
    e = y - mu
    e0 = y - backcast_from
    tau = min(BACKCAST_TAU, len(y))
    w = BACKCAST_DECAY ** np.arange(tau)
    w = w / w.sum()
    b = float(np.sum(w * e0[:tau] ** 2))
    s2 = np.empty_like(y)
    prev_e2, prev_s2 = b, b
    for t in range(len(y)):
        s2[t] = omega + alpha * prev_e2 + beta * prev_s2
        prev_e2, prev_s2 = e[t] ** 2, s2[t]
    ll = float(np.sum(-0.5 * (math.log(2 * math.pi) + np.log(s2) + e ** 2 / s2)))
    fc = omega + alpha * e[-1] ** 2 + beta * s2[-1]
    return s2, ll, fc, b


def garch_bounds(y):
    e0 = y - y.mean()
    tau = min(BACKCAST_TAU, len(y))
    w = BACKCAST_DECAY ** np.arange(tau)
    w = w / w.sum()
    s = np.empty_like(y)
    s[0] = float(np.sum(w * e0[:tau] ** 2))
    for t in range(1, len(y)):
        s[t] = 0.06 * e0[t - 1] ** 2 + 0.94 * s[t - 1]
    lo = np.maximum(s / 1e6, float(np.var(e0)) / 1e8)
    cap = 1.0 + float(np.max(e0 ** 2))
    hi = np.minimum(np.maximum(s * 1e6, cap), 1e7 * cap)
    return lo, hi


def garch_case(name, y, source, derivation, labels):
    model = arch_model(y, mean="Constant", vol="GARCH", p=1, q=1, dist="normal", rescale=False)
    res = model.fit(disp="off", options={"ftol": 1e-12, "maxiter": 1000})
    opt = res.optimization_result
    assert res.convergence_flag == 0 and opt.success, f"{name}: not converged: {opt.message}"
    mu, omega, alpha, beta = (float(res.params[k]) for k in ("mu", "omega", "alpha[1]", "beta[1]"))
    ll = float(res.loglikelihood)
    cond_var = np.asarray(res.conditional_volatility, dtype=float) ** 2
    fc = float(res.forecast(horizon=1).variance.iloc[-1, 0])

    # starting values as arch builds them
    e0 = y - y.mean()
    sv_vol = model.volatility.starting_values(e0)
    close(f"{name}.backcast", model.volatility.backcast(e0), garch_plain(y, mu, omega, alpha, beta, y.mean())[3], 1e-14)

    # self-checks: the documented recursion reproduces arch's numbers
    s2, ll_plain, _, b = garch_plain(y, mu, omega, alpha, beta, y.mean())
    close(f"{name}.loglikelihood", ll_plain, ll, 1e-9)
    for t in range(len(y)):
        close(f"{name}.sigma2[{t}]", s2[t], cond_var[t], 1e-12)
    lo, hi = garch_bounds(y)
    assert np.all(s2 > lo) and np.all(s2 < hi), f"{name}: variance bounds bind"
    _, _, fc_plain, _ = garch_plain(y, mu, omega, alpha, beta, mu)      # forecast() backcasts from y - mu
    close(f"{name}.forecast", fc_plain, fc, 1e-12)
    fc_fit_backcast = omega + alpha * (y[-1] - mu) ** 2 + beta * s2[-1]
    close(f"{name}.forecast (fit backcast)", fc_fit_backcast, fc, 1e-12)
    assert omega > 0 and alpha >= 0 and beta >= 0 and alpha + beta < 1

    # how flat is the optimum? refine with a derivative-free polish of the same objective (informational)
    neg = lambda th: -garch_plain(y, th[0], th[1], th[2], th[3], y.mean())[1]
    polish = optimize.minimize(neg, np.array([mu, omega, alpha, beta]), method="Nelder-Mead",
                               options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 4000, "maxfev": 8000})
    assert -polish.fun >= ll - 1e-6

    return {
        "name": name, "source_file": source, "derivation": derivation,
        "first_label": labels[0], "last_label": labels[-1],
        "count": len(y),
        "returns": floats(y),
        "mu": mu, "omega": omega, "alpha": alpha, "beta": beta,
        "loglikelihood": ll,
        "variance_forecast_1": fc,
        "conditional_variance_first3": floats(cond_var[:3]),
        "conditional_variance_last3": floats(cond_var[-3:]),
        "backcast": b,
        "persistence": alpha + beta,
        "unconditional_variance": omega / (1 - alpha - beta),
        "starting_values": {"mu": float(y.mean()), "omega": float(sv_vol[0]), "alpha": float(sv_vol[1]),
                            "beta": float(sv_vol[2])},
        "optimizer": {"method": "SLSQP", "status": int(opt.status), "message": str(opt.message),
                      "iterations": int(opt.nit), "function_evaluations": int(opt.nfev)},
        "polish_check": {
            "note": "Nelder-Mead polish of the same LL started at the arch optimum (informational: how much the "
                    "optimum can still move).",
            "loglikelihood_gain": float(-polish.fun - ll),
            "mu": float(polish.x[0]), "omega": float(polish.x[1]), "alpha": float(polish.x[2]),
            "beta": float(polish.x[3]),
        },
    }


garch_cases = [
    garch_case("spy_daily", 100.0 * spy_window, str(SPY.relative_to(ROOT)),
               "p = SPY column; r = np.log(p[1:] / p[:-1]) (float64); y = 100.0 * r[-5000:] (elementwise float64 "
               "product; equal to 100.0 * hmm.returns).", spy_dates[-GARCH_N:]),
    garch_case("btc_hourly", 100.0 * btc_window, str(BTC.relative_to(ROOT)),
               "p = close column; r = np.log(p[1:] / p[:-1]) (float64); y = 100.0 * r[-5000:]. Labels are the bar "
               "timestamps of p_t.", btc_times[-GARCH_N:]),
]


# ----------------------------------------------------------------------------------------------
# Gaussian HMM

HMM_CONVENTIONS = {
    "model": "K hidden states, Markov chain with start probabilities pi (startprob) and transition matrix A "
             "(transmat, row = from-state); emission x_t | s_t = k ~ N(mean_k, var_k) (one feature, diag covariance).",
    "loglikelihood": "model.score(x) = ln p(x_1..x_T) under the fitted model, with the FITTED start probabilities "
                     "pi for s_1 (forward algorithm, natural log, densities of the plain log returns, so it is large "
                     "and positive); no prior terms are included.",
    "posterior_last": "model.predict_proba(x)[-1] = P(s_T = k | x_1..x_T) (smoothed = filtered at the last step).",
    "state_order": "States are re-labelled by mean ascending in everything recorded (means, stds, startprob, the "
                   "rows AND columns of transmat, posterior_last).",
    "initialisation": "hmmlearn 0.3 with init_params='stmc': startprob ~ Dirichlet(1/K,...,1/K) and each transmat row "
                      "~ Dirichlet(1/K,...) drawn from check_random_state(seed); means = sklearn KMeans(n_clusters=K, "
                      "random_state=seed, n_init=10) cluster centres; every state's variance = var(x, ddof=1) + "
                      "min_covar (min_covar = 1e-3 by default, much larger than daily-return variances ~1e-4; "
                      "min_covar is used only here, not in the M-step).",
    "em": "Baum-Welch (implementation='log'). M-step with hmmlearn's default priors: startprob and transmat priors "
          "are 1.0 (Dirichlet with no effect); means_weight = 0 (plain weighted mean); variances "
          "var_k = (covars_prior + sum_t g_tk (x_t - mean_k)^2) / (max(covars_weight - 1, 0) + sum_t g_tk) with "
          "covars_prior = 1e-2, covars_weight = 1 - i.e. 0.01 is ADDED to each state's weighted sum of squares "
          "(~0.25 for a state holding half of 5000 daily returns), a MAP estimate that inflates the variances by "
          "a few percent. hmm_mle repeats everything with covars_prior = 0.0, which is plain maximum likelihood.",
    "convergence": "EM stops when monitor.history[-1] - history[-2] < tol (1e-8) - including when the log-likelihood "
                   "DECREASES, which happens under the MAP update above - or after n_iter = 1000 iterations; "
                   "hmmlearn's monitor_.converged is True in both cases. Per seed we record converged "
                   "(monitor_.converged), iterations, the last history delta and stopped_on_decrease (delta < 0).",
    "swift_requirement": "The Swift side uses its own seeded initialisation and only has to reach a log-likelihood "
                         ">= best - 0.5 (best of the 20 seeds). A correct maximum-likelihood EM exceeds the default "
                         "(MAP) 'hmm' best by several units; the 'hmm_mle' best is the tighter target.",
}


def hmm_fit(x, K, seed, covars_prior):
    kwargs = {} if covars_prior is None else {"covars_prior": covars_prior}
    model = GaussianHMM(n_components=K, covariance_type="diag", n_iter=1000, tol=1e-8, random_state=seed, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x)
    hist = list(model.monitor_.history)
    delta = float(hist[-1] - hist[-2]) if len(hist) >= 2 else None
    return model, {"seed": seed, "loglikelihood": float(model.score(x)), "converged": bool(model.monitor_.converged),
                   "iterations": int(model.monitor_.iter), "last_delta": delta,
                   "stopped_on_decrease": delta is not None and delta < 0}


def hmm_forward_ll(x, pi, A, means, sds):
    """ln p(x) by the scaled forward algorithm (numpy only)."""
    dens = np.exp(-0.5 * ((x[:, None] - means) / sds) ** 2) / (sds * math.sqrt(2 * math.pi))
    alpha = pi * dens[0]
    ll = 0.0
    for t in range(len(x)):
        if t > 0:
            alpha = (alpha @ A) * dens[t]
        c = alpha.sum()
        ll += math.log(c)
        alpha = alpha / c
    return ll, alpha


def hmm_section(x, covars_prior):
    col = x.reshape(-1, 1)
    out = {}
    for K in HMM_KS:
        runs, models = [], []
        for seed in HMM_SEEDS:
            m, info = hmm_fit(col, K, seed, covars_prior)
            runs.append(info)
            models.append(m)
        best_i = int(np.argmax([r["loglikelihood"] for r in runs]))
        m = models[best_i]
        means = m.means_.ravel()
        order = np.argsort(means, kind="stable")
        sds = np.sqrt(m.covars_.reshape(K, -1)[:, 0])[order]
        A = m.transmat_[np.ix_(order, order)]
        pi = m.startprob_[order]
        post = m.predict_proba(col)[-1][order]
        ll = runs[best_i]["loglikelihood"]
        ll_plain, filt = hmm_forward_ll(x, pi, A, means[order], sds)
        close(f"hmm K={K} forward LL", ll_plain, ll, 1e-10)
        assert np.allclose(filt, post, rtol=0, atol=1e-10)
        lls = [r["loglikelihood"] for r in runs]
        out[f"k{K}"] = {
            "n_components": K,
            "best_seed": HMM_SEEDS[best_i],
            "loglikelihood": ll,
            "means": floats(means[order]),
            "stds": floats(sds),
            "transmat": [floats(row) for row in A],
            "startprob": floats(pi),
            "posterior_last": floats(post),
            "seed_loglikelihood_min": float(min(lls)),
            "seed_loglikelihood_max": float(max(lls)),
            "seed_loglikelihood_spread": float(max(lls) - min(lls)),
            "seeds": runs,
        }
    return out


hmm_common = {
    "source_file": str(SPY.relative_to(ROOT)),
    "derivation": "x = np.log(p[1:] / p[:-1])[-5000:] for p = SPY closes: the same window as garch spy_daily, as plain "
                  "(not percent) log returns, fitted as an n x 1 column.",
    "count": len(spy_window),
    "first_date": str(spy_dates[-GARCH_N]), "last_date": str(spy_dates[-1]),
}
hmm = dict(hmm_common, returns=floats(spy_window),
           constructor="GaussianHMM(n_components=K, covariance_type='diag', n_iter=1000, tol=1e-8, random_state=seed) "
                       "(other arguments hmmlearn defaults: min_covar=1e-3, covars_prior=1e-2, covars_weight=1, "
                       "means_weight=0, startprob_prior=1, transmat_prior=1, implementation='log')",
           **hmm_section(spy_window, None))
hmm_mle = dict(constructor="as hmm plus covars_prior=0.0 (plain maximum likelihood); data = hmm.returns",
               **hmm_section(spy_window, 0.0))
for K in HMM_KS:
    assert hmm_mle[f"k{K}"]["loglikelihood"] >= hmm[f"k{K}"]["loglikelihood"] - 1e-6


# ----------------------------------------------------------------------------------------------
# regression design

n_all = len(spy_r)
targets = np.arange(n_all - REG_N, n_all)
assert targets[0] >= RV_WINDOW
X_raw = np.empty((REG_N, LAGS + 1))
for i, t in enumerate(targets):
    X_raw[i, :LAGS] = spy_r[t - LAGS:t][::-1]                 # r_{t-1}, ..., r_{t-5}
    X_raw[i, LAGS] = math.sqrt(float(np.mean(spy_r[t - RV_WINDOW:t] ** 2)))
y_reg = spy_r[targets]
y_cls = (y_reg > 0).astype(int)
scaler = StandardScaler().fit(X_raw)
Xs = scaler.transform(X_raw)
assert np.allclose(scaler.scale_, X_raw.std(axis=0, ddof=0), rtol=1e-14, atol=0)
assert np.allclose(scaler.mean_, X_raw.mean(axis=0), rtol=1e-14, atol=0)

REGRESSION_CONVENTIONS = {
    "design": "r = np.log(p[1:] / p[:-1]) for the SPY closes (8016 returns, plain, not percent). Rows are the last "
              "3000 returns: for target r_t, features (r_{t-1}, r_{t-2}, r_{t-3}, r_{t-4}, r_{t-5}, "
              "sqrt(mean(r_{t-20..t-1}^2))) taken from the full series (earlier returns exist for every row). "
              "Ridge target = r_t; logistic target = 1 if r_t > 0 else 0 (r_t == 0 counts as 0).",
    "standardisation": "Z = (X - mean_) / scale_ with sklearn StandardScaler fitted on the same 3000 rows: mean_ = column "
                       "mean, scale_ = population std (divisor n, ddof 0). All coefficients are on this standardised "
                       "scale; predictions are for standardised rows Z.",
    "ridge": "sklearn Ridge(alpha, fit_intercept=True), solver 'auto' -> cholesky on centred data, minimises "
             "||y - Z w - b 1||_2^2 + alpha ||w||_2^2 (plain sum of squares, NOT divided by n; intercept b not "
             "penalised). Closed form: Zc = Z - colmean(Z), yc = y - mean(y), w = (Zc' Zc + alpha I)^-1 Zc' yc, "
             "b = mean(y) - colmean(Z) . w. prediction = Z w + b.",
    "logistic": "sklearn 1.9 LogisticRegression(C, penalty='l2' (deprecated spelling of the default l1_ratio=0), "
                "fit_intercept=True, solver='lbfgs', tol=1e-12, max_iter=10000) minimises "
                "C * sum_i [ log(1 + exp(-s_i)) ] + 0.5 ||w||_2^2 with s_i = (2 y_i - 1)(z_i . w + b), equivalently "
                "sum_i [ ln(1 + exp(z_i.w + b)) - y_i (z_i.w + b) ]; the intercept b is NOT penalised. (Internally "
                "sklearn >= 1.1 minimises the same objective divided by C n: mean log-loss + 0.5 / (C n) ||w||^2, "
                "same minimiser; lbfgs runs with gtol = tol = 1e-12, ftol = 64 eps, maxls = 50, starting at zero.) "
                "probability = 1 / (1 + exp(-(z.w + b))) = predict_proba[:, 1]. Newton: gradient "
                "g = C Z1' (p - y) + [w; 0], Hessian H = C Z1' diag(p (1 - p)) Z1 + diag(1,...,1, 0) with Z1 = [Z, 1].",
}

ridge_cases = []
for alpha_r in RIDGE_ALPHAS:
    model = Ridge(alpha=alpha_r, fit_intercept=True).fit(Xs, y_reg)
    zm = Xs.mean(axis=0)
    Zc, yc = Xs - zm, y_reg - y_reg.mean()
    w = np.linalg.solve(Zc.T @ Zc + alpha_r * np.eye(Xs.shape[1]), Zc.T @ yc)
    b = float(y_reg.mean() - zm @ w)
    tol = 1e-8 * float(np.max(np.abs(w)))
    assert np.max(np.abs(model.coef_ - w)) <= tol, (alpha_r, model.coef_ - w)
    assert abs(model.intercept_ - b) <= 1e-8 * abs(b)
    pred = model.predict(Xs[:5])
    assert np.allclose(pred, Xs[:5] @ w + b, rtol=1e-8, atol=0)
    ridge_cases.append({"alpha": alpha_r, "coefficients": floats(model.coef_), "intercept": float(model.intercept_),
                        "predictions_first5": floats(pred),
                        "objective": float(np.sum((y_reg - Xs @ model.coef_ - model.intercept_) ** 2)
                                           + alpha_r * float(model.coef_ @ model.coef_))})


def logistic_objective(theta, Z1, y, C):
    s = Z1 @ theta
    # log(1 + exp(s)) - y s, stable
    loss = np.logaddexp(0.0, s) - y * s
    w = theta[:-1]
    p = scipy.special.expit(s)
    f = C * float(np.sum(loss)) + 0.5 * float(w @ w)
    g = C * (Z1.T @ (p - y))
    g[:-1] += w
    return f, g


def logistic_hess(theta, Z1, y, C):
    p = scipy.special.expit(Z1 @ theta)
    H = C * (Z1.T * (p * (1 - p))) @ Z1
    H[np.arange(len(theta) - 1), np.arange(len(theta) - 1)] += 1.0
    return H


logistic_cases = []
Z1 = np.hstack([Xs, np.ones((REG_N, 1))])
yf = y_cls.astype(float)
for C in LOGISTIC_CS:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*'penalty' was deprecated.*", category=FutureWarning)
        model = LogisticRegression(C=C, penalty="l2", fit_intercept=True, solver="lbfgs", tol=1e-12,
                                   max_iter=10000).fit(Xs, y_cls)
    ref = optimize.minimize(logistic_objective, np.zeros(Z1.shape[1]), args=(Z1, yf, C), jac=True,
                            hess=logistic_hess, method="Newton-CG", options={"xtol": 1e-14, "maxiter": 1000})
    theta = ref.x
    for _ in range(3):                                        # polish with exact Newton steps
        _, g = logistic_objective(theta, Z1, yf, C)
        theta = theta - np.linalg.solve(logistic_hess(theta, Z1, yf, C), g)
    _, g = logistic_objective(theta, Z1, yf, C)
    assert np.max(np.abs(g)) < 1e-9, g
    sk = np.concatenate([model.coef_.ravel(), model.intercept_])
    assert np.max(np.abs(sk - theta)) <= 1e-8 * max(1.0, float(np.max(np.abs(theta)))), (C, sk - theta)
    prob = model.predict_proba(Xs[:5])[:, 1]
    assert np.allclose(prob, scipy.special.expit(Z1[:5] @ theta), rtol=1e-8, atol=0)
    _, g_sk = logistic_objective(sk, Z1, yf, C)
    logistic_cases.append({"C": C, "coefficients": floats(model.coef_), "intercept": float(model.intercept_[0]),
                           "probabilities_first5": floats(prob),
                           "decision_function_first5": floats(model.decision_function(Xs[:5])),
                           "iterations": int(model.n_iter_[0]),
                           "objective": float(logistic_objective(sk, Z1, yf, C)[0]),
                           "max_abs_gradient_at_sklearn_solution": float(np.max(np.abs(g_sk)))})

regression = {
    "source_file": str(SPY.relative_to(ROOT)),
    "count": REG_N,
    "first_target_date": str(spy_dates[targets[0]]), "last_target_date": str(spy_dates[targets[-1]]),
    "feature_names": ["r_lag1", "r_lag2", "r_lag3", "r_lag4", "r_lag5", "realised_vol_20"],
    "X": [floats(row) for row in X_raw],
    "y": floats(y_reg),
    "y_class": [int(v) for v in y_cls],
    "scaler_mean": floats(scaler.mean_),
    "scaler_scale": floats(scaler.scale_),
}


# ----------------------------------------------------------------------------------------------
# output

fixture = {
    "source": "scripts/reference/prediction.py",
    "versions": {"python": platform.python_version(), "arch": arch.__version__, "hmmlearn": hmmlearn.__version__,
                 "scikit-learn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
                 "pandas": pd.__version__},
    "return_convention": "log returns r_t = log(p_t / p_{t-1}) over consecutive rows (np.log(p[1:] / p[:-1]), float64); "
                         "each array below is the exact float64 input of its model.",
    "self_checks": {
        "garch": "LL recomputed with numpy from the fitted parameters and garch_conventions agrees to 1e-9 relative; "
                 "every conditional variance and the forecast to 1e-12; the variance bounds never bind.",
        "hmm": "the best model's LL and last-step posterior recomputed with a plain scaled forward pass (1e-10); "
               "hmm_mle best >= hmm best.",
        "ridge": "closed form (numpy solve) agrees to 1e-8 relative to the largest coefficient; intercept 1e-8 relative.",
        "logistic": "scipy Newton-CG + exact Newton polish on the documented objective (max |gradient| < 1e-9) agrees "
                    "with sklearn to 1e-8 absolute (coefficients are O(0.01-0.1)).",
    },
    "garch_conventions": GARCH_CONVENTIONS,
    "garch": {c["name"]: c for c in garch_cases},
    "hmm_conventions": HMM_CONVENTIONS,
    "hmm": hmm,
    "hmm_mle": hmm_mle,
    "regression_conventions": REGRESSION_CONVENTIONS,
    "regression": regression,
    "ridge": {"cases": ridge_cases},
    "logistic": {"cases": logistic_cases},
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(fixture, indent=1, allow_nan=False) + "\n")
print(f"wrote {OUT.relative_to(ROOT)}")
for c in garch_cases:
    print(f"garch {c['name']}: mu={c['mu']:.6g} omega={c['omega']:.6g} alpha={c['alpha']:.6g} beta={c['beta']:.6g} "
          f"LL={c['loglikelihood']:.6f} fc={c['variance_forecast_1']:.6g} ({c['optimizer']['message']}, "
          f"polish gain {c['polish_check']['loglikelihood_gain']:.2e})")
for tag, sec in (("hmm", hmm), ("hmm_mle", hmm_mle)):
    for K in HMM_KS:
        s = sec[f"k{K}"]
        print(f"{tag} K={K}: best LL={s['loglikelihood']:.6f} (seed {s['best_seed']}), seeds {s['seed_loglikelihood_min']:.4f}"
              f"..{s['seed_loglikelihood_max']:.4f}, means {np.round(s['means'], 6).tolist()}, stds "
              f"{np.round(s['stds'], 6).tolist()}, decreases {sum(r['stopped_on_decrease'] for r in s['seeds'])}")
for c in ridge_cases:
    print(f"ridge alpha={c['alpha']}: coef {np.array(c['coefficients'])} b={c['intercept']:.6g}")
for c in logistic_cases:
    print(f"logistic C={c['C']}: coef {np.array(c['coefficients'])} b={c['intercept']:.6g} it={c['iterations']} "
          f"grad={c['max_abs_gradient_at_sklearn_solution']:.1e}")
