import TradingCore

/// The feedback loop's confidence thresholds for one decision horizon: one for the horizon and,
/// where enough outcomes allowed tuning one, one per market regime (BULL, BEAR).
public struct ConfidenceThresholds: Sendable, Hashable, Codable {
    /// |P(up) − ½| a forecast needs, whatever the regime.
    public var base: Double
    /// The regime's own threshold, where tuned.
    public var byRegime: [String: Double]

    /// Creates thresholds (values are clamped to 0…0.5).
    public init(base: Double, byRegime: [String: Double] = [:]) {
        self.base = min(max(base, 0), 0.5)
        self.byRegime = byRegime.mapValues { min(max($0, 0), 0.5) }
    }

    /// No threshold: act on any side of ½.
    public static let none = ConfidenceThresholds(base: 0)

    /// The threshold in a regime.
    public func threshold(regime: String) -> Double { byRegime[regime] ?? base }

    /// The thresholds of `horizon` among stored rows named `horizon` and `horizon@REGIME`, keeping
    /// only rows tuned on outcomes known by `time` (nil: any); nil when none is left.
    public static func from(_ rows: [(horizon: String, threshold: Double, tunedThrough: Timestamp?)], horizon: String, knownBy time: Timestamp? = nil) -> ConfidenceThresholds? {
        let rows = rows.filter { row in time.map { time in row.tunedThrough.map { $0 <= time } ?? false } ?? true }
        let base = rows.first { $0.horizon == horizon }?.threshold
        var regimes: [String: Double] = [:]
        for row in rows where row.horizon.hasPrefix(horizon + "@") { regimes[String(row.horizon.dropFirst(horizon.count + 1))] = row.threshold }
        guard base != nil || !regimes.isEmpty else { return nil }
        return ConfidenceThresholds(base: base ?? 0, byRegime: regimes)
    }
}
