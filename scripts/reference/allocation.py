#!/usr/bin/env python3
"""Reference values for allocation methods beyond the mean-variance frontier, computed with
PyPortfolioOpt (and through it scipy and cvxpy/Clarabel): hierarchical risk parity, equal/budgeted
risk contribution (scipy-free Newton solve, checked against scipy), sector constraints, a turnover
(transaction-cost) penalty and the greedy discrete allocation. Used only to produce the committed
fixture; never at run time.

Input: the bundled PyPortfolioOpt test prices (Sources/Orchestrator/SampleData/reference/
us20_close_1989-12-29_2018-04-11.csv), window 2015-01-02..2018-04-11 where all 20 tickers trade
(824 prices, 823 returns). Expected returns = mean_historical_return (CAGR, frequency 252),
covariance = sample_cov (annualised, ddof 1), risk-free rate 0.02, as in portfolio.py.
Output: Tests/PortfolioOptimizerTests/Fixtures/allocation_reference.json.

Every section is checked with asserts (budgets, bounds, sums, an independent re-implementation of
HRP and of the greedy allocation), and the conventions a port must follow are written into the
fixture next to the numbers ("hrp_conventions", "risk_parity_conventions",
"sector_conventions", "turnover_conventions", "discrete_allocation_conventions").

Run: pip install pyportfolioopt==1.6.0 && python3 scripts/reference/allocation.py
"""
import json
import pathlib
import platform

import numpy as np
import pandas as pd
import pypfopt
import scipy
import scipy.cluster.hierarchy as sch
import scipy.optimize
import sklearn
import cvxpy
from pypfopt import (DiscreteAllocation, EfficientFrontier, HRPOpt, expected_returns, objective_functions,
                     risk_models)

ROOT = pathlib.Path(__file__).resolve().parents[2]
PRICES = ROOT / "Sources/Orchestrator/SampleData/reference/us20_close_1989-12-29_2018-04-11.csv"
OUT = ROOT / "Tests/PortfolioOptimizerTests/Fixtures/allocation_reference.json"
START, END = "2015-01-02", "2018-04-11"
RISK_FREE = 0.02
FREQUENCY = 252
SOLVER_OPTIONS = dict(tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, tol_ktratio=1e-8, max_iter=500)

prices = pd.read_csv(PRICES, parse_dates=["date"], index_col="date").loc[START:END]
assert not prices.isna().any().any(), "the window must be complete"
tickers = list(prices.columns)
n = len(tickers)

sample_mu = expected_returns.mean_historical_return(prices, frequency=FREQUENCY)
sample_cov = risk_models.sample_cov(prices, frequency=FREQUENCY)
mu_vec = sample_mu[tickers].to_numpy()
cov_mat = sample_cov.loc[tickers, tickers].to_numpy()


def floats(values):
    return [float(v) for v in values]


def by_ticker(weights, names=None):
    """Weights (dict or array) as a list in the column order of the file (or of `names`)."""
    names = tickers if names is None else names
    if isinstance(weights, dict):
        return [float(weights[t]) for t in names]
    return floats(weights)


# ---------------------------------------------------------------------------------------------
# 1. Hierarchical risk parity
# ---------------------------------------------------------------------------------------------
returns = expected_returns.returns_from_prices(prices)
assert len(returns) == len(prices) - 1

