import TradingCore

/// What the trading loop has done on its external venue, for the status route, the console and
/// `/metrics`: orders in flight, sent, refused, with unknown outcomes, and the last reconciliation.
/// The loop updates it; readers take a snapshot.
public actor VenueActivity {
    /// The figures at one moment.
    public struct Snapshot: Sendable, Hashable {
        public let ordersInFlight: Int
        public let ordersSent: Int
        public let ordersRefused: Int
        /// Orders whose submission outcome is not known yet (resolved by query, never resent).
        public let unknownOutcomes: Int
        public let fillsBooked: Int
        /// Reports that named no order in flight or repeated a booked trade.
        public let reportsIgnored: Int
        public let lastReconciliation: Reconciliation?
        /// Of the last live bars that ordered (up to 1,000): milliseconds from the bar reaching the
        /// loop to the step computed, to the step stored, and to its first order handed to the venue;
        /// and from the feed completing the bar's group to that order handed to the venue.
        public let decisionLatency: DecisionLatency?
    }

    /// Percentiles of the live decision path, in milliseconds.
    public struct DecisionLatency: Sendable, Hashable {
        public let samples: Int
        public let stepP50: Double
        public let stepP99: Double
        public let storedP50: Double
        public let storedP99: Double
        public let sendingP50: Double
        public let sendingP99: Double
        /// From the feed completing the group (its last symbol's closing bar) to the first order handed to the venue.
        public let fromFeedP50: Double
        public let fromFeedP99: Double
    }

    /// A reconciliation's outcome.
    public struct Reconciliation: Sendable, Hashable {
        public let time: Timestamp
        public let ordersInFlight: Int
        public let ordersFound: Int
        public let ordersNeverPlaced: Int
        public let fillsBooked: Int
        /// What did not agree (balances, unknown open orders, trades the books lack); empty when clean.
        public let problems: [String]

        /// Creates a reconciliation's record.
        public init(time: Timestamp, ordersInFlight: Int, ordersFound: Int, ordersNeverPlaced: Int, fillsBooked: Int, problems: [String]) {
            self.time = time
            self.ordersInFlight = ordersInFlight
            self.ordersFound = ordersFound
            self.ordersNeverPlaced = ordersNeverPlaced
            self.fillsBooked = fillsBooked
            self.problems = problems
        }
    }

    private var inFlight = 0
    private var sent = 0
    private var refused = 0
    private var unknown: Set<String> = []
    private var booked = 0
    private var ignored = 0
    private var reconciliation: Reconciliation?
    private var latencies: [(step: Double, stored: Double, sending: Double, fromFeed: Double)] = []

    /// Creates an empty record.
    public init() {}

    /// The figures now.
    public var snapshot: Snapshot {
        Snapshot(ordersInFlight: inFlight, ordersSent: sent, ordersRefused: refused, unknownOutcomes: unknown.count, fillsBooked: booked,
                 reportsIgnored: ignored, lastReconciliation: reconciliation, decisionLatency: decisionLatency)
    }

    private var decisionLatency: DecisionLatency? {
        guard !latencies.isEmpty else { return nil }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
        }
        let step = latencies.map(\.step), stored = latencies.map(\.stored), sending = latencies.map(\.sending), fromFeed = latencies.map(\.fromFeed)
        return DecisionLatency(samples: latencies.count, stepP50: percentile(step, 0.5), stepP99: percentile(step, 0.99),
                               storedP50: percentile(stored, 0.5), storedP99: percentile(stored, 0.99),
                               sendingP50: percentile(sending, 0.5), sendingP99: percentile(sending, 0.99),
                               fromFeedP50: percentile(fromFeed, 0.5), fromFeedP99: percentile(fromFeed, 0.99))
    }

    func didDecide(step: Duration, stored: Duration, sending: Duration, fromFeed: Duration) {
        func milliseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
        }
        latencies.append((milliseconds(step), milliseconds(stored), milliseconds(sending), milliseconds(fromFeed)))
        if latencies.count > 1_000 { latencies.removeFirst(latencies.count - 1_000) }
    }

    func setInFlight(_ count: Int) { inFlight = count }

    func didSend(_ clientOrderID: String, outcome: VenueSubmission?) {
        sent += 1
        switch outcome {
        case .accepted: break
        case .rejected, nil: refused += 1
        case .unknown: unknown.insert(clientOrderID)
        }
    }

    func didApply(_ report: ExecutionReport, event: SessionEvent) {
        unknown.remove(report.clientOrderID)
        booked += event.fills.count
        if event.ignoredBecause != nil && report.kind != .accepted { ignored += 1 }
    }

    func didReconcile(_ result: Reconciliation) {
        reconciliation = result
    }
}
