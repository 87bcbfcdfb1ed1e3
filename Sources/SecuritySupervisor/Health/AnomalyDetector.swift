/// Flags a value that is far from its recent history by a robust z-score: (x − median) / (1.4826 ·
/// MAD), the median absolute deviation scaled to a normal standard deviation, so one earlier spike
/// does not hide the next as a mean and standard deviation would.
public enum AnomalyDetector {
    /// The robust z-score of `value` against `history`; nil with fewer than `minimumHistory` values
    /// or a history without spread.
    public static func robustZ(_ value: Double, history: [Double], minimumHistory: Int = 10) -> Double? {
        guard history.count >= minimumHistory else { return nil }
        let median = Self.median(history)
        let deviation = Self.median(history.map { abs($0 - median) }) * 1.4826
        guard deviation > 0 else { return nil }
        return (value - median) / deviation
    }

    /// A WARNING when the value's robust z-score is above `limit` (a slow-down; faster is never an
    /// anomaly here) and the value is at least `floor`: a calm history makes a tiny rise many
    /// standard deviations (a 3.9 ms database round trip against a 1 ms median), never worth a look.
    public static func observation(check: String, value: Double, history: [Double], unit: String, limit: Double = 5, floor: Double = 0) -> AlertObservation? {
        guard value >= floor, let z = robustZ(value, history: history), z > limit else { return nil }
        return AlertObservation(fingerprint: "anomaly:\(check)", level: .warning, source: .forecast, title: "\(check) anomaly",
                                message: "\(HealthCheckResult.format((value * 100).rounded() / 100))\(unit) is \(HealthCheckResult.format((z * 10).rounded() / 10)) robust standard deviations above the median of the last \(history.count) sweeps (\(HealthCheckResult.format((median(history) * 100).rounded() / 100))\(unit))")
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
