#!/usr/bin/env python3
"""Reference results for the "sma-cross" backtest, computed with backtesting.py (PyPI `backtesting`,
AGPL-3.0; used only to produce the committed fixture, never linked or run by the project). The
fixture holds the trade lists, the headline statistics and the exact rules backtesting.py applied,
written out in "conventions" so that an engine can be ported from the sentences alone.

Inputs (OHLCV CSV files bundled with the app):
  Sources/Orchestrator/SampleData/SP500_1d_1999-01-04_2018-12-31.csv
      header date,open,high,low,close,adj_close,volume   (adj_close is dropped; `open`/`close` used)
  Sources/Orchestrator/SampleData/BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv
      header timestamp,open,high,low,close,volume,volume_usd   (volume_usd is dropped; times are UTC)
Every case uses the whole file; bar index i is the 0-based data row (header excluded).

Strategy "sma-cross": fast = SMA(close, fast), slow = SMA(close, slow); on a cross above: close any
position and buy with all equity in whole units; on a cross below: close any position and, only with
allow_short, sell short the same way. Run with Backtest(data, SmaCross, cash=C, commission=F,
spread=0, margin=1, trade_on_close=False, hedging=False, exclusive_orders=False,
finalize_trades=True); orders are market orders of relative size FRACTION (the largest double below
1), placed after an explicit position.close(). exclusive_orders=True is run as well and must give
identical trades. The precise semantics (signal definition, fill, sizing, commission, end of data,
statistics) are in CONVENTIONS below and in the fixture.

Self-checks (kept in the script): a plain-Python loop simulation written from CONVENTIONS (no
backtesting.py, no pandas; SMA as the plain sum of the last n closes / n) must give the identical
trade list (entry/exit bars, signed sizes), the same entry/exit prices, per-trade PnL and commission
(1e-9 relative), the same final equity (1e-6 relative; in practice ~1e-12) and the same return,
win rate, exposure, max drawdown and Sharpe ratio (1e-9 relative). The signals from the naive SMA
must equal the signals from backtesting.py's pandas rolling mean (the smallest |fast - slow| gap at
a decision bar is recorded, so a port can see how far it is from a rounding-sensitive tie).

End of data: three extra runs on truncated SP500 data (a signal on the last bar, an entry on the last bar, a
reversal ordered on the last bar) check the end-of-data rule against the plain simulation too.

Timing: median wall time of 5 `bt.run()` calls for the two BTC cases (`machine` says where).

Output: Tests/TradingEngineTests/Fixtures/backtest_reference.json.

Run: pip install backtesting==0.6.6 pandas numpy && nice python3 scripts/reference/backtest.py
"""
import json
import math
import os
import pathlib
import platform
import statistics
import sys
import time
import warnings

import numpy as np
import pandas as pd

import backtesting
from backtesting import Backtest, Strategy
from backtesting.lib import crossover
from backtesting.test import SMA

ROOT = pathlib.Path(__file__).resolve().parents[2]
SP500 = ROOT / "Sources/Orchestrator/SampleData/SP500_1d_1999-01-04_2018-12-31.csv"
BTC = ROOT / "Sources/Orchestrator/SampleData/BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv"
OUT = ROOT / "Tests/TradingEngineTests/Fixtures/backtest_reference.json"

FRACTION = float(np.nextafter(1.0, 0.0))   # 1 - 2**-53: relative order size, see "sizing"
TIMING_RUNS = 5

