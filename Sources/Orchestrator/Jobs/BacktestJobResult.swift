import Analytics
import Foundation
import HTTPServer
import Prediction
import TradingCore
import TradingEngine

/// What a backtest job keeps as its result: the figures of `orchestrator backtest` and the tear
/// sheet's content (metrics; equity against buy-and-hold thinned to about `curvePoints` points —
/// each stretch's highest and lowest, with the drawdown at each point measured on the whole curve,
/// so the deepest drawdown is kept exactly; monthly returns by the month of each bar's open, as the
/// tear sheet counts them; the first `listedTrades` trades), so the dashboard and API clients can
/// show a run without running it again.
enum BacktestJobResult {
    /// The most points of the stored equity curve.
    static let curvePoints = 1000
    /// The most trades listed.
    static let listedTrades = 500

    /// The result of `backtest` (parameters as run) over `bars`.
    static func json(_ result: SMACrossBacktest.Result, backtest: SMACrossBacktest, symbol: Symbol, timeframe: Timeframe, bars: [Bar]) -> JSONValue {
        let equity = result.equityCurve
        let count = min(equity.count, bars.count)
        let firstClose = bars.first.map { $0.close.value.doubleValue } ?? 1
        let buyAndHold = bars.prefix(count).map { $0.close.value.doubleValue / firstClose * (equity.first ?? 0) }
        let returns = count > 1 ? (1..<count).map { equity[$0] / equity[$0 - 1] - 1 } : []
        let metrics = try? PerformanceAnalytics.metrics(returns: returns, options: MetricsOptions(periodsPerYear: HistoricalAnalysis.periodsPerYear(timeframe)))
        let drawdown = Drawdown.percentBelowPeak(Array(equity.prefix(count)))
        // The kept points: each stretch's extremes of equity, and of drawdown (its trough can fall between them).
        let kept = Set(CurveThinning.keptIndices(Array(equity.prefix(count)), maximum: curvePoints / 2))
            .union(CurveThinning.keptIndices(drawdown, maximum: curvePoints / 2)).sorted()
        let curve: [JSONValue] = kept.map { index in
            ["time": .string(bars[index].openTime.adding(milliseconds: timeframe.milliseconds).iso8601), "equity": .number(equity[index]),
             "buy_and_hold": .number(buyAndHold[index]), "drawdown_pct": .number(drawdown[index])]
        }
        let metricsJSON: JSONValue = metrics.map { metrics -> JSONValue in
            ["annual_return": .number(metrics.annualReturn), "annual_volatility": .number(metrics.annualVolatility),
             "sortino_ratio": .number(metrics.sortinoRatio), "calmar_ratio": .number(metrics.calmarRatio),
             "value_at_risk_95": .number(metrics.valueAtRisk95), "conditional_value_at_risk_95": .number(metrics.conditionalValueAtRisk95)]
        } ?? .null
        return [
            "strategy": "sma-cross", "symbol": .string(symbol.rawValue), "timeframe": .string(timeframe.rawValue), "bars": .int(bars.count),
            "fast": .int(backtest.fast), "slow": .int(backtest.slow), "cash": .string(backtest.cash.description),
            "commission": .string(backtest.commission.description),
            "first_bar_time": .optional(bars.first?.openTime.iso8601), "last_bar_time": .optional(bars.last?.openTime.iso8601),
            "final_equity": .string(result.finalEquity.description), "return_pct": .number(result.returnPercent), "trades": .int(result.trades.count),
            "max_drawdown_pct": .number(result.maxDrawdownPercent), "sharpe_ratio": .number(result.sharpeRatio),
            "win_rate_pct": .number(result.winRatePercent), "exposure_pct": .number(result.exposurePercent), "fees": .string(result.ledger.fees.description),
            "buy_and_hold_return_pct": .number(count > 0 ? (bars[count - 1].close.value.doubleValue / firstClose - 1) * 100 : 0),
            "metrics": metricsJSON,
            "equity_curve": .array(curve),
            "monthly_returns": .array(MonthlyReturn.of(Array(equity.prefix(count)), at: bars.prefix(count).map(\.openTime)).map {
                ["year": .int($0.year), "month": .int($0.month), "return_pct": .number($0.percent)]
            }),
            "trade_list": .array(result.trades.prefix(listedTrades).map { trade in
                ["entry_time": .string(trade.entryTime.iso8601), "exit_time": .string(trade.exitTime.iso8601), "size": .string(trade.size.description),
                 "entry_price": .string(trade.entryPrice.description), "exit_price": .string(trade.exitPrice.description),
                 "profit": .string(trade.profit.description)]
            }),
            "trade_list_truncated": .bool(result.trades.count > listedTrades),
        ]
    }
}
