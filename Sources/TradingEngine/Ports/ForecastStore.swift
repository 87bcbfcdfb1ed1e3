import FeedbackLoop
import Prediction
import TradingCore

/// A forecast as stored, with what the feedback loop needs to score it when its horizon ends:
/// the target time and the exact close the return is measured from.
public struct ForecastRecord: Sendable, Hashable {
    /// The row id (nil before it is stored).
    public let id: Int64?
    public let symbol: Symbol
    public let timeframe: Timeframe
    /// The horizon as given (`1h`) and in milliseconds.
    public let horizon: String
    public let horizonMilliseconds: Int64
    /// When the forecast was made for, the close of the newest bar it used, and data time + horizon.
    public let decisionTime: Timestamp
    public let dataTime: Timestamp
    public let targetTime: Timestamp
    /// The exact close at the data time (decimal text), the base of the realised log return.
    public let referenceClose: String
    public let expectedLogReturn: Double
    public let probabilityUp: Double
    public let volatility: Double
    public let intervalLow: Double
    public let intervalHigh: Double
    /// The model behind each part (a model name or a baseline).
    public let returnModel: String
    public let directionModel: String
    public let volatilityModel: String
    /// The version of the forecasting code and settings.
    public let modelVersion: String
    public let createdAt: Timestamp

    /// Creates a record.
    public init(id: Int64?, symbol: Symbol, timeframe: Timeframe, horizon: String, horizonMilliseconds: Int64, decisionTime: Timestamp,
                dataTime: Timestamp, targetTime: Timestamp, referenceClose: String, expectedLogReturn: Double, probabilityUp: Double,
                volatility: Double, intervalLow: Double, intervalHigh: Double, returnModel: String, directionModel: String,
                volatilityModel: String, modelVersion: String, createdAt: Timestamp) {
        self.id = id
        self.symbol = symbol
        self.timeframe = timeframe
        self.horizon = horizon
        self.horizonMilliseconds = horizonMilliseconds
        self.decisionTime = decisionTime
        self.dataTime = dataTime
        self.targetTime = targetTime
        self.referenceClose = referenceClose
        self.expectedLogReturn = expectedLogReturn
        self.probabilityUp = probabilityUp
        self.volatility = volatility
        self.intervalLow = intervalLow
        self.intervalHigh = intervalHigh
        self.returnModel = returnModel
        self.directionModel = directionModel
        self.volatilityModel = volatilityModel
        self.modelVersion = modelVersion
        self.createdAt = createdAt
    }
}

extension ForecastRecord {
    /// The record of a forecast, named by the model version that made it, to store before it is scored.
    public init(_ forecast: Forecast, symbol: Symbol, timeframe: Timeframe, referenceClose: String, createdAt: Timestamp) {
        self.init(id: nil, symbol: symbol, timeframe: timeframe, horizon: forecast.horizon.label, horizonMilliseconds: forecast.horizon.milliseconds,
                  decisionTime: forecast.decisionTime, dataTime: forecast.dataTime,
                  targetTime: forecast.dataTime.adding(milliseconds: forecast.horizon.milliseconds), referenceClose: referenceClose,
                  expectedLogReturn: forecast.expectedLogReturn, probabilityUp: forecast.probabilityUp, volatility: forecast.volatility,
                  intervalLow: forecast.intervalLow, intervalHigh: forecast.intervalHigh, returnModel: forecast.returnModel.rawValue,
                  directionModel: forecast.directionModel.rawValue, volatilityModel: forecast.volatilityModel.rawValue, modelVersion: forecast.modelVersion,
                  createdAt: createdAt)
    }
}

extension ForecastRecord {
    /// What the forecast said, as scoring needs it.
    public var claim: ForecastClaim {
        ForecastClaim(expectedLogReturn: expectedLogReturn, probabilityUp: probabilityUp, volatility: volatility, intervalLow: intervalLow,
                      intervalHigh: intervalHigh)
    }
}

/// Where forecasts are kept until they are scored.
public protocol ForecastStore: Sendable {
    /// Stores forecasts in one transaction; one already stored (same symbol, timeframe, horizon,
    /// data time and model version) is kept as it was. Returns the records now stored, with ids.
    func recordForecasts(_ records: [ForecastRecord]) async throws -> [ForecastRecord]
    /// The newest forecasts of a symbol, newest data time first.
    func forecasts(symbol: Symbol, limit: Int) async throws -> [ForecastRecord]
}