CONVENTIONS = {
    "data": "Bars 0..N-1 are the file rows in order (no filtering, no resampling); O/H/L/C from the open/high/low/"
            "close columns (SP500 adj_close and BTC volume_usd are ignored; volume is carried but unused). Times are "
            "UTC; daily bars are labelled by their date.",
    "sma": "SMA_n[i] = (C[i-n+1] + ... + C[i]) / n, defined for i >= n-1 (undefined/NaN before). backtesting.py uses "
           "pandas Series.rolling(n).mean() (backtesting.test.SMA); it differs from the plain sum / n only in the last "
           "bits and gives identical signals on every case (checked; min_decision_gap in each case).",
    "signal": "backtesting.lib.crossover(a, b) is `a[-2] < b[-2] and a[-1] > b[-1]` (STRICT on both bars; any comparison "
              "with NaN is false). So at bar i: cross_up[i] = fast[i-1] < slow[i-1] and fast[i] > slow[i]; cross_down[i] = "
              "slow[i-1] < fast[i-1] and slow[i] > fast[i]. An exact tie fast == slow on bar i-1 therefore produces NO "
              "signal at i (a path >, ==, < gives no cross_down; a later cross_up then re-enters a position of the "
              "same side, which is closed and reopened). Signals are evaluated for i = slow .. N-1 (backtesting.py "
              "starts calling next() at bar 1 + (index of the first non-NaN value of the slowest indicator) = slow; "
              "no signal is possible earlier anyway because fast[i-1] or slow[i-1] would be NaN).",
    "orders": "On cross_up[i]: order 'close every open trade' then order 'buy relative size FRACTION'. On cross_down[i]: "
              "order 'close every open trade', then (allow_short only) 'sell relative size FRACTION'. Without a position "
              "the close is a no-op. Orders placed at bar i are all filled at the open of bar i+1 (trade_on_close=False), "
              "in that order: first the close, then the new entry. An entry on the same side as an open position (only "
              "possible after a tie, see signal) still closes and reopens.",
    "fill": "Fill price p = O[i+1] exactly (spread 0, no slippage). A closed trade's exit bar is i+1, a new trade's "
            "entry bar is i+1.",
    "commission": "Relative commission c charged on notional at each fill: entry charges |units| * p_entry * c, exit "
                  "charges |units| * p_exit * c. A reversal (close + opposite entry at the same open) pays both: the exit "
                  "commission of the old trade and then the entry commission of the new one.",
    "cash_accounting": "cash starts at C. Opening a trade: cash -= |units| * p * c (the notional is NOT moved out of cash). "
                       "Closing it at q: cash += units * (q - p) - |units| * q * c (units signed, negative for short). "
                       "Equity at the close of bar j = cash + units * (C[j] - p) for the open trade (0 when flat).",
    "sizing": "For the entry filled at bar j, after the close order of the same bar was applied: E = cash (the account "
              "is flat at that point, so equity = cash = previous cash + realised PnL of the closed trade - its exit "
              "commission). units = floor(E / (p * (1 + c))) with p = O[j], negated for a short. backtesting.py computes "
              "int((E * FRACTION) // (p + p*c)) with FRACTION = 1 - 2^-53 (the largest double < 1; backtesting.py treats "
              "sizes in (0, 1) as a fraction of margin_available = equity - margin in use = E here, with margin=1), which "
              "equals the formula above except when E / (p(1+c)) is within ~1e-16 relative of an integer (never in these "
              "cases; the self-check uses the plain formula). If units == 0 the entry is cancelled (does not occur here).",
    "end_of_data": "finalize_trades=True: after next() of the last bar N-1, every open trade is closed at the OPEN of bar "
                   "N-1 (not its close), exit bar N-1, with exit commission, and counted in the statistics; the equity of "
                   "bar N-1 is then recomputed (= cash when flat). A trade entered at the open of N-1 (signal at N-2) is "
                   "closed at the same price: a zero-length trade that loses its two commissions. A signal ON the last bar "
                   "N-1 would be filled at O[N-1] too (the final broker pass reuses bar N-1): its close is skipped (trade "
                   "already closed) and its entry opens a trade that stays open, is NOT in the trade list and is valued at "
                   "C[N-1] in the final equity. `last_bar_signal` in each case says whether that happened (it does not in the 4 "
                   "cases); all three situations are verified on truncated data in `end_of_data_checks`.",
    "equity_curve": "Equity[j] for j >= slow is the value above (with the end-of-data override on N-1); bars 0..slow-1 "
                    "(before next() is first called) are back-filled with Equity[slow] = C (backtesting.py bfill).",
    "final_equity": "'Equity Final [$]' = Equity[N-1] after the end-of-data close.",
    "return_pct": "'Return [%]' = (Equity[N-1] - Equity[0]) / Equity[0] * 100, Equity[0] = C.",
    "trades": "Closed trades in closing order. size signed; pnl = size * (exit - entry) - commission; commission = "
              "|size| * entry * c + |size| * exit * c; return_pct = sign(size) * (exit / entry - 1) - commission / "
              "(|size| * entry), times 100. '# Trades' = number of closed trades (including the one closed at the end).",
    "win_rate": "'Win Rate [%]' = 100 * (number of trades with pnl > 0) / '# Trades' (pnl net of both commissions).",
    "exposure": "'Exposure Time [%]' = 100 * (number of bars b in 0..N-1 with entry_bar <= b <= exit_bar for some closed "
                "trade) / N (entry and exit bars both count; warm-up bars are in N).",
    "max_drawdown": "'Max. Drawdown [%]' = -100 * max_j (1 - Equity[j] / max_{k<=j} Equity[k]) (a negative number, bar "
                    "closes only).",
    "sharpe": "'Sharpe Ratio' (risk-free 0): take Equity, group by calendar day (UTC) and keep the last bar of each day "
              "(pandas resample('D').last().dropna(); for the daily SP500 file that is every bar), r = simple day-to-day "
              "returns (pct_change, first dropped), n = len(r). g = exp(mean(log(1 + r))) - 1 (0 if any 1 + r <= 0). "
              "A = 252 if at most 60% * 2/7 of the bars fall on Sat/Sun (SP500) else 365 (BTC) (the bar period is the "
              "median spacing of the last 100 bars, < 7 days here). ann_return = (1 + g)^A - 1; ann_vol = sqrt((var(r, "
              "ddof=1) + (1 + g)^2)^A - (1 + g)^(2A)); Sharpe = ann_return / ann_vol (NOT mean/std*sqrt(A)).",
}

