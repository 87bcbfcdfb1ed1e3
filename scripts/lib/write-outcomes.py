#!/usr/bin/env python3
"""Writes COUNT seeded forecasts and their outcomes (10 symbols x 4 horizons) straight into the
schema of a database that `orchestrator migrate` made, for the feedback benchmarks.
Usage: scripts/lib/write-outcomes.py DATABASE COUNT [MODEL_VERSION] [RULE]"""
import math, random, sqlite3, sys
random.seed(22)
db = sqlite3.connect(sys.argv[1])
count = int(sys.argv[2])
# The model version and verdict rule texts: short ones by default, the real ones when given.
model = sys.argv[3] if len(sys.argv) > 3 else "forecaster-1"
rule = sys.argv[4] if len(sys.argv) > 4 else "direction"
symbols = [f"SYM{index:02d}-USD" for index in range(10)]
for symbol in symbols:
    db.execute("INSERT INTO instruments (symbol, asset_class, quote_currency, created_at) VALUES (?, 'crypto', 'USD', 0)", (symbol,))
ids = [row[0] for row in db.execute("SELECT id FROM instruments ORDER BY symbol")]
horizons = [("1h", 3_600_000), ("4h", 14_400_000), ("24h", 86_400_000), ("5m", 300_000)]
signatures = [f"{r}/{v}/{t}" for r in ("BULL", "BEAR", "SIDEWAYS") for v in ("LOW", "NORMAL", "HIGH") for t in ("UP", "DOWN")]
origin = 1_500_000_000_000
forecasts, results = [], []
for number in range(count):
    instrument = ids[number % 10]
    label, milliseconds = horizons[(number // 10) % 4]
    data_time = origin + (number // 40) * 3_600_000
    probability = random.random()
    mean, sigma = random.uniform(-0.002, 0.002), random.uniform(0.005, 0.02)
    realised = random.gauss(0, 0.01)
    forecasts.append((number + 1, instrument, "1h", label, milliseconds, data_time, data_time, data_time + milliseconds, "100", mean, probability, sigma,
                      mean - 1.2816 * sigma, mean + 1.2816 * sigma, "ridge", "logistic", "garch", model, data_time))
    hit = (realised > 0) == (probability > 0.5)
    inside = mean - 1.2816 * sigma <= realised <= mean + 1.2816 * sigma
    clipped = min(max(probability, 1e-15), 1 - 1e-15)
    z = (realised - mean) / sigma
    results.append((number + 1, "101", data_time + milliseconds, realised, int(hit), int(inside), (probability - (realised > 0)) ** 2,
                    -math.log(clipped if realised > 0 else 1 - clipped), (realised - mean) ** 2, 0.5 * z * z + math.log(sigma) + 0.919,
                    "SUCCESS" if hit else "FAILURE", rule, signatures[number % len(signatures)], "market", data_time + milliseconds))
db.executemany("""INSERT INTO forecasts (id, instrument_id, timeframe, horizon, horizon_ms, decision_time, data_time, target_time, reference_close,
    expected_log_return, probability_up, volatility, interval_low, interval_high, return_model, direction_model, volatility_model, model_version,
    created_at, scored) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)""", forecasts)
db.executemany("""INSERT INTO forecast_outcomes (forecast_id, realised_close, realised_time, realised_log_return, direction_hit, interval_hit, brier,
    log_loss, squared_error, log_score, verdict, rule, signature, source, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", results)
db.commit()
