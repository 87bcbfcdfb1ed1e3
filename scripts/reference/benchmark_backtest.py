#!/usr/bin/env python3
"""Times backtesting.py and `orchestrator backtest` on the same sma-cross rules and data in one
run, for docs/benchmarks.md. Python is a benchmarking tool here, never a run-time dependency
(backtesting.py is AGPL-3.0 and only run, never shipped).

Data: the bundled hourly BTC-USD bars (20,111). Rules as scripts/reference/backtest.py (fast 10,
slow 30, cash 1,000,000, commission 0.002, long only). Ours: the median `elapsed_ms` of
`orchestrator backtest --repetitions 200` (simulation only, file parsing excluded). Reference: the
median of 7 `Backtest.run()` calls (backtesting.py's own data preparation is inside run()).

Usage: python3 scripts/reference/benchmark_backtest.py   (after swift build -c release)
"""
import json
import pathlib
import platform
import sys
import statistics
import subprocess
import time
import warnings

import backtesting

ROOT = pathlib.Path(__file__).resolve().parents[2]
warnings.filterwarnings("ignore")
sys.path.insert(0, str(ROOT / "scripts/reference"))
from backtest import load, make_bt  # noqa: E402  (the reference strategy SmaCross and its settings)

DATA = ROOT / "Sources/Orchestrator/SampleData/BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv"
BINARY = ROOT / ".build/release/orchestrator"

frame, _ = load(DATA)
bt = make_bt(frame, cash=1_000_000, commission=0.002, exclusive=False)
timings = []
for _ in range(7):
    start = time.perf_counter()
    stats = bt.run(fast=10, slow=30, allow_short=False)
    timings.append((time.perf_counter() - start) * 1000)
reference = statistics.median(timings)
ours = json.loads(subprocess.run([str(BINARY), "backtest", "--data", str(DATA), "--strategy", "sma-cross", "--param", "fast=10",
                                  "--param", "slow=30", "--cash", "1000000", "--commission", "0.002", "--repetitions", "200",
                                  "--format", "json"], check=True, capture_output=True, text=True).stdout)
print(f"python {platform.python_version()}, backtesting {backtesting.__version__}")
print(f"sma-cross, {len(frame)} hourly bars: orchestrator {ours['elapsed_ms']:.3f} ms ({ours['trades']} trades, final {ours['final_equity']})"
      f"   backtesting.py {reference:.1f} ms ({stats['# Trades']} trades, final {stats['Equity Final [$]']:.2f})"
      f"   ratio {reference / ours['elapsed_ms']:.0f}x")