RESULT_KEYS = {
    "final_equity": "Equity Final [$]", "return_pct": "Return [%]", "trade_count": "# Trades",
    "win_rate_pct": "Win Rate [%]", "max_drawdown_pct": "Max. Drawdown [%]", "sharpe_ratio": "Sharpe Ratio",
    "exposure_time_pct": "Exposure Time [%]", "return_ann_pct": "Return (Ann.) [%]",
    "volatility_ann_pct": "Volatility (Ann.) [%]", "commissions": "Commissions [$]",
}


# ----------------------------------------------------------------------------------------------
# data

def load(path):
    raw = pd.read_csv(path)
    tcol = raw.columns[0]
    index = pd.DatetimeIndex(pd.to_datetime(raw[tcol], utc=True).dt.tz_convert(None), name=None)
    frame = pd.DataFrame({"Open": raw["open"].to_numpy(float), "High": raw["high"].to_numpy(float),
                          "Low": raw["low"].to_numpy(float), "Close": raw["close"].to_numpy(float),
                          "Volume": raw["volume"].to_numpy(float)}, index=index)
    labels = list(raw[tcol])
    assert frame.index.is_monotonic_increasing and frame.index.is_unique and not frame.isna().any().any()
    return frame, labels


# ----------------------------------------------------------------------------------------------
# backtesting.py

class SmaCross(Strategy):
    fast = 10
    slow = 30
    allow_short = False

    def init(self):
        self.sma_fast = self.I(SMA, self.data.Close, self.fast)
        self.sma_slow = self.I(SMA, self.data.Close, self.slow)

    def next(self):
        if crossover(self.sma_fast, self.sma_slow):
            self.position.close()
            self.buy(size=FRACTION)
        elif crossover(self.sma_slow, self.sma_fast):
            self.position.close()
            if self.allow_short:
                self.sell(size=FRACTION)


def make_bt(frame, cash, commission, exclusive):
    return Backtest(frame, SmaCross, cash=cash, commission=commission, spread=0.0, margin=1.0,
                    trade_on_close=False, hedging=False, exclusive_orders=exclusive, finalize_trades=True)


def run_bt(frame, p, exclusive=False):
    bt = make_bt(frame, p["cash"], p["commission"], exclusive)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stats = bt.run(fast=p["fast"], slow=p["slow"], allow_short=p["allow_short"])
    return bt, stats, [str(w.message) for w in caught]


# ----------------------------------------------------------------------------------------------
# plain-Python restatement of CONVENTIONS (self-check)

def plain_sma(close, n):
    out = [math.nan] * len(close)
    for i in range(n - 1, len(close)):
        s = 0.0
        for k in range(i - n + 1, i + 1):
            s += close[k]
        out[i] = s / n
    return out


