#!/usr/bin/env python3
"""Reference values for the portfolio optimizer, computed with PyPortfolioOpt (and through it
scikit-learn and cvxpy/Clarabel). Used only to produce the committed fixture; never at run time.

Input: the bundled PyPortfolioOpt test prices (Sources/Orchestrator/SampleData/reference/
us20_close_1989-12-29_2018-04-11.csv), window 2015-01-02..2018-04-11 where all 20 tickers trade
(824 prices, 823 returns). Output: Tests/PortfolioOptimizerTests/Fixtures/portfolio_reference.json.

Run: pip install pyportfolioopt==1.6.0 && python3 scripts/reference/portfolio.py
"""
import json
import pathlib
import platform

import numpy as np
import pandas as pd
import pypfopt
import sklearn
import cvxpy
from pypfopt import expected_returns, risk_models, EfficientFrontier, objective_functions

ROOT = pathlib.Path(__file__).resolve().parents[2]
PRICES = ROOT / "Sources/Orchestrator/SampleData/reference/us20_close_1989-12-29_2018-04-11.csv"
OUT = ROOT / "Tests/PortfolioOptimizerTests/Fixtures/portfolio_reference.json"
START, END = "2015-01-02", "2018-04-11"
RISK_FREE = 0.02
SOLVER_OPTIONS = dict(tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, tol_ktratio=1e-8, max_iter=500)

prices = pd.read_csv(PRICES, parse_dates=["date"], index_col="date").loc[START:END]
assert not prices.isna().any().any(), "the window must be complete"
tickers = list(prices.columns)


def vector(series):
    return [float(series[t]) for t in tickers]


def matrix(frame):
    return [[float(frame.loc[a, b]) for b in tickers] for a in tickers]


mu = {
    "cagr": vector(expected_returns.mean_historical_return(prices)),
    "mean": vector(expected_returns.mean_historical_return(prices, compounding=False)),
    "ema_span_500": vector(expected_returns.ema_historical_return(prices, span=500)),
    "capm_equal_weight_market": vector(expected_returns.capm_return(prices, risk_free_rate=RISK_FREE)),
}
cov = {
    "sample": matrix(risk_models.sample_cov(prices)),
    "exponential_span_180": matrix(risk_models.exp_cov(prices, span=180)),
    "semicovariance_benchmark_0.000079": matrix(risk_models.semicovariance(prices, benchmark=0.000079)),
    "ledoit_wolf_constant_variance": matrix(risk_models.CovarianceShrinkage(prices).ledoit_wolf("constant_variance")),
}

sample_mu = expected_returns.mean_historical_return(prices)
sample_cov = risk_models.sample_cov(prices)


def frontier(bounds=(0, 1), gamma=None, options=SOLVER_OPTIONS):
    ef = EfficientFrontier(sample_mu, sample_cov, weight_bounds=bounds, solver="CLARABEL", solver_options=options)
    if gamma is not None:
        ef.add_objective(objective_functions.L2_reg, gamma=gamma)
    return ef


def case(name, bounds, method, gamma=None, **kwargs):
    # Clarabel reports the second-order-cone problem of efficient_risk as inaccurate at the tight
    # tolerances, so that one case keeps Clarabel's defaults (about 1e-8).
    options = {} if method == "efficient_risk" else SOLVER_OPTIONS
    ef = frontier(bounds, gamma, options)
    getattr(ef, method)(**kwargs)
    weights = np.array([ef.weights[i] for i in range(len(tickers))])
    ret, vol, sharpe = ef.portfolio_performance(risk_free_rate=RISK_FREE)
    return {
        "name": name, "objective": method, "parameters": kwargs, "lower_bound": bounds[0], "upper_bound": bounds[1],
        "l2_gamma": gamma, "solver_options": options, "weights": [float(w) for w in weights], "expected_return": float(ret),
        "volatility": float(vol), "sharpe": float(sharpe),
    }


cases = [
    case("min_volatility_long_only", (0, 1), "min_volatility"),
    case("min_volatility_max_10pct", (0, 0.1), "min_volatility"),
    case("min_volatility_long_short", (-1, 1), "min_volatility"),
    case("min_volatility_l2_0.1", (0, 1), "min_volatility", gamma=0.1),
    case("max_sharpe_long_only", (0, 1), "max_sharpe", risk_free_rate=RISK_FREE),
    case("max_sharpe_max_15pct", (0, 0.15), "max_sharpe", risk_free_rate=RISK_FREE),
    case("efficient_return_30pct", (0, 1), "efficient_return", target_return=0.30),
    case("efficient_risk_20pct", (0, 1), "efficient_risk", target_volatility=0.20),
    case("max_utility_aversion_2", (0, 1), "max_quadratic_utility", risk_aversion=2),
    case("max_utility_aversion_10_max_20pct", (0, 0.2), "max_quadratic_utility", risk_aversion=10),
]

fixture = {
    "source": "scripts/reference/portfolio.py",
    "versions": {"python": platform.python_version(), "pypfopt": pypfopt.__version__, "sklearn": sklearn.__version__,
                 "cvxpy": cvxpy.__version__, "numpy": np.__version__, "pandas": pd.__version__},
    "prices_file": str(PRICES.relative_to(ROOT)), "start": START, "end": END, "frequency": 252,
    "risk_free_rate": RISK_FREE, "tickers": tickers, "price_rows": len(prices),
    "expected_returns": mu, "covariances": cov, "cases": cases,
}
OUT.write_text(json.dumps(fixture, indent=1) + "\n")
print(f"wrote {OUT.relative_to(ROOT)}: {len(cases)} cases, {len(tickers)} assets, {len(prices)} prices")
