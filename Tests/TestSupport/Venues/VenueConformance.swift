import TradingCore
import TradingEngine

/// A venue under test and a way to make its market trade, so one suite can check every venue.
public protocol VenueHarness: Sendable {
    /// The venue.
    var venue: any ExecutionVenue { get }
    /// A symbol the venue lists, with a lot step of at most 0.001 and no minimum notional above 20.
    var symbol: Symbol { get }
    /// The quote asset of `symbol`, funded with at least 100,000.
    var quoteAsset: String { get }
    /// The market trades one bar of `symbol` (open, high, low, close) and the venue matches its
    /// working orders against it.
    func trade(open: String, high: String, low: String, close: String) async throws
}

/// A check that failed, with what was expected and what came.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String

    /// Creates a failure.
    public init(_ description: String) { self.description = description }
}

/// The behaviours every `ExecutionVenue` must show, the same for the simulator and each real venue
/// (against its stub), so that a strategy cannot tell them apart. Each case throws a
/// `ConformanceFailure` naming what differed.
public enum VenueConformance {
    /// The names of the cases, for `@Test(arguments:)`.
    public static let caseNames = cases.map(\.name)

    /// Runs the case called `name` on a fresh harness.
    public static func run(_ name: String, on harness: any VenueHarness) async throws {
        guard let check = cases.first(where: { $0.name == name })?.check else { throw ConformanceFailure("no case \(name)") }
        try await check(harness)
    }

    static let cases: [(name: String, check: @Sendable (any VenueHarness) async throws -> Void)] = [
        ("a market order is accepted, then filled with a fee", marketOrderFills),
        ("the same client order id twice is one order", idempotentSubmission),
        ("an unknown client order id is nil", unknownOrderIsNil),
        ("a working limit order is listed open and can be cancelled", limitOrderCancels),
        ("an order breaking the lot step is refused", lotStepRefused),
        ("balances move by the fill", balancesMove),
        ("fills are listed for reconciliation", fillsListed),
    ]

    static func marketOrderFills(_ harness: any VenueHarness) async throws {
        let reports = ReportCollector(await harness.venue.executionReports())
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        let submission = try await harness.venue.submit(VenueOrderRequest(clientOrderID: "conf-market-1", symbol: harness.symbol, side: .buy,
                                                                          quantity: FixedDecimal("0.5")!))
        guard case .accepted(let state) = submission else { throw ConformanceFailure("expected accepted, got \(submission)") }
        try expect(state.clientOrderID == "conf-market-1", "the accepted state carries the client order id, got \(state.clientOrderID)")
        try await harness.trade(open: "100", high: "102", low: "98", close: "101")
        let fill = try await reports.first { $0.clientOrderID == "conf-market-1" && $0.kind == .fill }
        try expect(fill.cumulativeQuantity == FixedDecimal("0.5")!, "the fill completes the order, got \(fill.cumulativeQuantity)")
        guard let trade = fill.fill else { throw ConformanceFailure("the fill report carries no trade") }
        try expect(trade.quantity == FixedDecimal("0.5")! && trade.price.isPositive, "the trade's quantity and price, got \(trade)")
        try expect(!trade.fee.isNegative, "the fee is not negative, got \(trade.fee)")
        let final = try await harness.venue.order(clientOrderID: "conf-market-1", symbol: harness.symbol)
        try expect(final?.status == .filled, "the queried order is filled, got \(String(describing: final?.status))")
    }

    static func idempotentSubmission(_ harness: any VenueHarness) async throws {
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        let request = VenueOrderRequest(clientOrderID: "conf-twice-1", symbol: harness.symbol, side: .buy, type: .limit(Price("90")!),
                                        quantity: FixedDecimal("0.25")!)
        let first = try await harness.venue.submit(request)
        let second = try await harness.venue.submit(request)
        guard case .accepted(let one) = first, case .accepted(let two) = second else {
            throw ConformanceFailure("both submissions answer the one order, got \(first) and \(second)")
        }
        try expect(one.venueOrderID == two.venueOrderID, "one venue order, got \(String(describing: one.venueOrderID)) and \(String(describing: two.venueOrderID))")
        let open = try await harness.venue.openOrders(symbols: [harness.symbol]).filter { $0.clientOrderID == "conf-twice-1" }
        try expect(open.count == 1, "one open order under the id, got \(open.count)")
    }

    static func unknownOrderIsNil(_ harness: any VenueHarness) async throws {
        let state = try await harness.venue.order(clientOrderID: "conf-never-sent", symbol: harness.symbol)
        try expect(state == nil, "no order, got \(String(describing: state))")
        let cancelled = try await harness.venue.cancel(clientOrderID: "conf-never-sent", symbol: harness.symbol)
        try expect(cancelled == nil, "cancelling nothing is nil, got \(String(describing: cancelled))")
    }

    static func limitOrderCancels(_ harness: any VenueHarness) async throws {
        let reports = ReportCollector(await harness.venue.executionReports())
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        _ = try await harness.venue.submit(VenueOrderRequest(clientOrderID: "conf-limit-1", symbol: harness.symbol, side: .buy,
                                                             type: .limit(Price("50")!), quantity: FixedDecimal("1")!))
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        let open = try await harness.venue.openOrders(symbols: [harness.symbol])
        try expect(open.contains { $0.clientOrderID == "conf-limit-1" && !$0.status.isTerminal }, "the limit order is open, got \(open)")
        let cancelled = try await harness.venue.cancel(clientOrderID: "conf-limit-1", symbol: harness.symbol)
        try expect(cancelled?.status == .cancelled, "cancel answers cancelled, got \(String(describing: cancelled?.status))")
        _ = try await reports.first { $0.clientOrderID == "conf-limit-1" && $0.kind == .cancelled }
        let after = try await harness.venue.openOrders(symbols: [harness.symbol])
        try expect(!after.contains { $0.clientOrderID == "conf-limit-1" }, "no longer open, got \(after)")
    }