def plain_signals(fast, slow, start):
    sig = {}
    for i in range(start, len(fast)):
        if fast[i - 1] < slow[i - 1] and fast[i] > slow[i]:
            sig[i] = "up"
        elif slow[i - 1] < fast[i - 1] and slow[i] > fast[i]:
            sig[i] = "down"
    return sig


def plain_backtest(o, c_, n_fast, n_slow, cash0, comm, allow_short):
    n = len(o)
    fast, slow = plain_sma(c_, n_fast), plain_sma(c_, n_slow)
    start = n_slow
    signals = plain_signals(fast, slow, start)
    cash = cash0
    pos = None                       # [units (signed), entry price, entry bar]
    trades = []
    equity = [math.nan] * n

    def close_at(j, q):
        nonlocal cash, pos
        units, p, eb = pos
        exit_comm = abs(units) * q * comm
        cash += units * (q - p) - exit_comm
        total_comm = abs(units) * p * comm + exit_comm
        trades.append({"entry_bar": eb, "exit_bar": j, "size": units, "entry_price": p, "exit_price": q,
                       "pnl": units * (q - p) - total_comm, "commission": total_comm,
                       "return_pct": 100 * (math.copysign(1, units) * (q / p - 1) - total_comm / (abs(units) * p))})
        pos = None

    def open_at(j, p, side):
        nonlocal cash, pos
        units = math.floor(cash / (p * (1 + comm)))
        if units == 0:
            return
        pos = [side * units, p, j]
        cash -= units * p * comm

    def value(j):
        return cash + (pos[0] * (c_[j] - pos[1]) if pos else 0.0)

    pending = None
    for j in range(start, n):
        if pending is not None:               # fills at the open of bar j
            if pos:
                close_at(j, o[j])
            if pending == "up":
                open_at(j, o[j], +1)
            elif allow_short:
                open_at(j, o[j], -1)
            pending = None
        equity[j] = value(j)
        pending = signals.get(j)
    # end of data: close the open trade at O[N-1], then any order from a last-bar signal fills at O[N-1]
    last = n - 1
    if pos:
        close_at(last, o[last])
    if pending == "up" or (pending == "down" and allow_short):
        open_at(last, o[last], +1 if pending == "up" else -1)   # stays open, not counted
    equity[last] = value(last)
    for j in range(start):
        equity[j] = equity[start]
    return {"signals": signals, "fast": fast, "slow": slow, "trades": trades, "equity": equity,
            "open_at_end": pos is not None}


def plain_stats(equity, trades, index, n_bars, weekend_share):
    out = {"final_equity": equity[-1], "return_pct": (equity[-1] - equity[0]) / equity[0] * 100,
           "trade_count": len(trades)}
    out["win_rate_pct"] = 100 * sum(1 for t in trades if t["pnl"] > 0) / len(trades) if trades else math.nan
    held = [0] * n_bars
    for t in trades:
        for b in range(t["entry_bar"], t["exit_bar"] + 1):
            held[b] = 1
    out["exposure_time_pct"] = 100 * sum(held) / n_bars
    peak, worst = -math.inf, 0.0
    for e in equity:
        peak = max(peak, e)
        worst = max(worst, 1 - e / peak)
    out["max_drawdown_pct"] = -100 * worst
    # last equity of each UTC calendar day
    day_last = {}
    for t, e in zip(index, equity):
        day_last[(t.year, t.month, t.day)] = e
    days = [day_last[k] for k in sorted(day_last)]
    r = [days[k] / days[k - 1] - 1 for k in range(1, len(days))]
    A = 365 if weekend_share > 2 / 7 * 0.6 else 252
    g = 0.0 if any(1 + x <= 0 for x in r) else math.exp(sum(math.log(1 + x) for x in r) / len(r)) - 1
    mean = sum(r) / len(r)
    var = sum((x - mean) ** 2 for x in r) / (len(r) - 1)
    ann_ret = (1 + g) ** A - 1
    ann_vol = math.sqrt((var + (1 + g) ** 2) ** A - (1 + g) ** (2 * A))
    out["return_ann_pct"], out["volatility_ann_pct"] = ann_ret * 100, ann_vol * 100
    out["sharpe_ratio"] = ann_ret / ann_vol
    out["annual_trading_days"] = A
    return out


