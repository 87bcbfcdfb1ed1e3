import Prediction
import TradingCore

/// A stream's champion as a trading policy forecasts with it: the feedback loop's current
/// champion for one symbol and horizon, its fitted models carried to the bar it is handed at.
public struct ChampionModel: Sendable {
    /// The symbol the stream forecasts.
    public let symbol: Symbol
    /// The stream's horizon.
    public let horizon: Horizon
    /// The version's name in the model registry (a stored forecast's `model_version`).
    public let name: String
    /// The data time by which the version was known to lead: its fit time for a stream's first
    /// champion, the end of its trial's evidence for a promoted challenger. A policy forecasts with
    /// it at bars closed from then on only, so a replay never trades a promotion decided on its future.
    public let knownAt: Timestamp
    /// The fitted models.
    public var models: Forecaster.FittedModels

    /// Creates a champion.
    public init(symbol: Symbol, horizon: Horizon, name: String, knownAt: Timestamp, models: Forecaster.FittedModels) {
        self.symbol = symbol
        self.horizon = horizon
        self.name = name
        self.knownAt = knownAt
        self.models = models
    }
}
