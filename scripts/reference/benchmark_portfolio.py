#!/usr/bin/env python3
"""Times PyPortfolioOpt and `orchestrator optimize` on the same input in one run, for
docs/benchmarks.md. Estimation is included on both sides (mean_historical_return + sample_cov +
EfficientFrontier + solve vs. our returns + CAGR + sample covariance + QP), file parsing excluded.
Python is a benchmarking tool here, never a run-time dependency.

Usage: python3 scripts/reference/benchmark_portfolio.py [repetitions]
"""
import json
import pathlib
import platform
import statistics
import subprocess
import sys
import time

import pandas as pd
import pypfopt
from pypfopt import EfficientFrontier, expected_returns, risk_models

ROOT = pathlib.Path(__file__).resolve().parents[2]
PRICES = ROOT / "Sources/Orchestrator/SampleData/reference/us20_close_1989-12-29_2018-04-11.csv"
START, END = "2015-01-02", "2018-04-11"
BINARY = ROOT / ".build/release/orchestrator"
REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 200

prices = pd.read_csv(PRICES, parse_dates=["date"], index_col="date").loc[START:END]


def pypfopt_once(objective):
    start = time.perf_counter()
    mu = expected_returns.mean_historical_return(prices)
    cov = risk_models.sample_cov(prices)
    ef = EfficientFrontier(mu, cov)
    if objective == "max-sharpe":
        ef.max_sharpe(risk_free_rate=0.02)
    else:
        ef.min_volatility()
    return (time.perf_counter() - start) * 1000


print(f"input: {PRICES.name} {START}..{END}: {prices.shape[1]} assets, {len(prices)} prices")
print(f"python {platform.python_version()}, PyPortfolioOpt {pypfopt.__version__} (cvxpy default solver)")
for objective in ["max-sharpe", "min-volatility"]:
    for _ in range(5):
        pypfopt_once(objective)
    reference = statistics.median(pypfopt_once(objective) for _ in range(max(20, REPS // 10)))
    output = subprocess.run([str(BINARY), "optimize", "--prices", str(PRICES), "--start", START, "--end", END,
                             "--objective", objective, "--repetitions", str(REPS), "--format", "json"],
                            check=True, capture_output=True, text=True).stdout
    ours = json.loads(output)["elapsed_ms"]
    print(f"{objective:15s} orchestrator median {ours:8.3f} ms   PyPortfolioOpt median {reference:8.3f} ms   ratio {reference / ours:6.1f}x")
