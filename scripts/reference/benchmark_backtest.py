#!/usr/bin/env python3
"""Times backtesting.py and `orchestrator backtest` on the same sma-cross rules and data in one
run, for docs/benchmarks.md. Python is a benchmarking tool here, never a run-time dependency
(backtesting.py is AGPL-3.0 and only run, never shipped).

Cases: the four of the reference fixture (scripts/reference/backtest.py: SP500 daily 10/30 long,
20/60 long/short; BTC-USD hourly 10/30 long, 50/200 long/short) and BTC-USD hourly 10/20 long/short
(cash 1,000,000, commission 0.002: the most fills). Ours: the median `elapsed_ms` of
`orchestrator backtest --repetitions 200` (simulation only, file parsing excluded). Reference: the
median of 7 `Backtest.run()` calls (backtesting.py's own data preparation is inside run()).

Usage: python3 scripts/reference/benchmark_backtest.py   (after swift build -c release)
"""
import json
import os
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

SP500 = ROOT / "Sources/Orchestrator/SampleData/SP500_1d_1999-01-04_2018-12-31.csv"
BTC = ROOT / "Sources/Orchestrator/SampleData/BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv"
BINARY = ROOT / ".build/release/orchestrator"
# The four cases of the reference fixture (Tests/TradingEngineTests/Fixtures/backtest_reference.json)
# and the long/short 10/20 case over the hourly bars (the most fills per bar).
CASES = [
    ("sp500_1d_sma10_30_long", SP500, 10, 30, 100_000, "0.002", False),
    ("sp500_1d_sma20_60_short", SP500, 20, 60, 100_000, "0.001", True),
    ("btc_1h_sma10_30_long", BTC, 10, 30, 1_000_000, "0.002", False),
    ("btc_1h_sma50_200_short", BTC, 50, 200, 1_000_000, "0.001", True),
    ("btc_1h_sma10_20_short", BTC, 10, 20, 1_000_000, "0.002", True),
]

print(f"python {platform.python_version()}, backtesting {backtesting.__version__}; {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
print(f"{'case':26} {'bars':>6} {'trades':>6}  {'orchestrator':>13}  {'backtesting.py':>15}  {'ratio':>6}  final equity (ours / theirs)")
for name, path, fast, slow, cash, commission, short in CASES:
    frame, _ = load(path)
    bt = make_bt(frame, cash=cash, commission=float(commission), exclusive=False)
    timings = []
    for _ in range(7):
        start = time.perf_counter()
        stats = bt.run(fast=fast, slow=slow, allow_short=short)
        timings.append((time.perf_counter() - start) * 1000)
    reference = statistics.median(timings)
    command = [str(BINARY), "backtest", "--data", str(path), "--strategy", "sma-cross", "--param", f"fast={fast}", "--param", f"slow={slow}",
               "--cash", str(cash), "--commission", commission, "--repetitions", "200", "--format", "json"] + (["--allow-short"] if short else [])
    ours = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    print(f"{name:26} {len(frame):6d} {ours['trades']:6d}  {ours['elapsed_ms']:10.3f} ms  {reference:12.1f} ms  {reference / ours['elapsed_ms']:5.0f}x"
          f"  {ours['final_equity']} / {stats['Equity Final [$]']:.2f} ({stats['# Trades']} trades)")
