import Analytics
import Foundation
import Hummingbird
import PortfolioOptimizer
import TradingCore
import TradingEngine

/// Portfolio optimisation, rebalancing and metrics under `/api/v1` (viewer role: they compute,
/// they do not trade). Bad data and infeasible requests are 422 problems that say why.
enum PortfolioRoutes: RouteGroup {
    /// The most symbols one optimisation reads from the store.
    static let maximumSymbols = 1000

    /// Where prices come from: inline, or the store's closes.
    struct PriceSource: Decodable {
        struct InlinePrices: Decodable {
            let dates: [String]
            let closes: [String: [Double]]

            private enum CodingKeys: String, CodingKey, CaseIterable {
                case dates, closes
            }

            init(from decoder: any Decoder) throws {
                try decoder.refuseMembers(except: Set(CodingKeys.allCases.map(\.rawValue)))
                let container = try decoder.container(keyedBy: CodingKeys.self)
                dates = try container.decode([String].self, forKey: .dates)
                closes = try container.decode([String: [Double]].self, forKey: .closes)
            }
        }

        let prices: InlinePrices?
        let symbols: [String]?
        let timeframe: String?
        let start: String?
        let end: String?
    }

    /// The price-source keys, allowed beside a route's own keys.
    static let priceSourceKeys: Set<String> = ["prices", "symbols", "timeframe", "start", "end"]

    /// The body of `POST /api/v1/analytics/metrics`.
    struct MetricsBody: Decodable {
        let returns: [Double]?
        let benchmarkReturns: [Double]?
        let symbol: String?
        let benchmarkSymbol: String?
        let timeframe: String?
        let start: String?
        let end: String?
        let riskFreeRate: Double?
        let requiredReturn: Double?
        let omegaRequiredReturn: Double?
        let periodsPerYear: Double?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case returns, benchmarkReturns = "benchmark_returns", symbol, benchmarkSymbol = "benchmark_symbol", timeframe, start, end
            case riskFreeRate = "risk_free_rate", requiredReturn = "required_return", omegaRequiredReturn = "omega_required_return"
            case periodsPerYear = "periods_per_year"
        }

