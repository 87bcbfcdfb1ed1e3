import Analytics
import ArgumentParser
import Foundation
import Orchestrator
import TradingCore
import PortfolioOptimizer

struct Optimize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Optimise portfolio weights from a wide close-price CSV (a date column, one column per symbol).",
        discussion: """
            Give --objective, or --strategy with --risk-level (and --regime for TACTICAL). Expected returns and covariance \
            are estimated from daily simple returns (252 a year) with PyPortfolioOpt's conventions; weights sum to 1 within \
            [--min-weight, --max-weight] and the --group bounds (strategies keep a cash weight). Errors (infeasible targets, \
            missing prices, constant series) say why and, where known, what is feasible; exit status 65.
            """)

    @Option(help: "The wide close-price CSV file.") var prices: String
    @Option(help: "First date included (YYYY-MM-DD).") var start: Timestamp?
    @Option(help: "Last date included (YYYY-MM-DD).") var end: Timestamp?
    @Option(help: "Objective.") var objective: PortfolioObjective.Name?
    @Option(help: "Strategy (cash included).") var strategy: AllocationStrategy?
    @Option(help: "Risk level for --strategy.") var riskLevel = RiskLevel.medium
    @Option(help: "Market regime for TACTICAL.") var regime: MarketRegime?
    @Option(help: "Target annual return for efficient-return.") var targetReturn: Double?
    @Option(help: "Target annual volatility for efficient-risk.") var targetVolatility: Double?
    @Option(help: "Risk aversion δ for max-utility.") var riskAversion: Double = 1
    @Option(help: "Annual risk-free rate for max-sharpe and the reported Sharpe ratio.") var riskFreeRate: Double = 0.02
    @Option(help: "Expected returns.") var returns = ExpectedReturns.MethodName.cagr
    @Option(help: "Covariance.") var covariance = CovarianceEstimator.MethodName.sample
    @Option(help: "Lowest weight per asset (negative allows shorting).") var minWeight: Double = 0
    @Option(help: "Highest weight per asset.") var maxWeight: Double = 1
    @Option(help: "L2 regularisation γ.") var l2Gamma: Double = 0
    @Option(help: "Periods per year used to annualise (252 for daily prices).") var frequency: Double = 252
    @Option(help: "Group bounds NAME=SYM,SYM:MIN:MAX (MIN or MAX may be empty); repeatable.") var group: [String] = []
    @Option(help: "Compute this many times and report the median elapsed_ms (benchmarking).") var repetitions: Int = 1
    @OptionGroup var output: FormatOption

    func validate() throws {
        guard (1...100_000).contains(repetitions) else { throw ValidationError("--repetitions must be from 1 to 100000") }
        guard (objective == nil) != (strategy == nil) else { throw ValidationError("give either --objective or --strategy") }
        guard frequency > 0, frequency.isFinite else { throw ValidationError("--frequency must be positive") }
        _ = try groups()
    }

    /// Parses `NAME=SYM,SYM:MIN:MAX`.
    func groups() throws -> [OptimizationSpecification.Group] {
        try group.map { text in
            let nameAndRest = text.split(separator: "=", maxSplits: 1).map(String.init)
            let parts = nameAndRest.count == 2 ? nameAndRest[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init) : []
            guard parts.count == 3, !nameAndRest[0].isEmpty, !parts[0].isEmpty else {
                throw ValidationError("--group must look like tech=AAPL,MSFT:0.1:0.3 (MIN or MAX may be empty), got '\(text)'")
            }
            func bound(_ value: String) throws -> Double? {
                guard !value.isEmpty else { return nil }
                guard let number = Double(value) else { throw ValidationError("--group \(nameAndRest[0]): '\(value)' is not a number") }
                return number
            }
            return OptimizationSpecification.Group(name: nameAndRest[0], symbols: parts[0].split(separator: ",").map(String.init),
                                                   min: try bound(parts[1]), max: try bound(parts[2]))
        }
    }

    func run() async throws {
        // validate() has checked that exactly one of them is given.
        var specification = OptimizationSpecification(objective.map { .objective($0) } ?? .strategy(strategy ?? .balanced))
        specification.riskLevel = riskLevel
        specification.regime = regime
        specification.targetReturn = targetReturn
        specification.targetVolatility = targetVolatility
        specification.riskAversion = riskAversion
        specification.riskFreeRate = riskFreeRate
        specification.returns = returns
        specification.covariance = covariance
        specification.minWeight = minWeight
        specification.maxWeight = maxWeight
        specification.l2Gamma = l2Gamma
        specification.frequency = frequency
        specification.groups = try groups()
        try FileCommand.run({
            try PortfolioCommands.optimize(pricesPath: prices, start: start, end: end, specification: specification, repetitions: repetitions)
        }, format: output.format)
    }
}