    static func lotStepRefused(_ harness: any VenueHarness) async throws {
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        let rules = try await harness.venue.instrumentRules(for: [harness.symbol])[harness.symbol]
        guard let rules, rules.stepSize.isPositive else { throw ConformanceFailure("the symbol has a lot step, got \(String(describing: rules))") }
        let offStep = FixedDecimal(1) + FixedDecimal(units: rules.stepSize.units / 2 == 0 ? 1 : rules.stepSize.units / 2)
        let request = VenueOrderRequest(clientOrderID: "conf-offstep-1", symbol: harness.symbol, side: .buy, quantity: offStep)
        try expect(rules.violation(of: request, referencePrice: FixedDecimal(100))?.filter.hasSuffix("LOT_SIZE") == true,
                   "the rules name the lot filter for \(offStep)")
        let submission = try await harness.venue.submit(request)
        guard case .rejected = submission else { throw ConformanceFailure("an off-step quantity is rejected, got \(submission)") }
        let state = try await harness.venue.order(clientOrderID: "conf-offstep-1", symbol: harness.symbol)
        try expect(state == nil, "a rejected order does not exist, got \(String(describing: state))")
    }

    static func balancesMove(_ harness: any VenueHarness) async throws {
        let reports = ReportCollector(await harness.venue.executionReports())
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        let before = try await harness.venue.balances()
        let rules = try await harness.venue.instrumentRules(for: [harness.symbol])[harness.symbol]!
        _ = try await harness.venue.submit(VenueOrderRequest(clientOrderID: "conf-balance-1", symbol: harness.symbol, side: .buy, quantity: FixedDecimal(2)))
        try await harness.trade(open: "100", high: "100", low: "100", close: "100")
        let fill = try await reports.first { $0.clientOrderID == "conf-balance-1" && $0.kind == .fill }
        let after = try await harness.venue.balances()
        let baseChange = (after[rules.baseAsset]?.total ?? .zero) - (before[rules.baseAsset]?.total ?? .zero)
        let quoteChange = (after[rules.quoteAsset]?.total ?? .zero) - (before[rules.quoteAsset]?.total ?? .zero)
        let trade = fill.fill!
        let notional = try trade.quantity.multiplied(by: trade.price)
        let feeInBase = trade.feeAsset == rules.baseAsset ? trade.fee : .zero
        let feeInQuote = trade.feeAsset == rules.quoteAsset ? trade.fee : .zero
        try expect(baseChange == FixedDecimal(2) - feeInBase, "the base balance grows by the quantity less a base fee, got \(baseChange)")
        try expect(quoteChange == -notional - feeInQuote, "the quote balance falls by the notional and a quote fee, got \(quoteChange) for \(notional)")
    }

    static func fillsListed(_ harness: any VenueHarness) async throws {
        let reports = ReportCollector(await harness.venue.executionReports())
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        let start = Timestamp(millisecondsSinceEpoch: 0)
        let before = try await harness.venue.fills(symbol: harness.symbol, since: start)
        _ = try await harness.venue.submit(VenueOrderRequest(clientOrderID: "conf-fills-1", symbol: harness.symbol, side: .buy, quantity: FixedDecimal(1)))
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        let fill = try await reports.first { $0.clientOrderID == "conf-fills-1" && $0.kind == .fill }
        let after = try await harness.venue.fills(symbol: harness.symbol, since: start)
        try expect(after.count == before.count + 1, "one more fill listed, got \(before.count) then \(after.count)")
        try expect(after.last?.tradeID == fill.fill?.tradeID && after.last?.clientOrderID == "conf-fills-1",
                   "the listed fill is the reported one, got \(String(describing: after.last))")
    }

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ConformanceFailure(message()) }
    }
}

/// Collects a venue's execution reports so a check can wait for one. The limit is long (a minute) because
/// the whole suite shares two cores: it only matters when a report never comes.
public actor ReportCollector {
    private var received: [ExecutionReport] = []
    private var task: Task<Void, Never>?

    /// Starts collecting `stream`.
    public init(_ stream: AsyncStream<ExecutionReport>) {
        task = nil
        Task { await self.start(stream) }
    }

    private func start(_ stream: AsyncStream<ExecutionReport>) {
        task = Task { for await report in stream { self.append(report) } }
    }

    private func append(_ report: ExecutionReport) { received.append(report) }

    /// Every report so far.
    public var all: [ExecutionReport] { received }

    /// The first report matching `predicate`, waiting for it up to `timeout`.
    public func first(timeout: Duration = .seconds(60), where predicate: @Sendable (ExecutionReport) -> Bool) async throws -> ExecutionReport {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let report = received.first(where: predicate) { return report }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw ConformanceFailure("no matching execution report within \(timeout); received \(received.map { "\($0.clientOrderID) \($0.kind.rawValue)" })")
    }

    deinit { task?.cancel() }
}
