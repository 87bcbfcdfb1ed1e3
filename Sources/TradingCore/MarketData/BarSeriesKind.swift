/// What a stored bar series holds: full OHLCV bars, or closing prices only (open = high = low = close).
///
/// Range-based estimators (Parkinson, Garman-Klass, ATR) must not run on a close-only series.
public enum BarSeriesKind: String, Sendable, Hashable, Codable, CaseIterable {
    case ohlcv
    case closeOnly = "close_only"
}
