"""Reference next-fire times of five-field cron expressions, computed with the PyPI `croniter`
package, for the scheduler's CronExpression (Tests/TradingEngineTests/CronReferenceTests.swift).

Semantics checked: minute hour day-of-month month day-of-week; `*`, lists, ranges, steps
(`*/15`, `1-30/7`), month and weekday names, Sunday as 0 or 7, and Vixie cron's rule that when
both day-of-month and day-of-week are restricted a day matching either fires. All times UTC.

Two expressions croniter accepts are refused here on purpose: six fields (croniter reads the
sixth as seconds) and a reversed range such as 5-1 (croniter wraps it around).

Run: python3 scripts/reference/cron.py   (pip install croniter; 7.0.0 made the committed fixture)
"""
import json
import random
from datetime import datetime, timezone

from importlib.metadata import version

from croniter import croniter as cron

EXPRESSIONS = [
    "* * * * *", "*/5 * * * *", "0 * * * *", "30 2 * * *", "0 0 1 * *", "15 10 * * 1-5", "0 9 * * MON", "0 18 * * FRI",
    "0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "0 12 1,15 * *", "5,35 */2 * * *", "0 0 29 2 *", "0 0 31 * *", "1-30/7 4 * * *",
    "0 8-17/3 * * 1-5", "0 0 13 * 5", "59 23 31 12 *", "0 0 1 JAN,JUL *", "*/10 9-16 * * MON-FRI", "0 6 * 3-5 *", "45 4 10-20/5 * 2",
    "0 0 28 * *",
]


def main():
    random.seed(11)
    starts = [datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2024, 2, 28, 23, 59, tzinfo=timezone.utc),
              datetime(2026, 11, 26, 2, 3, 30, tzinfo=timezone.utc), datetime(2027, 12, 31, 23, 0, tzinfo=timezone.utc)]
    starts += [datetime.fromtimestamp(random.randint(1_700_000_000, 1_900_000_000), tz=timezone.utc) for _ in range(6)]
    cases = []
    for expression in EXPRESSIONS:
        for start in starts:
            iterator = cron(expression, start)
            nexts = [iterator.get_next(datetime).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") for _ in range(5)]
            cases.append({"expression": expression, "after": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "next": nexts})
    invalid = ["", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *", "* * * * 8",
               "*/0 * * * *", "5-1 * * * *", "a * * * *", "* * * FOO *"]
    rejected = []
    for expression in invalid:
        try:
            cron(expression, starts[0])
            accepted = True
        except Exception:
            accepted = False
        rejected.append({"expression": expression, "croniter_accepts": accepted})
    json.dump({"generated_by": "python3 scripts/reference/cron.py", "croniter": version("croniter"),
               "cases": cases, "invalid": rejected},
              open("Tests/TradingEngineTests/Fixtures/cron_reference.json", "w"), indent=1)
    print(len(cases), "cases,", sum(not r["croniter_accepts"] for r in rejected), "of", len(rejected), "invalid expressions rejected by croniter")


if __name__ == "__main__":
    main()
