/// The Page-Hinkley change detector on one stream, as river's `drift.PageHinkley` (river 0.26):
/// cumulative deviations from the running mean, discounted by `alpha`, less (or plus) a tolerance
/// `delta`; a drift is signalled when the cumulative sum has risen (mode up) or fallen (mode down)
/// by more than `threshold` from its extreme. Constant memory: five numbers and a count.
///
/// As in river, the state resets on the first update after a detection, so the next detection
/// needs `minimumInstances` new values; and the running maximum of the decrease sum starts at −1.
public struct PageHinkley: Sendable, Codable, Hashable {
    /// Which direction of change is tested.
    public enum Mode: String, Sendable, Codable, Hashable, CaseIterable {
        case up, down, both
    }

    /// Values needed after a (re)start before a drift can be signalled.
    public let minimumInstances: Int
    /// The tolerated change of the mean per value.
    public let delta: Double
    /// The detection threshold (λ).
    public let threshold: Double
    /// The forgetting factor of the cumulative sums.
    public let alpha: Double
    /// Which direction of change is tested.
    public let mode: Mode

    private var count = 0
    private var mean = 0.0
    private var sumIncrease = 0.0
    private var sumDecrease = 0.0
    // river starts it at +∞; the largest finite value behaves the same and keeps the state encodable as JSON.
    private var minimumIncrease = Double.greatestFiniteMagnitude
    private var maximumDecrease = -1.0
    /// Whether the last update signalled a drift.
    public private(set) var driftDetected = false

    /// Creates a detector with river's defaults unless told otherwise.
    public init(minimumInstances: Int = 30, delta: Double = 0.005, threshold: Double = 50, alpha: Double = 1 - 0.0001, mode: Mode = .both) {
        self.minimumInstances = minimumInstances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.mode = mode
    }

    /// Adds a value; returns whether a drift is detected at it.
    @discardableResult
    public mutating func update(_ value: Double) -> Bool {
        if driftDetected { reset() }
        count += 1
        mean += (1.0 / Double(count)) * (value - mean)
        let deviation = value - mean
        sumIncrease = alpha * sumIncrease + deviation - delta
        sumDecrease = alpha * sumDecrease + deviation + delta
        minimumIncrease = min(minimumIncrease, sumIncrease)
        maximumDecrease = max(maximumDecrease, sumDecrease)
        guard count >= minimumInstances else { return false }
        let increase = sumIncrease - minimumIncrease, decrease = maximumDecrease - sumDecrease
        switch mode {
        case .up: driftDetected = increase > threshold
        case .down: driftDetected = decrease > threshold
        case .both: driftDetected = increase > threshold || decrease > threshold
        }
        return driftDetected
    }

    /// Forgets everything seen (the settings stay).
    public mutating func reset() {
        count = 0
        mean = 0
        sumIncrease = 0
        sumDecrease = 0
        minimumIncrease = .greatestFiniteMagnitude
        maximumDecrease = -1
        driftDetected = false
    }

    /// Values seen since the last (re)start.
    public var observations: Int { count }
}
