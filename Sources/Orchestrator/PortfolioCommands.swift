import Analytics
import Foundation
import HTTPServer
import PortfolioOptimizer
import QuantMath
import TradingCore

/// `orchestrator optimize`, `metrics` and `rebalance`: the portfolio module on files, with the same
/// JSON as the API routes.
public enum PortfolioCommands {
    /// Runs an optimisation on a wide close-price file; `elapsed_ms` is the median over
    /// `repetitions` of estimation and solving, without reading the file.
    public static func optimize(pricesPath: String, start: Timestamp?, end: Timestamp?,
                                specification: OptimizationSpecification, repetitions: Int = 1) throws -> AdministrationCommands.Output {
        let file = try readWideClose(pricesPath)
        let history = try PriceHistory(wideClose: file, start: start, end: end)
        var outcome: AllocationOutcome?
        let milliseconds = try medianMilliseconds(repetitions) { outcome = try specification.run(history) }
        let result = outcome!
        var rows = zip(result.symbols, result.weights).map { [$0, String(format: "%.6f", $1)] }
        if result.cashWeight > 0 { rows.append(["cash", String(format: "%.6f", result.cashWeight)]) }
        rows.append(["expected_return", String(format: "%.6f", result.expectedReturn)])
        rows.append(["volatility", String(format: "%.6f", result.volatility)])
        rows.append(["sharpe", String(format: "%.6f", result.sharpe)])
        let notes = result.notes.isEmpty ? "" : "\n" + result.notes.joined(separator: "\n")
        return AdministrationCommands.Output(
            json: Representations.optimization(result, history: history, elapsedMilliseconds: milliseconds),
            columns: ["asset", "weight"], rows: rows,
            footer: String(format: "%@ computed in %.3f ms (estimation and solve)", result.objective, milliseconds) + notes)
    }

    /// Where the returns of `orchestrator metrics` come from.
    public struct MetricsRequest: Sendable {
        public var pricesPath: String
        public var symbol: String
        public var benchmarkPath: String?
        public var benchmarkSymbol: String?
        public var start: Timestamp?
        public var end: Timestamp?
        public var options = MetricsOptions()
        public var repetitions = 1

        /// Creates a request for one symbol of a wide close-price file.
        public init(pricesPath: String, symbol: String) {
            self.pricesPath = pricesPath
            self.symbol = symbol
        }
    }

    /// Computes the performance metrics of one symbol, optionally against a benchmark symbol.
    public static func metrics(_ request: MetricsRequest) throws -> AdministrationCommands.Output {
        let prices = try closes(of: request.symbol, in: request.pricesPath, start: request.start, end: request.end)
        var benchmark: [(Timestamp, Double)]?
        if let benchmarkSymbol = request.benchmarkSymbol {
            benchmark = try closes(of: benchmarkSymbol, in: request.benchmarkPath ?? request.pricesPath, start: request.start, end: request.end)
        }
        let aligned = try AlignedReturns(prices: prices, name: request.symbol, benchmark: benchmark,
                                         benchmarkName: request.benchmarkSymbol ?? "benchmark", describe: \.iso8601)
        var computed: PerformanceMetrics?
        let milliseconds = try medianMilliseconds(request.repetitions) {
            computed = try PerformanceAnalytics.metrics(returns: aligned.returns, benchmark: aligned.benchmarkReturns, options: request.options)
        }
        guard case .object(var members) = Representations.metrics(computed!, dates: aligned.keys.map(\.iso8601)) else { fatalError("metrics are an object") }
        members.insert(contentsOf: [("symbol", .string(request.symbol)), ("benchmark_symbol", .optional(request.benchmarkSymbol)),
                                    ("start", .string(aligned.keys.first!.iso8601)), ("end", .string(aligned.keys.last!.iso8601))], at: 0)
        members.append(("elapsed_ms", .number(milliseconds)))
        let rows: [[String]] = members.compactMap { name, value in
            switch value {
            case .number(let number): [name, String(format: "%.6f", number)]
            case .integer(let number): [name, String(number)]
            case .string(let text): [name, text]
            case .null: [name, "—"]
            default: nil
            }
        }
        return AdministrationCommands.Output(json: .object(members), columns: ["metric", "value"], rows: rows, footer: nil)
    }

    /// Plans a rebalance (or a greedy discrete allocation) from a JSON file shaped like the API body.
    public static func rebalance(inputPath: String) throws -> AdministrationCommands.Output {
        guard let data = FileManager.default.contents(atPath: inputPath) else {
            throw ImportFileError(path: inputPath, reason: "no such file or not readable")
        }
        let specification: RebalanceSpecification
        do {
            specification = try RebalanceRequestBody.specification(from: data)
        } catch {
            throw ImportFileError(path: inputPath, reason: error.description)
        }
        switch try specification.plan() {
        case .rebalance(let plan):
            let rows = plan.orders.map { [$0.side.rawValue, $0.symbol, $0.quantity.description, $0.price.description, $0.notional.description] }
            return AdministrationCommands.Output(json: Representations.rebalancePlan(plan), columns: ["side", "symbol", "quantity", "price", "notional"],
                                                 rows: rows, footer: plan.reason + "; cash after: \(plan.cashAfter)")
        case .allocation(let result, let prices):
            let rows = result.quantities.map { ["buy", $0.symbol, $0.quantity.description, prices[$0.symbol]!.description] }
            return AdministrationCommands.Output(json: Representations.discreteAllocation(result, prices: prices),
                                                 columns: ["side", "symbol", "quantity", "price"], rows: rows,
                                                 footer: "leftover cash: \(result.leftover)")
        }
    }

    // MARK: Parts

    static func readWideClose(_ path: String) throws -> ParsedWideCloseFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImportFileError(path: path, reason: "no such file or not readable")
        }
        return try BarFileParser(timeframe: .oneDay).parseWideClose([UInt8](data), fileName: path)
    }

    static func closes(of symbol: String, in path: String, start: Timestamp?, end: Timestamp?) throws -> [(Timestamp, Double)] {
        let file = try readWideClose(path)
        guard let series = file.series.first(where: { $0.symbol.rawValue == symbol }) else {
            throw ImportFileError(path: path, reason: "no column \(symbol); the file has \(file.series.map(\.symbol.rawValue).joined(separator: ", "))")
        }
        return series.bars.filter { bar in (start.map { bar.openTime >= $0 } ?? true) && (end.map { bar.openTime <= $0 } ?? true) }
            .map { ($0.openTime, $0.close.value.doubleValue) }
    }

    /// Runs `body` `repetitions` times and returns the median wall time in milliseconds.
    static func medianMilliseconds(_ repetitions: Int, _ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        var timings: [Double] = []
        for _ in 0..<max(1, repetitions) {
            let elapsed = try clock.measure(body)
            timings.append(elapsed.milliseconds)
        }
        return Statistics.quantile(timings, 0.5)
    }
}
