/// Rolling forecast performance per model × horizon × symbol × regime (and per market signature),
/// over the newest `window` outcomes of each key: constant memory per key, O(1) per outcome.
public struct PerformanceTracker: Sendable {
    /// What a series of outcomes is tracked by.
    public struct Key: Sendable, Hashable, Codable, Comparable {
        /// The model version that made the forecasts.
        public let model: String
        /// The horizon label.
        public let horizon: String
        /// The instrument.
        public let symbol: String
        /// BULL, BEAR or UNKNOWN (the market signature's regime).
        public let regime: String

        /// Creates a key.
        public init(model: String, horizon: String, symbol: String, regime: String) {
            self.model = model
            self.horizon = horizon
            self.symbol = symbol
            self.regime = regime
        }

        public static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.model, lhs.horizon, lhs.symbol, lhs.regime) < (rhs.model, rhs.horizon, rhs.symbol, rhs.regime)
        }
    }

    /// The figures of one key over its window.
    public struct Summary: Sendable, Hashable, Codable {
        /// Outcomes in the window, and ever.
        public let count: Int
        public let totalCount: Int
        /// Share of direction hits.
        public let accuracy: Double
        /// Share of realised returns inside the 80 % interval (0.8 when calibrated).
        public let intervalCoverage: Double
        /// Mean Brier score, log loss, squared error and Gaussian log score.
        public let brier: Double
        public let logLoss: Double
        public let meanSquaredError: Double
        public let logScore: Double
        /// The reliability curve over the window (ten equal bins, empty ones left out).
        public let calibration: [ProbabilityScores.CalibrationBin]
    }

    /// One outcome as the window keeps it.
    struct Entry: Sendable {
        let probabilityUp: Double
        let up: Bool
        let outcome: ForecastOutcome
    }

    /// A key's ring buffer and running sums.
    struct Window: Sendable {
        var entries: [Entry] = []
        var next = 0
        var total = 0
        var hits = 0, intervalHits = 0
        var brier = 0.0, logLoss = 0.0, squaredError = 0.0, logScore = 0.0
        var binCounts = [Int](repeating: 0, count: 10), binSums = [Double](repeating: 0, count: 10), binUps = [Int](repeating: 0, count: 10)

        mutating func add(_ entry: Entry, capacity: Int) {
            if entries.count == capacity {
                apply(entries[next], sign: -1)
                entries[next] = entry
                next = (next + 1) % capacity
            } else {
                entries.append(entry)
            }
            apply(entry, sign: 1)
            total += 1
            // Running sums that add and subtract lose what a huge value (a forecast with a
            // near-zero volatility) swamped; recomputing once per full turn keeps it O(1) per outcome.
            if next == 0 && entries.count == capacity { recompute() }
        }

        private mutating func recompute() {
            hits = 0; intervalHits = 0
            brier = 0; logLoss = 0; squaredError = 0; logScore = 0
            binCounts = [Int](repeating: 0, count: 10); binSums = [Double](repeating: 0, count: 10); binUps = [Int](repeating: 0, count: 10)
            for entry in entries { apply(entry, sign: 1) }
        }

        private mutating func apply(_ entry: Entry, sign: Int) {
            let weight = Double(sign)
            if entry.outcome.directionHit { hits += sign }
            if entry.outcome.intervalHit { intervalHits += sign }
            brier += weight * entry.outcome.brier
            logLoss += weight * entry.outcome.logLoss
            squaredError += weight * entry.outcome.squaredError
            logScore += weight * entry.outcome.logScore
            let bin = ProbabilityScores.calibrationBin(entry.probabilityUp, bins: 10)
            binCounts[bin] += sign
            binSums[bin] += weight * entry.probabilityUp
            if entry.up { binUps[bin] += sign }
        }

        var summary: Summary {
            let count = Double(max(entries.count, 1))
            let calibration = (0..<10).compactMap { bin in
                binCounts[bin] <= 0 ? nil : ProbabilityScores.CalibrationBin(
                    lower: Double(bin) / 10, count: binCounts[bin], meanProbability: binSums[bin] / Double(binCounts[bin]),
                    observedFrequency: Double(binUps[bin]) / Double(binCounts[bin]))
            }
            return Summary(count: entries.count, totalCount: total, accuracy: Double(hits) / count, intervalCoverage: Double(intervalHits) / count,
                           brier: brier / count, logLoss: logLoss / count, meanSquaredError: squaredError / count, logScore: logScore / count,
                           calibration: calibration)
        }
    }

    /// Outcomes kept per key.
    public let window: Int
    private var windows: [Key: Window] = [:]
    private var signatures: [MarketSignature: (count: Int, successes: Int)] = [:]

    /// Creates an empty tracker.
    public init(window: Int = 250) {
        precondition(window >= 1)
        self.window = window
    }

    /// Adds one scored outcome.
    public mutating func record(_ outcome: ForecastOutcome, probabilityUp: Double, key: Key, signature: MarketSignature) {
        windows[key, default: Window()].add(Entry(probabilityUp: probabilityUp, up: outcome.realisedLogReturn > 0, outcome: outcome), capacity: window)
        var tally = signatures[signature] ?? (0, 0)
        tally.count += 1
        if outcome.verdict == .success { tally.successes += 1 }
        signatures[signature] = tally
    }

    /// Every key's summary, ordered by key.
    public var summaries: [(key: Key, summary: Summary)] {
        windows.keys.sorted().map { ($0, windows[$0]!.summary) }
    }

    /// The summary of one key.
    public func summary(_ key: Key) -> Summary? { windows[key]?.summary }

    /// Outcomes recorded in all.
    public var totalCount: Int { windows.values.reduce(0) { $0 + $1.total } }

    /// A market signature's record: outcomes ever scored in it and the share judged SUCCESS.
    public struct SignatureRecord: Sendable, Hashable, Codable {
        /// The conditions.
        public let signature: MarketSignature
        /// Outcomes scored in them.
        public let count: Int
        /// Share of SUCCESS.
        public let successRate: Double
    }

    /// Market signatures with at least `minimumCount` outcomes, worst success rate first: where
    /// the forecasts fail.
    public func signatureRecords(minimumCount: Int = 1) -> [SignatureRecord] {
        signatures.compactMap { signature, tally in
            tally.count < minimumCount ? nil : SignatureRecord(signature: signature, count: tally.count,
                                                               successRate: Double(tally.successes) / Double(tally.count))
        }.sorted { ($0.successRate, $0.signature) < ($1.successRate, $1.signature) }
    }
}