def close_enough(name, got, want, rel):
    if isinstance(want, float) and math.isnan(want):
        assert isinstance(got, float) and math.isnan(got), f"{name}: {got!r} != NaN"
        return
    scale = max(abs(got), abs(want), 1e-300)
    assert abs(got - want) <= rel * scale, f"{name}: {got!r} vs {want!r} (rel {abs(got - want) / scale:.3e})"


# ----------------------------------------------------------------------------------------------
# cases

def num(x):
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def build_case(name, path, symbol, fast, slow, cash, commission, allow_short, time_it):
    frame, labels = load(path)
    p = {"fast": fast, "slow": slow, "cash": cash, "commission": commission, "allow_short": allow_short}
    bt, stats, warns = run_bt(frame, p, exclusive=False)
    td = stats["_trades"]
    n = len(frame)

    # exclusive_orders=True gives the same trades and equity
    _, stats_x, _ = run_bt(frame, p, exclusive=True)
    tx = stats_x["_trades"]
    assert td[["Size", "EntryBar", "ExitBar", "EntryPrice", "ExitPrice"]].equals(
        tx[["Size", "EntryBar", "ExitBar", "EntryPrice", "ExitPrice"]]), f"{name}: exclusive_orders changes trades"
    assert stats_x["Equity Final [$]"] == stats["Equity Final [$]"]

    # plain re-simulation
    o, c_ = frame["Open"].tolist(), frame["Close"].tolist()
    plain = plain_backtest(o, c_, fast, slow, cash, commission, allow_short)
    trades = []
    for k, t in enumerate(td.itertuples(index=False)):
        q = plain["trades"][k] if k < len(plain["trades"]) else None
        row = {"entry_bar": int(t.EntryBar), "exit_bar": int(t.ExitBar),
               "entry_time": labels[int(t.EntryBar)], "exit_time": labels[int(t.ExitBar)],
               "size": int(t.Size), "entry_price": float(t.EntryPrice), "exit_price": float(t.ExitPrice),
               "pnl": float(t.PnL), "commission": float(t.Commission), "return_pct": float(t.ReturnPct) * 100}
        assert q is not None and (row["entry_bar"], row["exit_bar"], row["size"]) == (
            q["entry_bar"], q["exit_bar"], q["size"]), f"{name}: trade {k}: {row} vs {q}"
        assert row["entry_price"] == q["entry_price"] and row["exit_price"] == q["exit_price"]
        for key in ("pnl", "commission", "return_pct"):
            close_enough(f"{name}.trade{k}.{key}", row[key], q[key], 1e-9)
        trades.append(row)
    assert len(trades) == len(plain["trades"]), f"{name}: {len(trades)} vs {len(plain['trades'])} trades"

    eq_bt = stats["_equity_curve"]["Equity"].to_numpy()
    eq_pl = np.array(plain["equity"])
    assert np.allclose(eq_bt, eq_pl, rtol=1e-9, atol=0), f"{name}: equity curves differ"
    close_enough(f"{name}.final_equity", float(stats["Equity Final [$]"]), plain["equity"][-1], 1e-6)

    weekend_share = float(frame.index.day_of_week.to_series().between(5, 6).mean())
    ps = plain_stats(plain["equity"], plain["trades"], frame.index, n, weekend_share)
    results = {}
    for key, label in RESULT_KEYS.items():
        results[key] = num(stats[label]) if label in stats else None
    results["trade_count"] = int(stats["# Trades"])
    for key in ("final_equity", "return_pct", "win_rate_pct", "exposure_time_pct", "max_drawdown_pct",
                "return_ann_pct", "volatility_ann_pct", "sharpe_ratio"):
        close_enough(f"{name}.{key}", float(stats[RESULT_KEYS[key]]), ps[key], 1e-9)
    assert results["trade_count"] == ps["trade_count"]

    # signals: pandas rolling mean (backtesting.py) vs the naive sum / n
    f_bt = np.asarray(bt._results["_strategy"].sma_fast, dtype=float)
    s_bt = np.asarray(bt._results["_strategy"].sma_slow, dtype=float)
    sig_bt = plain_signals(f_bt.tolist(), s_bt.tolist(), slow)
    assert sig_bt == plain["signals"], f"{name}: naive SMA signals differ from pandas rolling mean"
    f_pl, s_pl = np.array(plain["fast"]), np.array(plain["slow"])
    ok = ~np.isnan(s_pl)
    sma_diff = float(max(np.max(np.abs(f_bt[ok] - f_pl[ok]) / np.abs(f_pl[ok])),
                         np.max(np.abs(s_bt[ok] - s_pl[ok]) / np.abs(s_pl[ok]))))
    gap = np.abs(f_pl - s_pl) / s_pl
    decision = gap[slow - 1:]          # every bar whose comparison enters a signal decision
    exact_ties = [int(i) for i in np.flatnonzero(f_pl == s_pl) if i >= slow - 1]
    last_bar_signal = (n - 1) in plain["signals"]
    assert not plain["open_at_end"]

    timing = None
    if time_it:
        ms = []
        for _ in range(TIMING_RUNS):
            t0 = time.perf_counter()
            bt.run(fast=fast, slow=slow, allow_short=allow_short)
            ms.append((time.perf_counter() - t0) * 1000)
        timing = {"median_ms": statistics.median(ms), "runs_ms": ms,
                  "what": f"median wall time of {TIMING_RUNS} Backtest.run() calls (strategy init, bar loop, "
                          "compute_stats; data already loaded), exclusive_orders=False"}

    return {
        "name": name, "data_file": str(path.relative_to(ROOT)), "symbol": symbol,
        "first_bar_time": labels[0], "last_bar_time": labels[-1], "bar_count": n,
        "fast": fast, "slow": slow, "cash": cash, "commission": commission, "allow_short": allow_short,
        "first_signal_bar": slow,
        "results": results,
        "annual_trading_days": ps["annual_trading_days"],
        "signals": [[i, plain["signals"][i]] for i in sorted(plain["signals"])],
        "signal_count": len(plain["signals"]),
        "last_bar_signal": last_bar_signal,
        "open_trade_left_at_end": False,
        "closed_at_end_of_data": bool(trades) and trades[-1]["exit_bar"] == n - 1,
        "min_decision_gap": {"relative": float(np.min(decision)), "bar": int(slow - 1 + np.argmin(decision)),
                             "note": "min over bars slow-1..N-1 of |fast - slow| / slow (naive SMA)"},
        "exact_sma_ties": exact_ties,
        "pandas_vs_naive_sma_max_rel_diff": sma_diff,
        "backtesting_warnings": sorted(set(warns)),
        "timing": timing,
        "trades": trades,
    }


