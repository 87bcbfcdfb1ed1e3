import Analytics
import PortfolioOptimizer
import TradingCore

extension Representations {
    /// An optimisation result: `weights` keyed by symbol in price order, the headline figures, and
    /// where the prices came from. Shared by `POST /api/v1/portfolio/optimize` and `orchestrator optimize`.
    public static func optimization(_ outcome: AllocationOutcome, history: PriceHistory,
                                    elapsedMilliseconds: Double) -> JSONValue {
        [
            "weights": .object(zip(outcome.symbols, outcome.weights).map { ($0, .number($1)) }),
            "cash_weight": .number(outcome.cashWeight),
            "objective": .string(outcome.objective),
            "expected_return": .number(outcome.expectedReturn),
            "volatility": .number(outcome.volatility),
            "sharpe": .number(outcome.sharpe),
            "elapsed_ms": .number(elapsedMilliseconds),
            "assets": .int(history.assetCount),
            "observations": .int(history.prices.count),
            "start": .string(history.dates.first!.iso8601),
            "end": .string(history.dates.last!.iso8601),
            "notes": .array(outcome.notes.map { .string($0) }),
        ]
    }

    /// Performance metrics with their stable snake_case names; undefined values are null.
    /// `dates`, one per return, turn the drawdown's indices into dates.
    public static func metrics(_ metrics: PerformanceMetrics, dates: [String]?) -> JSONValue {
        func date(_ index: Int?) -> JSONValue {
            guard let index else { return .null }
            return dates.map { .string($0[index]) } ?? .int(index)
        }
        func optional(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }
        return [
            "count": .int(metrics.count),
            "annual_return": .number(metrics.annualReturn),
            "cumulative_return": .number(metrics.cumulativeReturn),
            "annual_volatility": .number(metrics.annualVolatility),
            "sharpe_ratio": .number(metrics.sharpeRatio),
            "sortino_ratio": .number(metrics.sortinoRatio),
            "calmar_ratio": .number(metrics.calmarRatio),
            "max_drawdown": .number(metrics.maxDrawdown),
            // "start" when the peak is the wealth before the first return.
            "max_drawdown_peak": metrics.maxDrawdownTroughIndex == nil ? .null : (metrics.maxDrawdownPeakIndex == nil ? .string("start") : date(metrics.maxDrawdownPeakIndex)),
            "max_drawdown_trough": date(metrics.maxDrawdownTroughIndex),
            "max_drawdown_recovery": date(metrics.maxDrawdownRecoveryIndex),
            "value_at_risk_95": .number(metrics.valueAtRisk95),
            "value_at_risk_99": .number(metrics.valueAtRisk99),
            "conditional_value_at_risk_95": .number(metrics.conditionalValueAtRisk95),
            "conditional_value_at_risk_99": .number(metrics.conditionalValueAtRisk99),
            "gaussian_value_at_risk_95": .number(metrics.gaussianValueAtRisk95),
            "gaussian_value_at_risk_99": .number(metrics.gaussianValueAtRisk99),
            "gaussian_conditional_value_at_risk_95": .number(metrics.gaussianConditionalValueAtRisk95),
            "gaussian_conditional_value_at_risk_99": .number(metrics.gaussianConditionalValueAtRisk99),
            "cornish_fisher_value_at_risk_95": .number(metrics.cornishFisherValueAtRisk95),
            "cornish_fisher_value_at_risk_99": .number(metrics.cornishFisherValueAtRisk99),
            "cornish_fisher_conditional_value_at_risk_95": .number(metrics.cornishFisherConditionalValueAtRisk95),
            "cornish_fisher_conditional_value_at_risk_99": .number(metrics.cornishFisherConditionalValueAtRisk99),
            "alpha": optional(metrics.alpha),
            "beta": optional(metrics.beta),
            "information_ratio": optional(metrics.informationRatio),
            "omega_ratio": .number(metrics.omegaRatio),
            "tail_ratio": .number(metrics.tailRatio),
            "downside_risk": .number(metrics.downsideRisk),
            "stability": .number(metrics.stability),
            "skewness": .number(metrics.skewness),
            "excess_kurtosis": .number(metrics.excessKurtosis),
        ]
    }

    /// A rebalancing plan: decision, reason, per-asset drifts and orders (amounts as exact decimal strings).
    public static func rebalancePlan(_ plan: Rebalancer.Plan) -> JSONValue {
        [
            "rebalance_needed": .bool(plan.rebalanceNeeded),
            "reason": .string(plan.reason),
            "equity": .string(plan.equity.description),
            "cash_before": .string(plan.cashBefore.description),
            "cash_after": .string(plan.cashAfter.description),
            "turnover": .number(plan.turnover),
            "assets": .array(plan.assets.map { asset in
                [
                    "symbol": .string(asset.symbol),
                    "current_weight": .number(asset.currentWeight),
                    "target_weight": .number(asset.targetWeight),
                    "drift": .number(asset.drift),
                    "weight_after": .number(asset.weightAfter),
                ]
            }),
            "orders": .array(plan.orders.map { order in
                [
                    "symbol": .string(order.symbol),
                    "side": .string(order.side.rawValue),
                    "quantity": .string(order.quantity.description),
                    "price": .string(order.price.description),
                    "notional": .string(order.notional.description),
                ]
            }),
        ]
    }

    /// A discrete allocation of cash into whole lots, as buy orders.
    public static func discreteAllocation(_ result: DiscreteAllocation.Result, prices: [String: Price]) -> JSONValue {
        [
            "rebalance_needed": .bool(!result.quantities.isEmpty),
            "reason": .string("greedy discrete allocation of cash into whole lots"),
            "leftover_cash": .string(result.leftover.description),
            "orders": .array(result.quantities.map { item in
                let price = prices[item.symbol]!
                let notional = (try? item.quantity.value.multiplied(by: price.value)) ?? .zero
                return [
                    "symbol": .string(item.symbol),
                    "side": .string("buy"),
                    "quantity": .string(item.quantity.description),
                    "price": .string(price.description),
                    "notional": .string(notional.description),
                ]
            }),
        ]
    }
}
