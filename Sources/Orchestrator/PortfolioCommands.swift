import Foundation
import PortfolioOptimizer
import QuantMath
import TradingCore

/// `orchestrator optimize`: estimates μ and Σ from a wide close-price file and optimises.
public enum PortfolioCommands {
    /// What to optimise.
    public struct OptimizeRequest: Sendable {
        public var pricesPath: String
        public var start: Timestamp?
        public var end: Timestamp?
        public var objective: String
        public var targetReturn: Double?
        public var targetVolatility: Double?
        public var riskAversion: Double
        public var riskFreeRate: Double
        public var returns: String
        public var covariance: String
        public var minimumWeight: Double
        public var maximumWeight: Double
        public var frequency: Double
        /// How many times to compute, reporting the median time (a benchmarking aid; the result is the same each time).
        public var repetitions: Int

        /// Creates a request with the documented defaults.
        public init(pricesPath: String, objective: String) {
            self.pricesPath = pricesPath
            self.objective = objective
            start = nil
            end = nil
            targetReturn = nil
            targetVolatility = nil
            riskAversion = 1
            riskFreeRate = 0.02
            returns = "cagr"
            covariance = "sample"
            minimumWeight = 0
            maximumWeight = 1
            frequency = 252
            repetitions = 1
        }
    }

    /// The objectives the command accepts, in `--help` order.
    public static let objectives = ["max-sharpe", "min-volatility", "efficient-return", "efficient-risk", "max-utility", "risk-parity", "hrp"]
    /// Objectives named by the issue but not built yet.
    public static let notBuilt: Set<String> = ["risk-parity", "hrp"]

    /// Runs the optimisation; `elapsed_ms` covers estimation and solving, not reading the file.
    public static func optimize(_ request: OptimizeRequest) throws -> AdministrationCommands.Output {
        guard let data = FileManager.default.contents(atPath: request.pricesPath) else {
            throw ImportFileError(path: request.pricesPath, reason: "no such file or not readable")
        }
        let file = try BarFileParser(timeframe: .oneDay).parseWideClose([UInt8](data), fileName: request.pricesPath)
        let history = try PriceHistory(wideClose: file, start: request.start, end: request.end)
        let returnsMethod: ExpectedReturns.Method
        switch request.returns {
        case "cagr": returnsMethod = .cagr
        case "mean": returnsMethod = .arithmeticMean
        case "ema": returnsMethod = .exponentiallyWeighted(span: 500)
        default: throw PortfolioError.invalidParameter("--returns must be cagr, mean or ema")
        }
        let covarianceMethod: CovarianceEstimator.Method
        switch request.covariance {
        case "sample": covarianceMethod = .sample
        case "ledoit-wolf": covarianceMethod = .ledoitWolf
        case "exponential": covarianceMethod = .exponential(span: 180)
        case "semicovariance": covarianceMethod = .semicovariance(benchmark: 0.000079)
        default: throw PortfolioError.invalidParameter("--covariance must be sample, ledoit-wolf, exponential or semicovariance")
        }
        let objective: PortfolioObjective
        switch request.objective {
        case "max-sharpe": objective = .maximumSharpe(riskFreeRate: request.riskFreeRate)
        case "min-volatility": objective = .minimumVolatility
        case "efficient-return":
            guard let target = request.targetReturn else { throw PortfolioError.invalidParameter("efficient-return needs --target-return") }
            objective = .efficientReturn(targetReturn: target)
        case "efficient-risk":
            guard let target = request.targetVolatility else { throw PortfolioError.invalidParameter("efficient-risk needs --target-volatility") }
            objective = .efficientRisk(targetVolatility: target)
        case "max-utility": objective = .maximumQuadraticUtility(riskAversion: request.riskAversion)
        case let name where notBuilt.contains(name):
            throw PortfolioError.invalidParameter("\(name) is not built yet; available: \(objectives.filter { !notBuilt.contains($0) }.joined(separator: ", "))")
        default:
            throw PortfolioError.invalidParameter("--objective must be one of \(objectives.joined(separator: ", "))")
        }
        let clock = ContinuousClock()
        var timings: [Double] = []
        var computed: PortfolioAllocation?
        for _ in 0..<max(1, request.repetitions) {
            let started = clock.now
            let simple = history.simpleReturns
            let optimizer = try PortfolioOptimizer(
                expectedReturns: ExpectedReturns.estimate(simple, method: returnsMethod, frequency: request.frequency),
                covariance: CovarianceEstimator.estimate(simple, method: covarianceMethod, frequency: request.frequency))
            let constraints = PortfolioConstraints(assetCount: history.assetCount, minimumWeight: request.minimumWeight,
                                                   maximumWeight: request.maximumWeight)
            computed = try optimizer.optimize(objective, constraints: constraints, riskFreeRate: request.riskFreeRate)
            let elapsed = clock.now - started
            timings.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        let result = computed!
        let milliseconds = Statistics.quantile(timings, 0.5)
        // Weights below 1e-12 in magnitude are solver noise around an active bound.
        let weights = result.weights.map { abs($0) < 1e-12 ? 0 : $0 }
        let json: JSONValue = [
            "weights": .object(zip(history.symbols, weights).map { ($0, .number($1)) }),
            "expected_return": .number(result.expectedReturn),
            "volatility": .number(result.volatility),
            "sharpe": .number(result.sharpe),
            "elapsed_ms": .number(milliseconds),
            "assets": .int(history.assetCount),
            "observations": .int(history.prices.count),
            "start": .string(history.dates.first!.iso8601),
            "end": .string(history.dates.last!.iso8601),
        ]
        var rows = zip(history.symbols, weights).map { [$0, String(format: "%.6f", $1)] }
        rows.append(["expected_return", String(format: "%.6f", result.expectedReturn)])
        rows.append(["volatility", String(format: "%.6f", result.volatility)])
        rows.append(["sharpe", String(format: "%.6f", result.sharpe)])
        return AdministrationCommands.Output(json: json, columns: ["asset", "weight"], rows: rows,
                                             footer: String(format: "computed in %.3f ms (estimation and solve)", milliseconds))
    }
}
