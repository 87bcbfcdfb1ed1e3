#!/usr/bin/env python3
"""Records every digit of `orchestrator backtest --strategy sma-cross` on the five benchmark cases
(the four of backtest_reference.json and BTC-USD hourly 10/20 long/short), so that work on the
fill path (issue 22) can be held to the same trades and the same equity digits as the binary
before it. The fixture was made with the release binary of commit 1380aef (before that work):

    python3 scripts/reference/backtest_digits.py [binary] > Tests/OrchestratorTests/Fixtures/backtest_digits.json

Per case: the JSON result's exact members (final equity and fees as decimal text; return, Sharpe,
drawdown, exposure and win rate as the shortest text that round-trips the double) and the FNV-1a
64 hash and line count of the trades CSV (`--trades`), which holds every trade's times, size,
prices, profit and commission as exact decimals.
"""
import json
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / ".build/release/orchestrator")
SP500 = "Sources/Orchestrator/SampleData/SP500_1d_1999-01-04_2018-12-31.csv"
BTC = "Sources/Orchestrator/SampleData/BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv"
CASES = [
    ("sp500_1d_sma10_30_long", SP500, 10, 30, "100000", "0.002", False),
    ("sp500_1d_sma20_60_short", SP500, 20, 60, "100000", "0.001", True),
    ("btc_1h_sma10_30_long", BTC, 10, 30, "1000000", "0.002", False),
    ("btc_1h_sma50_200_short", BTC, 50, 200, "1000000", "0.001", True),
    ("btc_1h_sma10_20_short", BTC, 10, 20, "1000000", "0.002", True),
]


def fnv1a64(data: bytes) -> str:
    value = 0xcbf29ce484222325
    for byte in data:
        value ^= byte
        value = (value * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


cases = []
with tempfile.TemporaryDirectory() as folder:
    for name, data, fast, slow, cash, commission, short in CASES:
        trades = pathlib.Path(folder) / f"{name}.csv"
        command = [BINARY, "backtest", "--data", str(ROOT / data), "--strategy", "sma-cross", "--param", f"fast={fast}", "--param", f"slow={slow}",
                   "--cash", cash, "--commission", commission, "--trades", str(trades), "--format", "json"] + (["--allow-short"] if short else [])
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        text = trades.read_bytes()
        cases.append({
            "name": name, "data": data, "fast": fast, "slow": slow, "cash": cash, "commission": commission, "allow_short": short,
            "result": {key: result[key] for key in ("final_equity", "fees", "return_pct", "sharpe_ratio", "max_drawdown_pct", "exposure_pct",
                                                     "win_rate_pct", "trades")},
            "trades_csv_fnv1a64": fnv1a64(text), "trades_csv_lines": text.count(b"\n"),
        })
print(json.dumps({"source": "scripts/reference/backtest_digits.py with the release binary of commit 1380aef", "cases": cases}, indent=1))