def end_of_data_check(name, path, fast, slow, cash, commission, allow_short, stop):
    """Truncated data (rows 0..stop-1) so that a signal or an entry falls on the last bar: backtesting.py vs the
    plain simulation (trades, final equity, and whether a trade is left open and uncounted)."""
    frame, labels = load(path)
    frame, labels = frame.iloc[:stop], labels[:stop]
    p = {"fast": fast, "slow": slow, "cash": cash, "commission": commission, "allow_short": allow_short}
    bt, stats, warns = run_bt(frame, p)
    plain = plain_backtest(frame["Open"].tolist(), frame["Close"].tolist(), fast, slow, cash, commission, allow_short)
    td = stats["_trades"]
    got = [(int(t.EntryBar), int(t.ExitBar), int(t.Size)) for t in td.itertuples(index=False)]
    want = [(q["entry_bar"], q["exit_bar"], q["size"]) for q in plain["trades"]]
    assert got == want, f"{name}: end-of-data trades differ"
    close_enough(f"{name}.final_equity", float(stats["Equity Final [$]"]), plain["equity"][-1], 1e-9)
    still_open = len(stats["_strategy"]._broker.trades)
    assert still_open == int(plain["open_at_end"]), f"{name}: open trade at end {still_open} vs {plain['open_at_end']}"
    last = stop - 1
    return {"name": name, "data_file": str(path.relative_to(ROOT)), "rows_used": stop, "last_bar_time": labels[-1],
            "fast": fast, "slow": slow, "cash": cash, "commission": commission, "allow_short": allow_short,
            "signal_on_last_bar": plain["signals"].get(last), "signal_on_bar_before_last": plain["signals"].get(last - 1),
            "trade_count": len(got), "final_equity": float(stats["Equity Final [$]"]),
            "open_trade_left_uncounted": bool(plain["open_at_end"]),
            "last_trades": [{"entry_bar": a, "exit_bar": b, "size": c} for a, b, c in got[-2:]]}


