import ArgumentParser
import Orchestrator
import PortfolioOptimizer
import TradingCore
import TradingEngine

// The enums the commands take, read by the argument parser: an unknown value is refused with the
// accepted values listed, and nothing downstream parses text again.

extension Timeframe: ExpressibleByArgument {}
extension AssetClass: ExpressibleByArgument {}
extension BarFileFormat: ExpressibleByArgument {}
extension APIKeyRole: ExpressibleByArgument {}
extension PortfolioObjective.Name: ExpressibleByArgument {}
extension ExpectedReturns.MethodName: ExpressibleByArgument {}
extension CovarianceEstimator.MethodName: ExpressibleByArgument {}
extension RunCommand.Options.Feed: ExpressibleByArgument {}
extension RunCommand.Options.Venue: ExpressibleByArgument {}
extension RunCommand.Options.Clock: ExpressibleByArgument {}
extension ProcessClock: ExpressibleByArgument {}
extension RunCommand.Options.Models: ExpressibleByArgument {}
extension BacktestCommands.Strategy: ExpressibleByArgument {}

// Strategies, risk levels and regimes are written in capitals; lower case is accepted too.

extension AllocationStrategy: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}

extension RiskLevel: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}

extension MarketRegime: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}

extension Timestamp: ExpressibleByArgument {
    /// A date (2024-01-31) or an ISO-8601 UTC time.
    public init?(argument: String) { self.init(iso8601: argument) }
}
