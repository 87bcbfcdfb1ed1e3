/// When a resource will cross its limit at the current rate: an ordinary least-squares line
/// through the recent samples of a check's value (disk use, memory use), extended to the threshold.
public enum DegradationForecast {
    /// One sample: seconds since any fixed origin, and the value.
    public struct Sample: Sendable, Hashable {
        public let seconds: Double
        public let value: Double

        /// Creates a sample.
        public init(seconds: Double, value: Double) {
            self.seconds = seconds
            self.value = value
        }
    }

    /// Seconds from the last sample until the fitted line reaches `threshold`; nil when it is not
    /// rising, already past it, there are fewer than `minimumSamples` samples over a positive span,
    /// or the crossing lies more than `maximumExtrapolation` times the samples' span ahead: a line
    /// through nine minutes says nothing about the next eighteen hours (the soak test saw a client's
    /// connection opening six files forecast to exhaust the open-files limit within a day).
    public static func secondsUntil(_ threshold: Double, samples: [Sample], minimumSamples: Int = 5, maximumExtrapolation: Double = 10) -> Double? {
        guard samples.count >= minimumSamples, let first = samples.first, let last = samples.last, last.seconds > first.seconds else { return nil }
        let n = Double(samples.count)
        let meanX = samples.reduce(0) { $0 + $1.seconds } / n
        let meanY = samples.reduce(0) { $0 + $1.value } / n
        var sxy = 0.0, sxx = 0.0
        for sample in samples {
            sxy += (sample.seconds - meanX) * (sample.value - meanY)
            sxx += (sample.seconds - meanX) * (sample.seconds - meanX)
        }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        guard slope > 0 else { return nil }
        let fittedNow = meanY + slope * (last.seconds - meanX)
        guard fittedNow < threshold else { return nil }
        let seconds = (threshold - fittedNow) / slope
        return seconds <= maximumExtrapolation * (last.seconds - first.seconds) ? seconds : nil
    }

    /// A WARNING observation when `check` is forecast to reach `threshold` within `horizon` seconds.
    public static func observation(check: String, threshold: Double, unit: String, samples: [Sample], horizonSeconds: Double = 86_400) -> AlertObservation? {
        guard let seconds = secondsUntil(threshold, samples: samples), seconds <= horizonSeconds else { return nil }
        return AlertObservation(fingerprint: "forecast:\(check)", level: .warning, source: .forecast,
                                title: "\(check) forecast to reach \(HealthCheckResult.format(threshold))\(unit)",
                                message: "at the rate of the last \(samples.count) sweeps, \(check) reaches \(HealthCheckResult.format(threshold))\(unit) in \(duration(seconds))")
    }

    /// `5 h 20 min`, `45 min`.
    public static func duration(_ seconds: Double) -> String {
        let minutes = Int((seconds / 60).rounded())
        return minutes >= 60 ? "\(minutes / 60) h \(minutes % 60) min" : "\(minutes) min"
    }
}