struct Metrics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Risk and performance metrics of one symbol of a wide close-price CSV, optionally against a benchmark.",
        discussion: """
            Returns are simple daily returns over the dates where the symbol (and the benchmark) have a price. Conventions \
            follow empyrical (annualisation 252, Sharpe and volatility with ddof 1, historical VaR by linear percentile); \
            see docs/portfolio.md. Undefined metrics (Calmar without a drawdown) are null.
            """)

    @Option(help: "The wide close-price CSV file.") var prices: String
    @Option(help: "The symbol (a column of --prices).") var symbol: String
    @Option(help: "A wide close-price CSV holding the benchmark (default: --prices).") var benchmark: String?
    @Option(help: "The benchmark's column.") var benchmarkSymbol: String?
    @Option(help: "First date included (YYYY-MM-DD).") var start: Timestamp?
    @Option(help: "Last date included (YYYY-MM-DD).") var end: Timestamp?
    @Option(help: "Risk-free return per period (Sharpe, alpha, omega).") var riskFreeRate: Double = 0
    @Option(help: "Required return per period (Sortino, downside risk).") var requiredReturn: Double = 0
    @Option(help: "Periods per year.") var periodsPerYear: Double = 252
    @Option(help: "Compute this many times and report the median elapsed_ms (benchmarking).") var repetitions: Int = 1
    @OptionGroup var output: FormatOption

    func validate() throws {
        guard (1...1_000_000).contains(repetitions) else { throw ValidationError("--repetitions must be from 1 to 1000000") }
        if benchmark != nil && benchmarkSymbol == nil { throw ValidationError("--benchmark needs --benchmark-symbol") }
    }

    func run() async throws {
        var request = PortfolioCommands.MetricsRequest(pricesPath: prices, symbol: symbol)
        request.benchmarkPath = benchmark
        request.benchmarkSymbol = benchmarkSymbol
        request.start = start
        request.end = end
        request.options = MetricsOptions(periodsPerYear: periodsPerYear, riskFreeRate: riskFreeRate, requiredReturn: requiredReturn)
        request.repetitions = repetitions
        try FileCommand.run({ try PortfolioCommands.metrics(request) }, format: output.format)
    }
}

struct Rebalance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan rebalancing orders from holdings, prices and target weights given as JSON.",
        discussion: """
            The file has the shape of the POST /api/v1/portfolio/rebalance body: {"cash": "1000", "targets": {"AAPL": 0.5}, \
            "positions": [{"symbol": "AAPL", "quantity": "3", "price": "190.5", "lot_size": "1"}], "drift_threshold": 0.05, \
            "minimum_notional": "10", "method": "drift"}. Amounts are decimal strings. method greedy allocates the cash into whole \
            lots instead. Orders list sells before buys and never need more cash than there is.
            """)

    @Option(help: "The JSON file with holdings and targets.") var input: String
    @OptionGroup var output: FormatOption

    func run() async throws {
        try FileCommand.run({ try PortfolioCommands.rebalance(inputPath: input) }, format: output.format)
    }
}