def machine():
    model = None
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"platform": platform.platform(), "machine": platform.machine(), "cpu_model": model,
            "logical_cpus": os.cpu_count(), "python_impl": platform.python_implementation(),
            "note": "shared container, run under `nice`; single-threaded pure-Python bar loop"}


def main():
    cases = [
        build_case("sp500_1d_sma10_30_long", SP500, "SP500", 10, 30, 100000.0, 0.002, False, False),
        build_case("sp500_1d_sma20_60_short", SP500, "SP500", 20, 60, 100000.0, 0.001, True, False),
        build_case("btc_1h_sma10_30_long", BTC, "BTC-USD", 10, 30, 1000000.0, 0.002, False, True),
        build_case("btc_1h_sma50_200_short", BTC, "BTC-USD", 50, 200, 1000000.0, 0.001, True, True),
    ]

    end_checks = [
        # SP500 10/30 has a cross_up at bar 5002: data ending there puts the signal on the last bar ...
        end_of_data_check("signal_on_last_bar_long", SP500, 10, 30, 100000.0, 0.002, False, 5003),
        # ... and data ending one bar later puts the entry on the last bar (zero-length trade).
        end_of_data_check("entry_on_last_bar_long", SP500, 10, 30, 100000.0, 0.002, False, 5004),
        # SP500 20/60 short has a cross_down at bar 4981 while long: reversal ordered on the last bar.
        end_of_data_check("reversal_signal_on_last_bar_short", SP500, 20, 60, 100000.0, 0.001, True, 4982),
    ]

    fixture = {
        "source": "scripts/reference/backtest.py",
        "versions": {"python": platform.python_version(), "backtesting": backtesting.__version__,
                     "pandas": pd.__version__, "numpy": np.__version__},
        "backtest_settings": {"spread": 0.0, "margin": 1.0, "trade_on_close": False, "hedging": False,
                              "exclusive_orders": False, "finalize_trades": True, "order_size_fraction": FRACTION,
                              "note": "exclusive_orders=True (same strategy code) was also run and gives identical trades "
                                      "and final equity, because the strategy closes the position explicitly before every "
                                      "entry; without that explicit close and with exclusive_orders=False a sell would be "
                                      "sized from margin_available with the long still open (valued at the bar's CLOSE, "
                                      "look-ahead) and netted FIFO, which is not the issue's rule."},
        "conventions": CONVENTIONS,
        "notes": {
            "self_checks": "A plain-Python loop simulation of the conventions (naive SMA, floor(E/(p(1+c))) sizing) gave "
                           "the identical trade list (bars, signed sizes, prices), per-trade pnl/commission to 1e-9, the "
                           "whole equity curve to 1e-9 and every statistic listed to 1e-9 relative.",
            "results_units": "final_equity and commissions in cash units; *_pct in percent (max_drawdown_pct negative); "
                             "sharpe_ratio as backtesting.py computes it (see conventions.sharpe).",
            "trade_fields": "entry_bar/exit_bar: 0-based row index in the data file; entry_time/exit_time: the file's time "
                            "label of those rows; size signed (negative = short); return_pct in percent.",
            "licence": "backtesting.py is AGPL-3.0; it is only run here to produce numbers, nothing of it is bundled.",
        },
        "end_of_data_checks": end_checks,
        "machine": machine(),
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1, allow_nan=False) + "\n")
    for c in cases:
        r = c["results"]
        t = f", run {c['timing']['median_ms']:.1f} ms" if c["timing"] else ""
        print(f"{c['name']}: {r['trade_count']} trades, final equity {r['final_equity']:.2f}, "
              f"return {r['return_pct']:.2f}%, sharpe {r['sharpe_ratio']:.4f}{t}; min gap {c['min_decision_gap']['relative']:.2e}",
              file=sys.stdout)
    for e in end_checks:
        print(f"{e['name']}: {e['trade_count']} trades, final {e['final_equity']:.2f}, open left {e['open_trade_left_uncounted']}")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