        /// The members a body may carry.
        static let keys = Set(CodingKeys.allCases.map(\.rawValue))
    }

    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        [
            APIRoute(APIOperation(
                .post, "/api/v1/portfolio/optimize", id: "optimizePortfolio", tag: .portfolio, summary: "Optimise portfolio weights", role: .viewer,
                description: """
                    Estimates expected returns and covariance from daily closes (inline `prices`, or the stored bars of \
                    `symbols` on the dates where all have a close) and optimises for an `objective`, or allocates by a \
                    `strategy` and `risk_level` (cash included). Infeasible targets and bounds, missing prices or constant \
                    series are 422 problems that say why and, where known, what is feasible.
                    """,
                requestBody: Schema.ref("OptimizeRequest"),
                success: .json("The weights and their expected performance.", Schema.ref("Optimization")),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .unprocessable])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let data = try await JSONBody.readChecked(request, allowedKeys: OptimizeRequestBody.keys.union(priceSourceKeys))
                let body = try JSONBody.decode(OptimizeRequestBody.self, from: data)
                let specification = try JSONBody.typed { () throws(RequestFieldError) in try body.specification() }
                let source = try JSONBody.decode(PriceSource.self, from: data)
                let history = try await priceHistory(source, store: dependencies.store)
                let clock = ContinuousClock()
                var outcome: AllocationOutcome?
                let elapsed = try clock.measure { outcome = try ProblemDetails.unprocessable { () throws(PortfolioError) in try specification.run(history) } }
                let milliseconds = elapsed.milliseconds
                return JSONResponse.make(Representations.optimization(outcome!, history: history, elapsedMilliseconds: milliseconds))
            },
            APIRoute(APIOperation(
                .post, "/api/v1/portfolio/rebalance", id: "rebalancePortfolio", tag: .portfolio, summary: "Plan rebalancing orders", role: .viewer,
                description: """
                    From holdings, prices and target weights: drift per asset, and when a drift exceeds the threshold, \
                    the orders that reach the targets with the least turnover, in whole lots, above the minimum notional, \
                    sells before buys, never needing more cash than there is. `method: greedy` allocates cash into whole \
                    lots instead. Nothing is traded.
                    """,
                requestBody: Schema.ref("RebalanceRequest"),
                success: .json("The plan.", Schema.ref("RebalancePlan")),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .unprocessable])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let data = try await JSONBody.readChecked(request, allowedKeys: RebalanceRequestBody.keys)
                let body = try JSONBody.decode(RebalanceRequestBody.self, from: data)
                let specification = try JSONBody.typed { () throws(RequestFieldError) in try body.specification() }
                switch try ProblemDetails.unprocessable({ () throws(PortfolioError) in try specification.plan() }) {
                case .rebalance(let plan): return JSONResponse.make(Representations.rebalancePlan(plan))
                case .allocation(let result, let prices): return JSONResponse.make(Representations.discreteAllocation(result, prices: prices))
                }
            },
            APIRoute(APIOperation(
                .post, "/api/v1/analytics/metrics", id: "computeMetrics", tag: .analytics, summary: "Risk and performance metrics", role: .viewer,
                description: """
                    Metrics of a simple-return series (`returns`, optionally `benchmark_returns`) or of a stored symbol's \
                    closes (optionally against `benchmark_symbol`, on the dates both have). empyrical's conventions; \
                    undefined values are null.
                    """,
                requestBody: Schema.ref("MetricsRequest"),
                success: .json("The metrics.", Schema.ref("Metrics")),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .unprocessable])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let data = try await JSONBody.readChecked(request, allowedKeys: MetricsBody.keys)
                let body = try JSONBody.decode(MetricsBody.self, from: data)
                let options = MetricsOptions(periodsPerYear: body.periodsPerYear ?? 252, riskFreeRate: body.riskFreeRate ?? 0,
                                             requiredReturn: body.requiredReturn ?? 0, omegaRequiredReturn: body.omegaRequiredReturn ?? 0)
                let (returns, benchmark, dates) = try await metricsInput(body, store: dependencies.store)
                let metrics = try ProblemDetails.unprocessable { () throws(AnalyticsError) in
                    try PerformanceAnalytics.metrics(returns: returns, benchmark: benchmark, options: options)
                }
                return JSONResponse.make(Representations.metrics(metrics, dates: dates))
            },
        ]
    }

    // MARK: Parts

    static func timeframe(_ text: String?) throws -> Timeframe {
        guard let text else { return .oneDay }
        guard let timeframe = Timeframe(rawValue: text) else {
            throw ProblemDetails(.malformedJSON, detail: "timeframe: '\(text)' is not one of \(Timeframe.codes.joined(separator: ", "))")
        }
        return timeframe
    }

    static func date(_ text: String?, _ name: String) throws -> Timestamp? {
        guard let text else { return nil }
        guard let date = Timestamp(iso8601: text) else {
            throw ProblemDetails(.malformedJSON, detail: "\(name): '\(text)' is not an ISO-8601 date such as 2024-01-02")
        }
        return date
    }

    /// Every stored close of a symbol in [start, end] (both inclusive), read page by page.
    static func closes(_ symbolText: String, timeframe: Timeframe, start: Timestamp?, end: Timestamp?,
                       store: any Store) async throws -> [(Timestamp, Double)] {
        guard let symbol = Symbol(symbolText) else { throw ProblemDetails(.malformedJSON, detail: "symbol \(symbolText) must be \(Symbol.rule)") }
        let exclusiveEnd = end.map { Timestamp(millisecondsSinceEpoch: $0.millisecondsSinceEpoch + 1) }
        var closes: [(Timestamp, Double)] = []
        var cursor = start
        while true {
            let page = try await store.bars(BarQuery(symbol: symbol, timeframe: timeframe, start: cursor, end: exclusiveEnd, limit: MarketRoutes.maximumPageSize))
            guard page.seriesExists else { throw ProblemDetails(.unprocessable, detail: "no \(timeframe.rawValue) bars are stored for \(symbolText)") }
            for bar in page.bars { closes.append((bar.openTime, Double(bar.close) ?? .nan)) }
            guard let next = page.nextStart else { break }
            cursor = next
        }
        return closes
    }

    /// The price history of the request: inline prices, or the dates on which every symbol has a stored close.
    static func priceHistory(_ source: PriceSource, store: any Store) async throws -> PriceHistory {
        if let inline = source.prices {
            guard source.symbols == nil else { throw ProblemDetails(.malformedJSON, detail: "give either prices or symbols, not both") }
            var dates: [Timestamp] = []
            for (index, text) in inline.dates.enumerated() {
                guard let date = Timestamp(iso8601: text) else { throw ProblemDetails(.malformedJSON, detail: "prices.dates.\(index): '\(text)' is not an ISO-8601 date") }
                dates.append(date)
            }
            let symbols = inline.closes.keys.sorted()
            for symbol in symbols where inline.closes[symbol]!.count != dates.count {
                throw ProblemDetails(.unprocessable, detail: "prices.closes.\(symbol) has \(inline.closes[symbol]!.count) values for \(dates.count) dates")
            }
            let rows = dates.indices.map { row in symbols.map { inline.closes[$0]![row] } }
            return try ProblemDetails.unprocessable { () throws(PortfolioError) in try PriceHistory(symbols: symbols, dates: dates, prices: rows) }
        }
        guard let symbols = source.symbols, !symbols.isEmpty else {
            throw ProblemDetails(.malformedJSON, detail: "give prices (inline dates and closes) or symbols (read from the stored bars)")
        }
        guard symbols.count <= maximumSymbols, Set(symbols).count == symbols.count else {
            throw ProblemDetails(.malformedJSON, detail: "symbols must be distinct and at most \(maximumSymbols)")
        }
        let timeframe = try timeframe(source.timeframe)
        let start = try date(source.start, "start"), end = try date(source.end, "end")
        var series: [[Timestamp: Double]] = []
        for symbol in symbols {
            series.append(Dictionary(try await closes(symbol, timeframe: timeframe, start: start, end: end, store: store), uniquingKeysWith: { a, _ in a }))
        }
        // Keep the dates on which every symbol has a close (an inner join, like pandas' dropna).
        let dates = series.dropFirst().reduce(Set(series[0].keys)) { $0.intersection($1.keys) }.sorted()
        let rows = dates.map { date in series.map { $0[date]! } }
        return try ProblemDetails.unprocessable { () throws(PortfolioError) in try PriceHistory(symbols: symbols, dates: dates, prices: rows) }
    }

    /// The returns of the metrics request: given, or from stored closes (aligned with the benchmark's).
    static func metricsInput(_ body: MetricsBody, store: any Store) async throws -> ([Double], [Double]?, [String]?) {
        if let returns = body.returns {
            guard body.symbol == nil else { throw ProblemDetails(.malformedJSON, detail: "give either returns or symbol, not both") }
            // The members of a stored symbol mean nothing beside a return series: refused, not ignored.
            let storedOnly = [("benchmark_symbol", body.benchmarkSymbol), ("timeframe", body.timeframe), ("start", body.start), ("end", body.end)]
                .filter { $0.1 != nil }.map(\.0)
            guard storedOnly.isEmpty else {
                throw ProblemDetails(.malformedJSON, detail: "\(storedOnly.joined(separator: ", ")) apply to a stored symbol; with returns, leave them out",
                                     fieldErrors: storedOnly.map { ($0, "applies to a stored symbol only") })
            }
            return (returns, body.benchmarkReturns, nil)
        }
        guard let symbol = body.symbol else { throw ProblemDetails(.malformedJSON, detail: "give returns (a list of simple returns) or symbol (read from the stored bars)") }
        guard body.benchmarkReturns == nil else {
            throw ProblemDetails(.malformedJSON, detail: "benchmark_returns goes with returns; with a stored symbol, give benchmark_symbol",
                                 fieldErrors: [("benchmark_returns", "goes with returns, not symbol")])
        }
        let timeframe = try timeframe(body.timeframe)
        let start = try date(body.start, "start"), end = try date(body.end, "end")
        let prices = try await closes(symbol, timeframe: timeframe, start: start, end: end, store: store)
        var benchmark: [(Timestamp, Double)]?
        if let benchmarkSymbol = body.benchmarkSymbol {
            benchmark = try await closes(benchmarkSymbol, timeframe: timeframe, start: start, end: end, store: store)
        }
        let aligned = try ProblemDetails.unprocessable { () throws(AnalyticsError) in
            try AlignedReturns(prices: prices, name: symbol, benchmark: benchmark, benchmarkName: body.benchmarkSymbol ?? "benchmark",
                               describe: \.iso8601)
        }
        return (aligned.returns, aligned.benchmarkReturns, aligned.keys.map(\.iso8601))
    }
}
