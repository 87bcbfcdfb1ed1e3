import Foundation
import Logging
import TradingCore
import TradingEngine

/// Alpaca behind the `ExecutionVenue` port: orders v2 by REST with deterministic client order ids
/// (at most 48 characters), instrument rules from `/v2/assets` checked before anything is sent
/// (whole shares unless the asset is `fractionable`), fills from the account's FILL activities,
/// order ends from the order objects; each trade reported once.
///
/// An order whose answer was lost (5xx, time-out) is `.unknown` and kept in `unresolved` until
/// `resolveUnknownOrders()` finds it by its client order id, or until `unknownOrderWindow` has
/// passed with Alpaca not knowing it: it is never sent again (Alpaca refuses a repeated client
/// order id anyway).
public actor AlpacaVenue: ExecutionVenue {
    public nonisolated let name = "alpaca"
    public let rest: AlpacaRESTClient
    private let clock: @Sendable () -> Timestamp
    private let logger: Logger
    private var rulesCache: [Symbol: InstrumentRules] = [:]
    private var fractionable: [Symbol: Bool] = [:]
    private var lastPrices: [Symbol: FixedDecimal] = [:]
    /// Orders this process knows by client order id, as last seen.
    private var known: [String: VenueOrderState] = [:]
    private var clientIDsByVenueID: [String: String] = [:]
    private var reportedTrades: Set<String> = []
    private var reportedEnds: Set<String> = []
    private var reportedAccepted: Set<String> = []
    /// The newest fill activity time read, and the ids read at it (the next read starts there).
    private var fillCursor: Timestamp
    public private(set) var unresolved: [String: (request: VenueOrderRequest, sentAt: Timestamp)] = [:]
    /// Client order ids being sent now.
    private var inFlight: [String: VenueOrderRequest] = [:]
    /// The engine's symbol of each Alpaca name this process has traded or asked about.
    private var symbolsByAlpacaName: [String: Symbol] = [:]
    private let reports = ExecutionReportBroadcast()
    /// Orders refused before sending, by rule (for metrics).
    public private(set) var refusedByRule: [String: Int] = [:]
    /// The time limit of an order submission (nil: the REST client's); past it the outcome is unknown.
    public let submitTimeout: Duration?
    /// How long an unknown submission may stay unknown to Alpaca before it counts as never placed.
    public let unknownOrderWindow: Duration
    /// The stock market's sessions: no stock order is sent outside them (nil: not checked). Crypto
    /// trades around the clock.
    public let marketHours: AlpacaMarketCalendar?

    /// Creates a venue over the trading REST client; fills are read from `since` on.
    public init(rest: AlpacaRESTClient, clock: @escaping @Sendable () -> Timestamp, since: Timestamp? = nil, submitTimeout: Duration? = nil,
                unknownOrderWindow: Duration = .seconds(60), marketHours: AlpacaMarketCalendar? = nil, logger: Logger = Logger(label: "alpaca.venue")) {
        self.marketHours = marketHours
        self.rest = rest
        self.clock = clock
        self.logger = logger
        self.submitTimeout = submitTimeout
        self.unknownOrderWindow = unknownOrderWindow
        fillCursor = since ?? clock()
    }

    /// Sets the price an order's notional is checked at (the last closed bar's close).
    public func setReferencePrice(_ price: FixedDecimal, for symbol: Symbol) {
        lastPrices[symbol] = price
    }

    public func instrumentRules(for symbols: [Symbol]) async throws -> [Symbol: InstrumentRules] {
        for symbol in symbols where rulesCache[symbol] == nil {
            let market = AlpacaMarketSymbol(symbol)
            let asset: AlpacaJSON
            do {
                asset = try await rest.get("/v2/assets/" + AlpacaRESTClient.encoded(market.alpacaName)).body
            } catch let error as AlpacaAPIError where error.httpStatus == 404 {
                throw VenueError(.unknownSymbol, "Alpaca lists no asset \(market.alpacaName): \(error.message)")
            }
            rulesCache[symbol] = Self.rules(asset, symbol: symbol, market: market)
            symbolsByAlpacaName[market.alpacaName] = symbol
            fractionable[symbol] = asset["fractionable"]?.bool ?? false
        }
        return Dictionary(uniqueKeysWithValues: symbols.compactMap { symbol in rulesCache[symbol].map { (symbol, $0) } })
    }

    /// The rules of an asset: crypto from its increments; a fractionable stock in steps of 10⁻⁹
    /// share with Alpaca's $1 minimum; any other stock in whole shares.
    static func rules(_ asset: AlpacaJSON, symbol: Symbol, market: AlpacaMarketSymbol) -> InstrumentRules {
        let trading = asset["tradable"]?.bool == true && asset["status"]?.string == "active"
        if market.isCrypto {
            let parts = market.alpacaName.split(separator: "/").map(String.init)
            let step = AlpacaOrderMessages.decimal(asset["min_trade_increment"]) ?? FixedDecimal("0.000000001")!
            return InstrumentRules(symbol: symbol, baseAsset: parts[0], quoteAsset: parts.count > 1 ? parts[1] : "USD",
                                   tickSize: AlpacaOrderMessages.decimal(asset["price_increment"]) ?? .zero, stepSize: step,
                                   minimumQuantity: AlpacaOrderMessages.decimal(asset["min_order_size"]) ?? step, isTrading: trading)
        }
        if asset["fractionable"]?.bool == true {
            return InstrumentRules(symbol: symbol, baseAsset: market.alpacaName, quoteAsset: "USD", tickSize: FixedDecimal("0.01")!,
                                   stepSize: FixedDecimal("0.000000001")!, minimumQuantity: FixedDecimal("0.000000001")!,
                                   minimumNotional: FixedDecimal(1), isTrading: trading)
        }
        return InstrumentRules(symbol: symbol, baseAsset: market.alpacaName, quoteAsset: "USD", tickSize: FixedDecimal("0.01")!,
                               stepSize: FixedDecimal(1), minimumQuantity: FixedDecimal(1), isTrading: trading)
    }

    public func submit(_ request: VenueOrderRequest) async throws -> VenueSubmission {
        if let state = known[request.clientOrderID] { return Self.answer(state, to: request) }
        // Sent already and not yet resolved, or being sent now: never sent again.
        if unresolved[request.clientOrderID] != nil || inFlight[request.clientOrderID] != nil {
            return .unknown(reason: "\(request.clientOrderID) was sent and its outcome is not known yet")
        }
        guard request.clientOrderID.count <= 48 else {
            return .rejected(reason: "client order id \(request.clientOrderID) is longer than Alpaca's 48 characters")
        }
        let rules = try await instrumentRules(for: [request.symbol])[request.symbol]!
        guard rules.isTrading else { return refused("TRADING", "\(request.symbol.rawValue) is not tradable at Alpaca now") }
        let reference = request.type.limitPrice?.value ?? request.type.stopPrice?.value ?? lastPrices[request.symbol]
        if let violation = rules.violation(of: request, referencePrice: reference) {
            // A fraction of a share that is not fractionable is named as such.
            let whole = fractionable[request.symbol] == false && !AlpacaMarketSymbol(request.symbol).isCrypto
            return refused(violation.filter, whole ? "\(request.symbol.rawValue) is not fractionable at Alpaca: whole shares only (\(violation.reason))"
                                                   : violation.reason)
        }
        let market = AlpacaMarketSymbol(request.symbol)
        if let marketHours, !market.isCrypto {
            let now = clock()
            if try await !marketHours.isOpen(at: now) {
                let next = try await marketHours.nextOpen(after: now)
                return refused("MARKET_HOURS", "the US stock market is closed at \(now.iso8601)" + (next.map { "; it opens at \($0.iso8601)" } ?? ""))
            }
        }
        // Known as being sent before the request leaves: a stream event that beats the answer finds it.
        inFlight[request.clientOrderID] = request
        symbolsByAlpacaName[market.alpacaName] = request.symbol
        defer { inFlight[request.clientOrderID] = nil }
        let sentAt = clock()
        do {
            let response = try await rest.post("/v2/orders", body: AlpacaOrderMessages.body(request, symbol: market.alpacaName), timeout: submitTimeout)
            let state = try AlpacaOrderMessages.state(response.body, symbol: request.symbol)
            record(state)
            reportAccepted(state)
            return .accepted(state)
        } catch let error as AlpacaAPIError where error.httpStatus == 422 && error.message.contains("client_order_id") {
            // The id was used before (an earlier run sent it): the order that holds it is the answer
            // when it is this order; another order under the id is a refusal, never adopted.
            do {
                guard let state = try await order(clientOrderID: request.clientOrderID, symbol: request.symbol) else {
                    return .rejected(reason: "Alpaca refused the order: \(error)")
                }
                let answer = Self.answer(state, to: request)
                if case .accepted = answer { reportAccepted(state) }
                return answer
            } catch {
                return unknown(request, sentAt: sentAt, because: "the order holding \(request.clientOrderID) could not be read: \(error)")
            }
        } catch let error as AlpacaAPIError where [403, 422].contains(error.httpStatus) {
            // 403: buying power or shares not sufficient; 422: a parameter Alpaca does not take.
            return .rejected(reason: "Alpaca refused the order: \(error)")
        } catch let error as AlpacaAPIError where error.httpStatus < 500 {
            return .rejected(reason: "Alpaca refused the order: \(error)")
        } catch let error as VenueError where error.kind == .unreachable || error.kind == .rateLimited || error.kind == .unauthorized {
            // Nothing left this process (no connection, a 429, a refused key): nothing was placed.
            throw error
        } catch {
            // A time-out, a 5xx, or an answer that could not be read after the request left: the order may exist.
            return unknown(request, sentAt: sentAt, because: "\(error)")
        }
    }

    /// The order holding a request's client order id as the answer to it when it is that order
    /// (same symbol, side and quantity); another order under the id is a refusal, never adopted.
    static func answer(_ state: VenueOrderState, to request: VenueOrderRequest) -> VenueSubmission {
        guard state.symbol == request.symbol, state.side == request.side, state.quantity == request.quantity else {
            return .rejected(reason: "client order id \(request.clientOrderID) belongs to another order at Alpaca (\(state.side.rawValue) \(state.quantity))")
        }
        return .accepted(state)
    }

    /// An order whose outcome is not known: kept to be resolved by its client order id.
    private func unknown(_ request: VenueOrderRequest, sentAt: Timestamp, because reason: String) -> VenueSubmission {
        unresolved[request.clientOrderID] = (request, sentAt)
        logger.warning("order outcome unknown; it will be resolved by its client order id", metadata: ["client_order_id": "\(request.clientOrderID)"])
        return .unknown(reason: reason)
    }

    private func refused(_ rule: String, _ reason: String) -> VenueSubmission {
        refusedByRule[rule, default: 0] += 1
        return .rejected(reason: "\(rule): \(reason)")
    }

    public func cancel(clientOrderID: String, symbol: Symbol) async throws -> VenueOrderState? {
        guard let current = try await order(clientOrderID: clientOrderID, symbol: symbol), let venueID = current.venueOrderID else { return nil }
        guard !current.status.isTerminal else { return current }
        do {
            _ = try await rest.delete("/v2/orders/" + AlpacaRESTClient.encoded(venueID))
        } catch let error as AlpacaAPIError where error.httpStatus == 404 {
            return nil
        } catch let error as AlpacaAPIError where error.httpStatus == 422 {
            // Already filled, cancelled or expired: its state says which.
            logger.info("cancel refused: the order has ended", metadata: ["client_order_id": "\(clientOrderID)", "reason": "\(error.message)"])
        }
        guard let after = try await order(clientOrderID: clientOrderID, symbol: symbol) else { return nil }
        try await reportChanges(after)
        return after
    }

    public func order(clientOrderID: String, symbol: Symbol) async throws -> VenueOrderState? {
        do {
            let response = try await rest.get("/v2/orders:by_client_order_id", query: [("client_order_id", clientOrderID)])
            let state = try AlpacaOrderMessages.state(response.body, symbol: symbol)
            // Remembered, so its fills and stream events are matched to it (after a restart too).
            record(state)
            return state
        } catch let error as AlpacaAPIError where error.httpStatus == 404 {
            return nil
        }
    }

    public func openOrders(symbols: [Symbol]) async throws -> [VenueOrderState] {
        let markets = symbols.map(AlpacaMarketSymbol.init)
        let bySymbol = Dictionary(markets.map { ($0.alpacaName, $0.symbol) }, uniquingKeysWith: { first, _ in first })
        let response = try await rest.get("/v2/orders", query: [("status", "open"), ("limit", "500"), ("direction", "asc"),
                                                                ("symbols", markets.map(\.alpacaName).joined(separator: ","))])
        return try (response.body.array ?? []).compactMap { order in
            guard let name = order["symbol"]?.string, let symbol = bySymbol[name] ?? bySymbol[name.replacingOccurrences(of: "/", with: "")] else { return nil }
            return try AlpacaOrderMessages.state(order, symbol: symbol)
        }
    }

    public func balances() async throws -> [String: VenueBalance] {
        let account = try await rest.get("/v2/account").body
        guard let cash = AlpacaOrderMessages.decimal(account["cash"]) else { throw VenueError(.malformedResponse, "the account has no cash") }
        var balances = ["USD": VenueBalance(asset: "USD", free: cash, locked: .zero)]
        for position in try await rest.get("/v2/positions").body.array ?? [] {
            guard let name = position["symbol"]?.string?.trimmingCharacters(in: .whitespaces), let quantity = AlpacaOrderMessages.decimal(position["qty"]) else { continue }
            let asset = name.contains("/") ? String(name.split(separator: "/")[0]) : name
            balances[asset] = VenueBalance(asset: asset, free: AlpacaOrderMessages.decimal(position["qty_available"]) ?? quantity, locked: .zero)
        }
        return balances
    }

    public func fills(symbol: Symbol, since: Timestamp) async throws -> [VenueFill] {
        try await fillActivities(after: since).compactMap { activity in activity.fill.symbol == symbol ? activity.fill : nil }
    }

    /// The state of the order with Alpaca id `venueID`, read when this process does not know it yet.
    private func knownOrder(venueID: String, alpacaName: String) async throws -> VenueOrderState? {
        if let clientID = clientIDsByVenueID[venueID], let state = known[clientID] { return state }
        let symbol = engineSymbol(alpacaName)
        do {
            let state = try AlpacaOrderMessages.state(try await rest.get("/v2/orders/" + AlpacaRESTClient.encoded(venueID)).body, symbol: symbol)
            record(state)
            return state
        } catch let error as AlpacaAPIError where error.httpStatus == 404 {
            return nil
        }
    }

    /// The engine's symbol of an Alpaca name (`BTC/USD` is the engine's `BTC-USD` unless this process traded it under another name).
    func engineSymbol(_ alpacaName: String) -> Symbol {
        let name = alpacaName.trimmingCharacters(in: .whitespaces)
        return symbolsByAlpacaName[name] ?? Symbol(name.replacingOccurrences(of: "/", with: "-")) ?? Symbol("UNKNOWN")!
    }

    /// An execution's id, the same whichever path told of it: its order and the order's filled
    /// quantity after it (which only grows). The FILL activities and the `trade_updates` stream
    /// name executions differently, so neither's own id can join them.
    static func tradeID(order: String, cumulative: FixedDecimal) -> String {
        "\(order)@\(cumulative)"
    }

    /// FILL activities after `time`, oldest first, every page; each with its order's venue id and cumulative quantity.
    func fillActivities(after time: Timestamp) async throws -> [(fill: VenueFill, venueOrderID: String, cumulative: FixedDecimal, final: Bool)] {
        var result: [(fill: VenueFill, venueOrderID: String, cumulative: FixedDecimal, final: Bool)] = []
        var token: String?
        for _ in 0..<1_000 {
            var query: [(String, String)] = [("after", time.iso8601), ("direction", "asc"), ("page_size", "100")]
            if let token { query.append(("page_token", token)) }
            let page = try await rest.get("/v2/account/activities/FILL", query: query).body.array ?? []
            for activity in page {
                guard activity["id"]?.string != nil, let orderID = activity["order_id"]?.string, let name = activity["symbol"]?.string,
                      let side = activity["side"]?.string.flatMap(OrderSide.init(rawValue:)), let quantity = AlpacaOrderMessages.decimal(activity["qty"]),
                      let price = AlpacaOrderMessages.decimal(activity["price"]), let when = AlpacaOrderMessages.time(activity["transaction_time"]) else {
                    logger.warning("a FILL activity without its fields was skipped")
                    continue
                }
                // The order's own state names the client order id: an order this process has not seen (sent
                // before a restart, or whose answer is still awaited) is read by its id.
                guard let state = try await knownOrder(venueID: orderID, alpacaName: name) else { continue }
                let clientID = state.clientOrderID, symbol = state.symbol
                // The cumulative quantity names the execution (the stream names it the same way); without it the activity is skipped.
                guard let cumulative = AlpacaOrderMessages.decimal(activity["cum_qty"]) else {
                    logger.warning("a FILL activity without cum_qty was skipped", metadata: ["order_id": "\(orderID)"])
                    continue
                }
                let fill = VenueFill(tradeID: Self.tradeID(order: orderID, cumulative: cumulative), clientOrderID: clientID, symbol: symbol, side: side,
                                     quantity: quantity, price: price, fee: .zero, feeAsset: "USD", time: when)
                result.append((fill, orderID, cumulative,
                               activity["type"]?.string == "fill" || AlpacaOrderMessages.decimal(activity["leaves_qty"])?.isZero == true))
            }
            guard page.count == 100, let last = page.last?["id"]?.string else { break }
            token = last
        }
        return result
    }

    public func executionReports() async -> AsyncStream<ExecutionReport> {
        reports.subscribe()
    }

    /// Resolves unknown submissions, then reads new fills and the state of working orders: the
    /// REST path of execution reports.
    public func synchronize() async throws {
        try await resolveUnknownOrders()
        try await poll()
    }

    /// Reads the FILL activities since the last read (each reported once) and the state of every
    /// working order (its end reported once).
    public func poll() async throws {
        // A minute of overlap (an activity can become visible after a later one), and never after an
        // order still unresolved was sent: re-read activities are told apart by their ids.
        var start = fillCursor.adding(milliseconds: -60_000)
        if let oldest = unresolved.values.map(\.sentAt).min() { start = min(start, oldest.adding(milliseconds: -1_000)) }
        let activities = try await fillActivities(after: start)
        for activity in activities {
            fillCursor = max(fillCursor, activity.fill.time)
            let clientID = activity.fill.clientOrderID
            guard let state = known[clientID], reportedTrades.insert(activity.fill.tradeID).inserted else { continue }
            publish(ExecutionReport(kind: activity.final ? .fill : .partialFill, clientOrderID: clientID, venueOrderID: activity.venueOrderID,
                                    symbol: state.symbol, side: state.side, quantity: state.quantity, cumulativeQuantity: activity.cumulative,
                                    fill: activity.fill, time: activity.fill.time))
            if activity.final { reportedEnds.insert(clientID) }
        }
        // The working orders' states: in one request for the newest 500 orders of their symbols (a
        // request per order would spend the rate budget the orders need); one not among them is asked alone.
        let working = known.values.filter { !$0.status.isTerminal }
        var current: [String: VenueOrderState] = [:]
        if working.count > 1 {
            let markets = Set(working.map(\.symbol)).map(AlpacaMarketSymbol.init)
            let bySymbol = Dictionary(markets.map { ($0.alpacaName, $0.symbol) }, uniquingKeysWith: { first, _ in first })
            let response = try await rest.get("/v2/orders", query: [("status", "all"), ("limit", "500"), ("direction", "desc"),
                                                                    ("symbols", markets.map(\.alpacaName).sorted().joined(separator: ","))])
            for order in response.body.array ?? [] {
                guard let name = order["symbol"]?.string, let symbol = bySymbol[name], let state = try? AlpacaOrderMessages.state(order, symbol: symbol) else { continue }
                current[state.clientOrderID] = state
            }
        }
        for state in working {
            if let listed = current[state.clientOrderID] {
                try await reportChanges(listed)
            } else if let asked = try await order(clientOrderID: state.clientOrderID, symbol: state.symbol) {
                try await reportChanges(asked)
            }
        }
    }

    /// Takes a report of the `trade_updates` stream: the order's state recorded, and each
    /// execution, acceptance and ending passed on once, whichever path (stream or polling) told of it first.
    public func receive(_ report: ExecutionReport, state: VenueOrderState?) {
        guard let current = state ?? known[report.clientOrderID] else { return }
        if let previous = known[report.clientOrderID], previous.filledQuantity > current.filledQuantity {
            // An older state arriving late changes nothing but its own execution, reported below.
        } else {
            record(current)
        }
        switch report.kind {
        case .accepted:
            reportAccepted(current)
            return
        case .partialFill, .fill:
            guard let fill = report.fill, reportedTrades.insert(fill.tradeID).inserted else { return }
            if report.kind == .fill { reportedEnds.insert(report.clientOrderID) }
        case .cancelled, .expired, .rejected:
            guard reportedEnds.insert(report.clientOrderID).inserted else { return }
        }
        publish(report)
    }

    /// The engine symbol of an order this process knows.
    public func symbol(of clientOrderID: String) -> Symbol? {
        known[clientOrderID]?.symbol ?? unresolved[clientOrderID]?.request.symbol ?? inFlight[clientOrderID]?.symbol
    }

    /// The client order id of a venue order this process sent (nil for another's: its events are ignored).
    public func knows(venueOrderID: String) -> String? {
        clientIDsByVenueID[venueOrderID]
    }

    /// Records an order's newest state and reports its end (cancelled, expired, rejected) once.
    private func reportChanges(_ state: VenueOrderState) async throws {
        record(state)
        guard let kind = ExecutionReport.Kind(ending: state.status), kind != .fill, reportedEnds.insert(state.clientOrderID).inserted else { return }
        publish(ExecutionReport(kind: kind, clientOrderID: state.clientOrderID, venueOrderID: state.venueOrderID, symbol: state.symbol, side: state.side,
                                quantity: state.quantity, cumulativeQuantity: state.filledQuantity, reason: "Alpaca: \(state.status.rawValue)",
                                time: state.updatedAt))
    }

    /// Resolves every unknown submission by its client order id: found, it is recorded and reported;
    /// still unknown after `unknownOrderWindow`, it is dropped as never placed. Returns both lists.
    @discardableResult
    public func resolveUnknownOrders() async throws -> (placed: [String], neverPlaced: [String]) {
        var placed: [String] = [], neverPlaced: [String] = []
        for (clientID, entry) in unresolved.sorted(by: { $0.key < $1.key }) {
            if let state = try await order(clientOrderID: clientID, symbol: entry.request.symbol) {
                unresolved[clientID] = nil
                record(state)
                reportAccepted(state)
                placed.append(clientID)
            } else if clock().millisecondsSinceEpoch > entry.sentAt.millisecondsSinceEpoch + Int64(unknownOrderWindow.components.seconds) * 1_000 {
                unresolved[clientID] = nil
                neverPlaced.append(clientID)
                publish(ExecutionReport(kind: .rejected, clientOrderID: clientID, venueOrderID: nil, symbol: entry.request.symbol, side: entry.request.side,
                                        quantity: entry.request.quantity, cumulativeQuantity: .zero,
                                        reason: "never placed: unknown to Alpaca \(unknownOrderWindow) after it was sent", time: clock()))
            }
        }
        return (placed, neverPlaced)
    }

    /// The order's acceptance, passed on once whichever path told of it first.
    private func reportAccepted(_ state: VenueOrderState) {
        guard reportedAccepted.insert(state.clientOrderID).inserted else { return }
        publish(ExecutionReport(kind: .accepted, clientOrderID: state.clientOrderID, venueOrderID: state.venueOrderID, symbol: state.symbol,
                                side: state.side, quantity: state.quantity, cumulativeQuantity: .zero, time: state.updatedAt))
    }

    private func record(_ state: VenueOrderState) {
        known[state.clientOrderID] = state
        if let venueID = state.venueOrderID { clientIDsByVenueID[venueID] = state.clientOrderID }
    }

    private func publish(_ report: ExecutionReport) {
        reports.publish(report)
    }
}
