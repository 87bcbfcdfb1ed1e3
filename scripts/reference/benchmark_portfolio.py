#!/usr/bin/env python3
"""Times PyPortfolioOpt / empyrical and `orchestrator` on the same inputs in one run, for
docs/benchmarks.md. Python is a benchmarking tool here, never a run-time dependency.

Three measurements (each side excludes reading the file; ours is the median `elapsed_ms` of
`--repetitions` runs inside one process, the reference's the median of timed calls after warm-ups):

1. small: the bundled 20-stock file, 2015-01-02..2018-04-11 (824 prices): CAGR + sample covariance +
   max Sharpe / min volatility, against PyPortfolioOpt's EfficientFrontier (cvxpy's default solver).
2. large: 500 synthetic assets x 2,501 prices (a seeded one-factor model, written to a temporary CSV):
   the same pipeline. The reference gets fewer repetitions because each call takes seconds.
3. metrics: every metric of 10,000 daily returns (synthetic prices of one asset and a benchmark)
   against the same metrics from empyrical-reloaded (plus scipy skew/kurtosis) in one Python call.

Usage: python3 scripts/reference/benchmark_portfolio.py [small|large|metrics ...] (default: all)
"""
import json
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import empyrical
import numpy as np
import pandas as pd
import pypfopt
import scipy.stats
from pypfopt import EfficientFrontier, expected_returns, risk_models

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build/release/orchestrator"
SECTIONS = sys.argv[1:] or ["small", "large", "metrics"]


def median_ms(function, repetitions, warmups):
    for _ in range(warmups):
        function()
    timings = []
    for _ in range(repetitions):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def ours(arguments, repetitions):
    output = subprocess.run([str(BINARY)] + arguments + ["--repetitions", str(repetitions), "--format", "json"],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output)["elapsed_ms"]


def optimise(prices, objective):
    mu = expected_returns.mean_historical_return(prices)
    cov = risk_models.sample_cov(prices)
    ef = EfficientFrontier(mu, cov)
    if objective == "max-sharpe":
        ef.max_sharpe(risk_free_rate=0.02)
    else:
        ef.min_volatility()


def compare_optimisers(path, prices, window, ours_repetitions, reference_repetitions, warmups):
    for objective in ["max-sharpe", "min-volatility"]:
        reference = median_ms(lambda: optimise(prices, objective), reference_repetitions, warmups)
        mine = ours(["optimize", "--prices", str(path), "--objective", objective] + window, ours_repetitions)
        print(f"  {objective:15s} orchestrator {mine:9.3f} ms   PyPortfolioOpt {reference:9.3f} ms   ratio {reference / mine:6.1f}x")


print(f"python {platform.python_version()}, PyPortfolioOpt {pypfopt.__version__}, empyrical {empyrical.__version__}, numpy {np.__version__}")

if "small" in SECTIONS:
    path = ROOT / "Sources/Orchestrator/SampleData/reference/us20_close_1989-12-29_2018-04-11.csv"
    prices = pd.read_csv(path, parse_dates=["date"], index_col="date").loc["2015-01-02":"2018-04-11"]
    print(f"small: {path.name}: {prices.shape[1]} assets, {len(prices)} prices")
    compare_optimisers(path, prices, ["--start", "2015-01-02", "--end", "2018-04-11"], 500, 50, 5)

with tempfile.TemporaryDirectory() as folder:
    if "large" in SECTIONS:
        generator = np.random.default_rng(20261125)
        assets, rows = 500, 2501
        market = generator.normal(0.0004, 0.01, rows - 1)
        betas = generator.uniform(0.5, 1.5, assets)
        drift = generator.normal(0.0003, 0.0004, assets)
        noise = generator.normal(0, 1, (rows - 1, assets)) * generator.uniform(0.008, 0.025, assets)
        returns = drift + np.outer(market, betas) + noise
        levels = 100 * np.vstack([np.ones(assets), np.cumprod(1 + returns, axis=0)])
        dates = pd.bdate_range("2010-01-04", periods=rows)
        prices = pd.DataFrame(levels, index=dates, columns=[f"S{index:03d}" for index in range(assets)])
        path = pathlib.Path(folder) / "large.csv"
        prices.to_csv(path, index_label="date", float_format="%.6f")
        prices = pd.read_csv(path, parse_dates=["date"], index_col="date")
        print(f"large: synthetic {assets} assets, {rows} prices (seed 20261125)")
        compare_optimisers(path, prices, [], 5, 3, 1)

    if "metrics" in SECTIONS:
        generator = np.random.default_rng(7)
        rows = 10001
        benchmark = 100 * np.cumprod(np.concatenate([[1], 1 + generator.normal(0.0003, 0.01, rows - 1)]))
        asset = 100 * np.cumprod(np.concatenate([[1], 1 + generator.normal(0.0004, 0.015, rows - 1)]))
        dates = pd.bdate_range("1985-01-01", periods=rows)
        path = pathlib.Path(folder) / "metrics.csv"
        pd.DataFrame({"A": asset, "B": benchmark}, index=dates).to_csv(path, index_label="date", float_format="%.6f")
        frame = pd.read_csv(path, parse_dates=["date"], index_col="date")
        r = frame["A"].pct_change().iloc[1:].to_numpy()
        b = frame["B"].pct_change().iloc[1:].to_numpy()

        def all_metrics():
            empyrical.annual_return(r); empyrical.cum_returns_final(r); empyrical.annual_volatility(r)
            empyrical.sharpe_ratio(r); empyrical.sortino_ratio(r); empyrical.downside_risk(r); empyrical.calmar_ratio(r)
            empyrical.max_drawdown(r); empyrical.omega_ratio(r); empyrical.tail_ratio(r); empyrical.stability_of_timeseries(r)
            empyrical.value_at_risk(r, 0.05); empyrical.value_at_risk(r, 0.01)
            empyrical.conditional_value_at_risk(r, 0.05); empyrical.conditional_value_at_risk(r, 0.01)
            empyrical.alpha_beta(r, b); empyrical.excess_sharpe(r, b)
            scipy.stats.skew(r); scipy.stats.kurtosis(r)

        reference = median_ms(all_metrics, 200, 20)
        mine = ours(["metrics", "--prices", str(path), "--symbol", "A", "--benchmark-symbol", "B"], 1000)
        print(f"metrics: {len(r)} returns against a benchmark")
        print(f"  {'all metrics':15s} orchestrator {mine:9.3f} ms   empyrical+scipy {reference:9.3f} ms   ratio {reference / mine:6.1f}x")