HRP_CONVENTIONS = (
    "PyPortfolioOpt 1.6.0 HRPOpt(returns).optimize(linkage_method='single'), returns = "
    "expected_returns.returns_from_prices(prices) = simple returns prices.pct_change().dropna(how='all') "
    "(823 rows). "
    "(1) Correlation and covariance: with returns given and no cov_matrix, HRPOpt uses corr = returns.corr() "
    "(pandas Pearson) and cov = returns.cov() (pandas, ddof = 1, DAILY, NOT annualised; equals the fixture's "
    "annualised sample_cov / 252 - the scale does not affect the weights). (When only cov_matrix is given, "
    "corr = cov_to_corr(cov).round(6) instead - not used here.) "
    "(2) Distance: D_ij = sqrt(clip((1 - rho_ij) / 2, 0, 1)); the condensed vector is "
    "scipy.spatial.distance.squareform(D, checks=False), i.e. the strict upper triangle read row by row "
    "(pairs (0,1),(0,2),...,(0,n-1),(1,2),...; the diagonal is ignored). "
    "(3) Linkage: scipy.cluster.hierarchy.linkage(condensed, 'single') (metric unused because the input is "
    "already condensed). scipy computes single linkage with Prim's minimum spanning tree "
    "(_hierarchy.mst_single_linkage): start at x = 0; repeat n-1 times: mark x merged; for i = 0..n-1 not "
    "merged: D[i] = min(D[i], d(x,i)); pick y = the unmerged i with the smallest D[i] using a strict '<' "
    "scan in increasing i (ties -> lowest index); record edge (x, y, D[y]); x = y. The n-1 edges are then "
    "sorted by distance with a STABLE sort (numpy mergesort, so equal distances keep Prim discovery order) "
    "and relabelled with a union-find: for each edge in order, a = find(x), b = find(y) are the current "
    "cluster ids (leaves 0..n-1, the cluster formed by row k gets id n+k); the row is [min(a,b), max(a,b), "
    "distance, size(a)+size(b)]. Ties do not occur in this data (all merge distances differ), so the "
    "tie rules are stated only for completeness. "
    "(4) Quasi-diagonal order: scipy.cluster.hierarchy.to_tree(Z).pre_order() - depth-first from the root "
    "(the last row), visiting left = column 0 (the smaller cluster id) before right = column 1, emitting "
    "leaf indices. This is the 'ordered_indices' / 'ordered_tickers' below (NOT dendrogram() leaves order, "
    "which may reorder; no optimal_ordering). "
    "(5) Recursive bisection (Lopez de Prado 2016, as coded in PPO): w = 1 for every asset; clusters = "
    "[ordered list]; loop while clusters is non-empty: replace every cluster of length L > 1 by its two "
    "halves [0, L//2) and [L//2, L) (positions in the ORDERED list, not the tree's own split; the first half "
    "is the shorter when L is odd; clusters of length 1 are dropped), level by level, left to right; then for "
    "each consecutive pair (first, second): V(c) = u^T C_c u with u = (1/diag(C_c)) / sum(1/diag(C_c)) "
    "(inverse-variance weights inside the cluster, C_c the daily covariance sub-matrix), "
    "alpha = 1 - V(first) / (V(first) + V(second)); w[first] *= alpha; w[second] *= 1 - alpha. "
    "The weights are then re-indexed by ticker (they sum to 1 by construction). "
    "portfolio_performance for HRPOpt uses the ARITHMETIC mean returns.mean() * 252 and returns.cov() * 252 "
    "(not the CAGR), recorded in 'performance'."
)


def prim_single_linkage(condensed, size):
    """Independent re-implementation of scipy's mst_single_linkage + label (used only to check)."""
    def cidx(i, j):
        i, j = min(i, j), max(i, j)
        return size * i - i * (i + 1) // 2 + (j - i - 1)
    merged = [False] * size
    dist = [np.inf] * size
    edges = []
    x = 0
    for _ in range(size - 1):
        best, y = np.inf, -1
        merged[x] = True
        for i in range(size):
            if merged[i]:
                continue
            dist[i] = min(dist[i], condensed[cidx(x, i)])
            if dist[i] < best:
                best, y = dist[i], i
        edges.append((x, y, best))
        x = y
    edges = [edges[k] for k in np.argsort([e[2] for e in edges], kind="mergesort")]
    parent = list(range(2 * size - 1))
    count = [1] * (2 * size - 1)

    def find(a):
        while parent[a] != a:
            a = parent[a]
        return a
    rows = []
    for k, (a, b, d) in enumerate(edges):
        ra, rb = find(a), find(b)
        parent[ra] = parent[rb] = size + k
        count[size + k] = count[ra] + count[rb]
        rows.append([min(ra, rb), max(ra, rb), d, count[size + k]])
    return np.array(rows, dtype=float)


