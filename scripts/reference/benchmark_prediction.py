#!/usr/bin/env python3
"""Times the prediction module against arch and hmmlearn on the same inputs in one run, for
docs/benchmarks.md. Python is a benchmarking tool here, never a run-time dependency.

1. GARCH(1,1) on the last 5,000 SPY daily returns (100 x log returns): `orchestrator volatility
   --last-returns 5000 --repetitions 5` (median fit time) against arch_model(...).fit() (median of 5).
2. 2-state Gaussian HMM on the same 5,000 log returns: our fit with 10 seeded restarts
   (`orchestrator regimes --repetitions 5`, hmm_fit_ms) against ONE hmmlearn GaussianHMM fit
   (n_iter=1000, tol=1e-8, median over 5 seeds).
3. Walk-forward evaluation of the bundled 20,111 hourly BTC-USD bars at 1h, 4h, 12h and 24h
   (`orchestrator forecast evaluate`, elapsed_ms). No reference: the target is < 10 s.
4. A forecast update from fitted models (features of the newest bar and 4 horizons) on the same
   bars: `orchestrator forecast --repetitions 1000`, update_ms (median), times 20 for 20 symbols.

Usage: python3 scripts/reference/benchmark_prediction.py   (after swift build -c release)
"""
import json
import pathlib
import platform
import statistics
import subprocess
import tempfile
import time
import warnings

import arch
import hmmlearn
import numpy as np
import pandas as pd
from arch import arch_model
from hmmlearn.hmm import GaussianHMM

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = ROOT / ".build/release/orchestrator"
SPY = ROOT / "Sources/Orchestrator/SampleData/spy_close_1993-01-29_2024-11-29.csv"
BTC = ROOT / "Sources/Orchestrator/SampleData/BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv"
warnings.filterwarnings("ignore")


def ours(arguments):
    return json.loads(subprocess.run([str(BINARY)] + arguments + ["--format", "json"], check=True, capture_output=True, text=True).stdout)


def median_ms(function, repetitions):
    timings = []
    for index in range(repetitions):
        start = time.perf_counter()
        function(index)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


print(f"python {platform.python_version()}, arch {arch.__version__}, hmmlearn {hmmlearn.__version__}, numpy {np.__version__}")
closes = pd.read_csv(SPY)["SPY"].to_numpy()[-5001:]
returns = np.log(closes[1:] / closes[:-1])
with tempfile.TemporaryDirectory() as folder:
    path = pathlib.Path(folder) / "SPY_daily.csv"
    dates = pd.read_csv(SPY)["date"].to_numpy()[-5001:]
    pd.DataFrame({"date": dates, "open": closes, "high": closes, "low": closes, "close": closes, "volume": 0}).to_csv(path, index=False)

    garch_ours = ours(["volatility", "--data", str(path), "--last-returns", "5000", "--repetitions", "5"])["elapsed_ms"]
    garch_arch = median_ms(lambda _: arch_model(100 * returns, mean="Constant", vol="GARCH", p=1, q=1, dist="normal",
                                                 rescale=False).fit(disp="off"), 5)
    print(f"GARCH(1,1), 5,000 returns:      orchestrator {garch_ours:8.1f} ms   arch {garch_arch:8.1f} ms   ratio {garch_arch / garch_ours:5.1f}x")

    hmm_ours = ours(["regimes", "--data", str(path), "--states", "2", "--repetitions", "5"])["hmm_fit_ms"]
    x = returns.reshape(-1, 1)
    hmm_one = median_ms(lambda seed: GaussianHMM(n_components=2, covariance_type="diag", n_iter=1000, tol=1e-8,
                                                  random_state=seed).fit(x), 5)
    print(f"2-state HMM, 5,000 returns:     orchestrator {hmm_ours:8.1f} ms (10 restarts)   hmmlearn {hmm_one:8.1f} ms (1 fit)   ratio {hmm_one / hmm_ours:5.1f}x")

evaluation = ours(["forecast", "evaluate", "--data", str(BTC), "--horizons", "1h,4h,12h,24h"])
print(f"walk-forward, {evaluation['bars']} hourly bars, 4 horizons: {evaluation['elapsed_ms'] / 1000:6.2f} s")
update = ours(["forecast", "--data", str(BTC), "--horizons", "1h,4h,12h,24h", "--repetitions", "1000"])
print(f"forecast update from fitted models: {update['update_ms']:.4f} ms per symbol x 4 horizons -> {20 * update['update_ms']:.3f} ms for 20 symbols (fit {update['fit_ms']:.0f} ms)")
