import TradingCore

extension AdaptationScore {
    /// An adaptation score gathered one outcome at a time, so that a reader of many outcomes keeps
    /// only those after a threshold change (and only their probability and return), not every one.
    public struct Measurement: Sendable {
        /// The outcomes that judge one threshold change (of the horizon it is kept under).
        struct Change: Sendable {
            /// nil: the horizon's threshold, every regime.
            let regime: String?
            let after: Timestamp
            /// The same subject's next change (nil: none yet).
            let until: Timestamp?
            let thresholdBefore: Double
            let thresholdAfter: Double
            var outcomes: [(probabilityUp: Double, realisedLogReturn: Double)] = []

            func covers(regime: String, dataTime: Timestamp) -> Bool {
                (self.regime == nil || self.regime == regime) && dataTime > after && (until == nil || dataTime <= until!)
            }
        }

        /// Every threshold change, oldest first (the order the gains are summed in).
        private var changes: [Change] = []
        /// The positions in `changes` of each horizon's changes.
        private var changesByHorizon: [String: [Int]] = [:]
        private let promotionGains: [Double]

        /// Starts a measurement of the signals' threshold changes and promotions.
        public init(signals: [LearningSignal]) {
            let optimizations = signals.filter { $0.kind == .optimization && $0.subject.hasPrefix("threshold ") }.sorted { $0.time < $1.time }
            for (position, change) in optimizations.enumerated() {
                // `threshold 4h` covers the horizon's outcomes, `threshold 4h@BULL` those of the regime.
                let key = change.subject.dropFirst("threshold ".count).split(separator: "@", maxSplits: 1).map(String.init)
                guard let before = change.evidence["threshold_before"], let after = change.evidence["threshold_after"] else { continue }
                let next = optimizations[(position + 1)...].first { $0.subject == change.subject }?.time
                changesByHorizon[key[0], default: []].append(changes.count)
                changes.append(Change(regime: key.count > 1 ? key[1] : nil, after: change.time, until: next, thresholdBefore: before, thresholdAfter: after))
            }
            promotionGains = signals.filter { $0.kind == .adaptation }.compactMap { $0.evidence["improvement_mean"] }
        }

        /// Adds one scored outcome to the changes it judges.
        public mutating func add(horizon: String, regime: String, dataTime: Timestamp, probabilityUp: Double, realisedLogReturn: Double) {
            for position in changesByHorizon[horizon] ?? [] where changes[position].covers(regime: regime, dataTime: dataTime) {
                changes[position].outcomes.append((probabilityUp: probabilityUp, realisedLogReturn: realisedLogReturn))
            }
        }

        /// The score of the outcomes added so far, each change judged by `tuner`'s objective.
        public func score(tuner: ConfidenceThresholdTuner = ConfidenceThresholdTuner()) -> AdaptationScore {
            var judge = tuner
            judge.minimumDecisions = 1
            let gains = changes.compactMap { change -> Double? in
                guard let old = judge.objective(threshold: change.thresholdBefore, outcomes: change.outcomes).value,
                      let new = judge.objective(threshold: change.thresholdAfter, outcomes: change.outcomes).value else { return nil }
                return new - old
            }
            return AdaptationScore(
                thresholdGainPerDecision: gains.isEmpty ? nil : gains.reduce(0, +) / Double(gains.count), thresholdChangesMeasured: gains.count,
                modelGainNats: promotionGains.isEmpty ? nil : promotionGains.reduce(0, +) / Double(promotionGains.count), promotions: promotionGains.count)
        }
    }
}