def pre_order(Z, size):
    def walk(node):
        if node < size:
            return [node]
        row = Z[node - size]
        return walk(int(row[0])) + walk(int(row[1]))
    return walk(2 * size - 2)


def hrp_by_hand(rets):
    """Independent re-implementation of the conventions text, returning weights, order, linkage, trace."""
    names = list(rets.columns)
    size = len(names)
    corr = rets.corr().to_numpy()
    cov = rets.cov().to_numpy()
    dmat = np.sqrt(np.clip((1.0 - corr) / 2.0, 0.0, 1.0))
    condensed = [dmat[i, j] for i in range(size) for j in range(i + 1, size)]
    Z = prim_single_linkage(condensed, size)
    order = pre_order(Z, size)
    w = np.ones(size)
    trace = []

    def cluster_var(items):
        sub = cov[np.ix_(items, items)]
        u = 1.0 / np.diag(sub)
        u /= u.sum()
        return float(u @ sub @ u)
    clusters = [order]
    while clusters:
        clusters = [c[a:b] for c in clusters for a, b in ((0, len(c) // 2), (len(c) // 2, len(c))) if len(c) > 1]
        for i in range(0, len(clusters), 2):
            first, second = clusters[i], clusters[i + 1]
            v1, v2 = cluster_var(first), cluster_var(second)
            alpha = 1 - v1 / (v1 + v2)
            w[first] *= alpha
            w[second] *= 1 - alpha
            trace.append({"first": [names[k] for k in first], "second": [names[k] for k in second],
                          "first_variance": v1, "second_variance": v2, "alpha": alpha})
    return w, order, Z, condensed, trace


def hrp_case(name, names):
    rets = returns[names]
    hrp = HRPOpt(returns=rets)
    weights = hrp.optimize(linkage_method="single")
    Z = hrp.clusters
    order = sch.to_tree(Z, rd=False).pre_order()
    w = np.array([weights[t] for t in names])
    assert abs(w.sum() - 1) < 1e-14 and (w > 0).all()
    # the independent re-implementation must agree
    w2, order2, Z2, condensed2, trace = hrp_by_hand(rets)
    assert order2 == order, (order, order2)
    assert np.array_equal(Z[:, [0, 1, 3]], Z2[:, [0, 1, 3]]) and np.allclose(Z[:, 2], Z2[:, 2], rtol=0, atol=1e-15)
    assert np.allclose(w, w2, rtol=0, atol=1e-14), np.abs(w - w2).max()
    d = Z[:, 2]
    assert len(set(d.tolist())) == len(d), "tied merge distances: tie rules matter"
    ret, vol, sharpe = hrp.portfolio_performance(risk_free_rate=RISK_FREE, frequency=FREQUENCY)
    return {
        "name": name, "tickers": names, "linkage_method": "single", "covariance_used": "returns.cov() daily, ddof=1",
        "correlation_used": "returns.corr() (Pearson)",
        "distance_definition": "sqrt(clip((1 - corr) / 2, 0, 1))",
        "weights": floats(w), "ordered_indices": [int(i) for i in order],
        "ordered_tickers": [names[i] for i in order],
        "linkage": [[int(r[0]), int(r[1]), float(r[2]), int(r[3])] for r in Z],
        "condensed_distance": floats(condensed2),
        "daily_covariance": [[float(v) for v in row] for row in rets.cov().to_numpy()],
        "bisection": trace,
        "performance": {"expected_return_arithmetic_x252": float(ret), "volatility": float(vol),
                        "sharpe": float(sharpe), "risk_free_rate": RISK_FREE},
    }


hrp_cases = [hrp_case("all_20_single", tickers), hrp_case("first_6_single", tickers[:6])]

# ---------------------------------------------------------------------------------------------
# 2. Risk parity (equal / budgeted risk contribution), long-only, fully invested
# ---------------------------------------------------------------------------------------------
RISK_PARITY_CONVENTIONS = (
    "Covariance: the annualised sample covariance (risk_models.sample_cov, ddof = 1, x252; the fixture's "
    "portfolio_reference 'covariances.sample'). Solve min_y f(y) = 1/2 y^T S y - sum_i b_i log y_i over y > 0 "
    "(strictly convex; unique minimiser with y_i (S y)_i = b_i), then w = y / sum(y). Risk contribution "
    "RC_i = w_i (S w)_i / (w^T S w); sum RC_i = 1; RC_i = b_i at the solution. Volatility = sqrt(w^T S w). "
    "Solved here by damped Newton (Hessian S + diag(b / y^2), backtracking keeping y > 0) from "
    "y0 = b / sqrt(diag S) scaled so y0^T S y0 = 1, stopped when max|y (S y) - b| < 1e-15; cross-checked "
    "against scipy.optimize.minimize(method='trust-constr')."
)


def risk_parity(budgets):
    b = np.asarray(budgets, dtype=float)
    assert abs(b.sum() - 1) < 1e-15 and (b > 0).all()
    S = cov_mat
    y = b / np.sqrt(np.diag(S))
    y /= np.sqrt(y @ S @ y)

    def f(v):
        return 0.5 * v @ S @ v - b @ np.log(v)
    iterations = 0
    for iterations in range(1, 200):
        g = S @ y - b / y
        if np.abs(y * (S @ y) - b).max() < 1e-15:
            break
        H = S + np.diag(b / y ** 2)
        step = np.linalg.solve(H, -g)
        t = 1.0
        while (y + t * step <= 0).any() or f(y + t * step) > f(y) + 1e-4 * t * (g @ step) + 1e-15:
            t *= 0.5
            if t < 1e-12:
                break
        y = y + t * step
    w = y / y.sum()
    variance = w @ S @ w
    rc = w * (S @ w) / variance
    assert np.abs(rc - b).max() < 1e-10, np.abs(rc - b).max()
    assert abs(w.sum() - 1) < 1e-14 and (w > 0).all()
    # cross-check with scipy
    res = scipy.optimize.minimize(f, b / np.sqrt(np.diag(S)), jac=lambda v: S @ v - b / v,
                                  hess=lambda v: S + np.diag(b / v ** 2), method="trust-constr",
                                  bounds=scipy.optimize.Bounds(1e-12, np.inf),
                                  options=dict(gtol=1e-14, xtol=1e-16, maxiter=5000))
    w_scipy = res.x / res.x.sum()
    assert np.abs(w_scipy - w).max() < 1e-6, np.abs(w_scipy - w).max()
    return {"budgets": floats(b), "weights": floats(w), "risk_contributions": floats(rc),
            "volatility": float(np.sqrt(variance)), "variance": float(variance),
            "expected_return": float(w @ mu_vec), "newton_iterations": iterations,
            "max_abs_rc_minus_budget": float(np.abs(rc - b).max()),
            "scipy_trust_constr_max_abs_weight_difference": float(np.abs(w_scipy - w).max())}


rp_equal = risk_parity(np.full(n, 1.0 / n))
rp_equal["name"] = "equal_budgets_20"
custom = np.array([0.07] * 10 + [0.03] * 10)
rp_custom = risk_parity(custom)
rp_custom["name"] = "first10_0.07_last10_0.03"
risk_parity_cases = [rp_equal, rp_custom]

# ---------------------------------------------------------------------------------------------
# Solver helper: Clarabel with the tight options, back to Clarabel's defaults if not "optimal"
# ---------------------------------------------------------------------------------------------


def solve(build, method, **kwargs):
    for options in (SOLVER_OPTIONS, {}):
        ef = build(options)
        getattr(ef, method)(**kwargs)
        if ef._opt.status == "optimal":
            return ef, options
    raise RuntimeError(f"{method}: Clarabel status {ef._opt.status} even with default options")


# ---------------------------------------------------------------------------------------------
# 3. Sector constraints
# ---------------------------------------------------------------------------------------------
SECTOR_MAPPER = {
    "GOOG": "tech", "AAPL": "tech", "FB": "tech", "AMD": "tech",
    "BABA": "consumer", "AMZN": "consumer", "WMT": "consumer", "GM": "consumer", "UAA": "consumer",
    "SHLD": "consumer", "BBY": "consumer", "SBUX": "consumer",
    "BAC": "financial", "MA": "financial", "JPM": "financial",
    "XOM": "energy", "RRC": "energy",
    "GE": "industrial", "T": "telecom", "PFE": "healthcare",
}
assert set(SECTOR_MAPPER) == set(tickers)
SECTOR_LOWER = {"energy": 0.05, "financial": 0.10}
SECTOR_UPPER = {"tech": 0.30, "consumer": 0.40, "telecom": 0.20}
SECTORS = sorted(set(SECTOR_MAPPER.values()))
SECTOR_CONVENTIONS = (
    "EfficientFrontier(mu, S, weight_bounds=(0, 1)) + add_sector_constraints(mapper, lower, upper): for each "
    "sector in upper: sum_{i in sector} w_i <= upper[s]; for each sector in lower: sum >= lower[s] (sectors "
    "absent from a dict are unconstrained on that side). min_volatility minimises w^T S w s.t. sum w = 1; "
    "efficient_return minimises w^T S w s.t. mu^T w >= target, sum w = 1; max_sharpe uses the Cornuejols-"
    "Tutuncu change of variables: min y^T S y s.t. (mu - rf)^T y = 1, sum y = k, k >= 0, and every linear "
    "constraint a^T w <= c is rewritten a^T y <= c k (sector bounds included), then w = y / k. "
    "'binding' lists the sector bounds met within 1e-6."
)


def sector_case(name, method, **kwargs):
    def build(options):
        ef = EfficientFrontier(sample_mu, sample_cov, weight_bounds=(0, 1), solver="CLARABEL", solver_options=options)
        ef.add_sector_constraints(SECTOR_MAPPER, SECTOR_LOWER, SECTOR_UPPER)
        return ef
    ef, options = solve(build, method, **kwargs)
    w = np.array([ef.weights[i] for i in range(n)])
    ret, vol, sharpe = ef.portfolio_performance(risk_free_rate=RISK_FREE)
    totals = {s: float(sum(w[i] for i, t in enumerate(tickers) if SECTOR_MAPPER[t] == s)) for s in SECTORS}
    assert abs(w.sum() - 1) < 1e-8 and (w >= -1e-9).all()
    for s, lo in SECTOR_LOWER.items():
        assert totals[s] >= lo - 1e-8, (name, s, totals[s])
    for s, hi in SECTOR_UPPER.items():
        assert totals[s] <= hi + 1e-8, (name, s, totals[s])
    binding = [f"{s} >= {lo}" for s, lo in SECTOR_LOWER.items() if abs(totals[s] - lo) < 1e-6]
    binding += [f"{s} <= {hi}" for s, hi in SECTOR_UPPER.items() if abs(totals[s] - hi) < 1e-6]
    if method == "efficient_return":
        assert ret >= kwargs["target_return"] - 1e-8
    return {"name": name, "objective": method, "parameters": kwargs, "solver_options": options,
            "weights": floats(w), "expected_return": float(ret), "volatility": float(vol), "sharpe": float(sharpe),
            "sector_totals": totals, "binding": binding}


sector_cases = [
    sector_case("min_volatility", "min_volatility"),
    sector_case("max_sharpe", "max_sharpe", risk_free_rate=RISK_FREE),
    sector_case("efficient_return_25pct", "efficient_return", target_return=0.25),
]

# ---------------------------------------------------------------------------------------------
# 4. Turnover (transaction-cost) penalty
# ---------------------------------------------------------------------------------------------
TURNOVER_CONVENTIONS = (
    "ef.add_objective(objective_functions.transaction_cost, w_prev=w_prev, k=k) adds k * ||w - w_prev||_1 "
    "(cp.norm(w - w_prev, 1), no 1/2, no annualisation) to the objective. portfolio_variance is "
    "cp.quad_form(w, S) with NO 1/2 factor, so min_volatility minimises w^T S w + k ||w - w_prev||_1 "
    "s.t. sum w = 1, 0 <= w <= 1. max_quadratic_utility(risk_aversion=d) minimises "
    "-(mu^T w - d/2 w^T S w) + k ||w - w_prev||_1 = -mu^T w + (d/2) w^T S w + k ||w - w_prev||_1 s.t. "
    "sum w = 1, 0 <= w <= 1. S = annualised sample covariance, mu = CAGR. 'objective' is cvxpy's "
    "problem value (what was minimised), split into 'variance_term' / 'utility_term' and 'penalty'; "
    "'turnover' = ||w - w_prev||_1. 'at_previous_weight' lists assets where |w_i - w_prev_i| < 1e-7 (the "
    "L1 kink holds them at their previous weight)."
)


def turnover_case(name, method, k, w_prev, **kwargs):
    w_prev = np.asarray(w_prev, dtype=float)

    def build(options):
        ef = EfficientFrontier(sample_mu, sample_cov, weight_bounds=(0, 1), solver="CLARABEL", solver_options=options)
        ef.add_objective(objective_functions.transaction_cost, w_prev=w_prev, k=k)
        return ef
    ef, options = solve(build, method, **kwargs)
    w = np.array([ef.weights[i] for i in range(n)])
    variance = float(w @ cov_mat @ w)
    turnover = float(np.abs(w - w_prev).sum())
    penalty = k * turnover
    out = {"name": name, "objective_function": method, "parameters": kwargs, "k": k, "w_prev": floats(w_prev),
           "solver_options": options, "weights": floats(w), "turnover": turnover, "penalty": penalty,
           "variance": variance, "volatility": float(np.sqrt(variance)), "expected_return": float(w @ mu_vec)}
    if method == "min_volatility":
        term = variance
        out["variance_term"] = term
    else:
        d = kwargs["risk_aversion"]
        term = float(-(w @ mu_vec - 0.5 * d * variance))
        out["utility_term"] = term
    assert abs(ef._opt.value - (term + penalty)) < 1e-8, (ef._opt.value, term + penalty)
    assert abs(w.sum() - 1) < 1e-8 and (w >= -1e-9).all()
    out["objective"] = float(ef._opt.value)
    out["objective_recomputed"] = term + penalty
    out["at_previous_weight"] = [t for t, a, b in zip(tickers, w, w_prev) if abs(a - b) < 1e-7]
    # the same problem without the penalty, for comparison
    plain, _ = solve(lambda o: EfficientFrontier(sample_mu, sample_cov, weight_bounds=(0, 1), solver="CLARABEL",
                                                 solver_options=o), method, **kwargs)
    out["weights_without_penalty"] = floats(plain.weights)
    return out


equal_prev = np.full(n, 1.0 / n)
concentrated_prev = np.zeros(n)
concentrated_prev[0] = concentrated_prev[-1] = 0.5
turnover_cases = [
    turnover_case("min_volatility_k0.001_from_equal", "min_volatility", 0.001, equal_prev),
    turnover_case("min_volatility_k0.01_from_equal", "min_volatility", 0.01, equal_prev),
    turnover_case("max_utility_aversion_2_k0.005_from_first_last", "max_quadratic_utility", 0.005,
                  concentrated_prev, risk_aversion=2),
    # At risk aversion 2 the solution is the corner AMZN = 1 with or without the penalty; at 20 the
    # penalty visibly keeps part of the previous SBUX holding.
    turnover_case("max_utility_aversion_20_k0.02_from_first_last", "max_quadratic_utility", 0.02,
                  concentrated_prev, risk_aversion=20),
]

# ---------------------------------------------------------------------------------------------
# 5. Greedy discrete allocation
# ---------------------------------------------------------------------------------------------
DISCRETE_CONVENTIONS = (
    "DiscreteAllocation(weights, latest_prices, total_portfolio_value=V).greedy_portfolio() (reinvest=False), "
    "long-only path (taken because the smallest weight is >= 0). PPO itself neither rounds nor drops any "
    "weight: the dict is used as given, zeros included. Cases 'raw' pass the max_sharpe weights exactly as "
    "ef.weights (tiny positive residues ~1e-12 included); cases 'clean_weights' pass ef.clean_weights() "
    "(|w| < 1e-4 -> 0, then np.round(w, 5)). "
    "Order: the (ticker, weight) list in the dict's order (here the file's column order) is sorted by weight "
    "DESCENDING with Python's stable sort (equal weights, e.g. the zeros, keep their input order). "
    "Round 1: available = V; for each asset in that order: shares = int(weight * V / price) (product "
    "weight*V first, then / price, truncation toward zero, i.e. floor for w >= 0); available -= shares * price. "
    "Round 2: while available > 0: current = price * shares / sum(price * shares) (over all assets in the "
    "sorted order); deficit = weight - current; idx = argmax(deficit) (numpy: FIRST index of the maximum in "
    "the sorted order); counter = 0; while price[idx] > available: deficit[idx] = 0; idx = argmax(deficit); "
    "if deficit[idx] < 0 or counter == 10: break (inner); counter += 1 (after re-reading the price of the "
    "new idx). Then if deficit[idx] <= 0 or counter == 10: stop (outer). Otherwise buy ONE share of idx: "
    "shares[idx] += 1; available -= price[idx]. "
    "Note the quirks: the inner loop gives up after 10 unaffordable candidates; an unaffordable asset's deficit "
    "is set to 0 only for that pass (recomputed next pass); it stops when the best affordable deficit is <= 0 "
    "(an exact 0 stops it too); when the only positive deficit belongs to an unaffordable asset, argmax "
    "returns that just-zeroed asset again (0 beats the negative deficits) until counter == 10, and the "
    "allocation stops with the cash unspent (case clean_weights, 100000: only AMZN at 1427.05 is underweight, "
    "leftover 1122.41). Output: allocation = {ticker: shares} in the sorted order with zero-share "
    "tickers removed, and leftover = available (float, accumulated by successive subtraction in that order)."
)


def greedy_by_hand(weights, latest, total):
    items = sorted(weights.items(), key=lambda x: x[1], reverse=True)
    available = total
    shares = []
    price = [float(latest[t]) for t, _ in items]
    for (t, w), p in zip(items, price):
        s = int(w * total / p)
        available -= s * p
        shares.append(s)
    while available > 0:
        cur = np.array(price) * np.array(shares)
        cur = cur / cur.sum()
        deficit = np.array([w for _, w in items]) - cur
        idx = int(np.argmax(deficit))
        counter = 0
        while price[idx] > available:
            deficit[idx] = 0
            idx = int(np.argmax(deficit))
            if deficit[idx] < 0 or counter == 10:
                break
            counter += 1
        if deficit[idx] <= 0 or counter == 10:
            break
        shares[idx] += 1
        available -= price[idx]
    return {t: s for (t, _), s in zip(items, shares) if s != 0}, available


def max_sharpe_weights():
    ef, options = solve(lambda o: EfficientFrontier(sample_mu, sample_cov, weight_bounds=(0, 1), solver="CLARABEL",
                                                    solver_options=o), "max_sharpe", risk_free_rate=RISK_FREE)
    return dict(zip(tickers, ef.weights)), dict(ef.clean_weights()), options


ms_weights, ms_clean_ppo, ms_options = max_sharpe_weights()
assert min(ms_weights.values()) >= 0, "a negative weight would send greedy_portfolio down its short path"
latest_prices = prices.iloc[-1]


def clean(weights, cutoff=1e-4, rounding=5):
    """BaseOptimizer.clean_weights(): |w| < cutoff -> 0, then np.round(w, rounding)."""
    w = np.array([weights[t] for t in tickers])
    w[np.abs(w) < cutoff] = 0
    return dict(zip(tickers, np.round(w, rounding)))


ms_clean = clean(ms_weights)
assert ms_clean == ms_clean_ppo
ms_clean = ms_clean_ppo


def discrete_case(total, variant):
    weights = dict(ms_weights) if variant == "raw" else dict(ms_clean)
    da = DiscreteAllocation(dict(weights), latest_prices, total_portfolio_value=total)
    allocation, leftover = da.greedy_portfolio()
    alloc2, left2 = greedy_by_hand(dict(weights), latest_prices, total)
    assert dict(allocation) == alloc2 and left2 == leftover, (allocation, alloc2, leftover, left2)
    spent = sum(s * float(latest_prices[t]) for t, s in allocation.items())
    assert abs(total - spent - leftover) < 1e-8 and leftover >= 0
    return {"name": f"max_sharpe_long_only_{variant}_value_{total}", "weights_variant": variant,
            "total_portfolio_value": total,
            "allocation": {t: int(s) for t, s in allocation.items()},
            "shares": [int(allocation.get(t, 0)) for t in tickers],
            "leftover": float(leftover), "invested": float(spent)}


discrete = {
    "weights_source": "EfficientFrontier(mu, S, (0, 1), CLARABEL).max_sharpe(risk_free_rate=0.02), raw ef.weights "
                      "('weights', variant 'raw') or ef.clean_weights() ('clean_weights'), passed as a dict in "
                      "ticker order",
    "solver_options": ms_options,
    "weights": by_ticker(ms_weights),
    "clean_weights_note": "weights_variant 'clean_weights' passes ef.clean_weights() (cutoff 1e-4, rounding 5): "
                          "|w| < 1e-4 -> 0, then np.round(w, 5); the raw weights carry ~1e-12 residues that the "
                          "greedy second round treats as positive deficits (one share each)",
    "clean_weights": by_ticker(ms_clean),
    "latest_prices_date": str(prices.index[-1].date()),
    "latest_prices": by_ticker(latest_prices),
    "cases": [discrete_case(100000, "raw"), discrete_case(10000, "raw"),
              discrete_case(100000, "clean_weights"), discrete_case(10000, "clean_weights")],
}

fixture = {
    "source": "scripts/reference/allocation.py",
    "versions": {"python": platform.python_version(), "pypfopt": pypfopt.__version__, "scipy": scipy.__version__,
                 "sklearn": sklearn.__version__, "cvxpy": cvxpy.__version__, "numpy": np.__version__,
                 "pandas": pd.__version__},
    "prices_file": str(PRICES.relative_to(ROOT)), "start": START, "end": END, "frequency": FREQUENCY,
    "risk_free_rate": RISK_FREE, "tickers": tickers, "price_rows": len(prices), "return_rows": len(returns),
    "expected_returns": "mean_historical_return (CAGR)", "covariance": "sample_cov (annualised, ddof 1)",
    "hrp_conventions": HRP_CONVENTIONS,
    "hrp": hrp_cases,
    "risk_parity_conventions": RISK_PARITY_CONVENTIONS,
    "risk_parity": risk_parity_cases,
    "sector_conventions": SECTOR_CONVENTIONS,
    "sector_constraints": {"sector_mapper": SECTOR_MAPPER, "sector_lower": SECTOR_LOWER,
                           "sector_upper": SECTOR_UPPER, "cases": sector_cases},
    "turnover_conventions": TURNOVER_CONVENTIONS,
    "turnover_penalty": turnover_cases,
    "discrete_allocation_conventions": DISCRETE_CONVENTIONS,
    "discrete_allocation": discrete,
}
OUT.write_text(json.dumps(fixture, indent=1) + "\n")
print(f"wrote {OUT.relative_to(ROOT)}: hrp {len(hrp_cases)}, risk parity {len(risk_parity_cases)}, "
      f"sector {len(sector_cases)}, turnover {len(turnover_cases)}, discrete {len(discrete['cases'])}")
