import FeedbackLoop
import TradingCore

extension FeedbackCycle {
    /// Why an externally observed outcome was refused; nothing is stored then.
    public enum ExternalOutcomeError: Error, Sendable, Equatable, CustomStringConvertible {
        /// No forecast has the id.
        case unknownForecast(Int64)
        /// The forecast already has an outcome.
        case alreadyScored(Int64)
        /// The observation is earlier than the forecast's target time.
        case beforeHorizon(observed: Timestamp, target: Timestamp)
        /// The observation is later than now.
        case inTheFuture(observed: Timestamp, now: Timestamp)
        /// The close is not a positive decimal number.
        case invalidClose(String)

        public var description: String {
            switch self {
            case .unknownForecast(let id): "no forecast has id \(id)"
            case .alreadyScored(let id): "forecast \(id) already has an outcome; an outcome is recorded once"
            case .beforeHorizon(let observed, let target):
                "observed_at \(observed.iso8601) is before the forecast's target time \(target.iso8601): its horizon has not ended"
            case .inTheFuture(let observed, let now): "observed_at \(observed.iso8601) is later than now (\(now.iso8601))"
            case .invalidClose(let text): "realised_close \"\(text)\" is not a positive decimal number"
            }
        }
    }

    /// Records an outcome observed outside the stored bars (another venue's close, a settlement
    /// price) for a stored forecast, after the same checks a market outcome gets.
    public func recordExternalOutcome(forecastId: Int64, realisedClose: String, observedAt: Timestamp, now: Timestamp) async throws -> StoredOutcome {
        guard let close = FixedDecimal(realisedClose), close.isPositive else { throw ExternalOutcomeError.invalidClose(realisedClose) }
        guard let forecast = try await store.forecast(id: forecastId) else { throw ExternalOutcomeError.unknownForecast(forecastId) }
        guard observedAt <= now else { throw ExternalOutcomeError.inTheFuture(observed: observedAt, now: now) }
        guard observedAt >= forecast.targetTime else { throw ExternalOutcomeError.beforeHorizon(observed: observedAt, target: forecast.targetTime) }
        guard let realised = ForecastOutcome.logReturn(from: forecast.referenceClose, to: realisedClose) else { throw ExternalOutcomeError.invalidClose(realisedClose) }
        let series = try await closes(symbol: forecast.symbol, timeframe: forecast.timeframe, from: forecast.dataTime, through: forecast.dataTime)
        let signature = series.closes.isEmpty ? MarketSignature.unknown : MarketSignature(closes: series.closes[...])
        let outcome = StoredOutcome(
            forecastId: forecastId, symbol: forecast.symbol, horizon: forecast.horizon, model: forecast.modelVersion, probabilityUp: forecast.probabilityUp,
            dataTime: forecast.dataTime, targetTime: forecast.targetTime, realisedClose: realisedClose, realisedTime: observedAt,
            outcome: ForecastOutcome(claim: forecast.claim, realisedLogReturn: realised), signature: signature, source: .external, scoredAt: now)
        var commit = FeedbackCommit()
        commit.outcomes = [outcome]
        // The insert itself decides a race between two callers: the loser stored nothing.
        guard try await store.commitFeedback(commit, at: now).contains(forecastId) else { throw ExternalOutcomeError.alreadyScored(forecastId) }
        return outcome
    }
}
