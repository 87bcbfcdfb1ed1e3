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

    /// Creates an empty record.
    public init() {}

    /// The figures now.
    public var snapshot: Snapshot {
        Snapshot(ordersInFlight: inFlight, ordersSent: sent, ordersRefused: refused, unknownOutcomes: unknown.count, fillsBooked: booked,
                 reportsIgnored: ignored, lastReconciliation: reconciliation)
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
