import Foundation
import Logging
import TradingCore
import TradingEngine

/// Binance Spot behind the `ExecutionVenue` port: orders by REST with deterministic client order
/// ids, rules from `exchangeInfo` checked before anything is sent, execution reports from the
/// order answers, from `poll()` of working orders and from the account stream, each trade
/// reported once.
///
/// An order whose answer was lost (5xx, time-out) is `.unknown` and kept in `unresolved` until
/// `resolveUnknownOrders()` finds it by its client order id, or until its receive window has
/// passed with the exchange not knowing it (the exchange refuses a request older than its
/// `recvWindow`, so the order can no longer appear): it is never sent again.
public actor BinanceVenue: ExecutionVenue {
    public nonisolated let name = "binance"
    public let rest: BinanceRESTClient
    private let budget: BinanceRateBudget
    private let logger: Logger
    private var rulesCache: [Symbol: InstrumentRules] = [:]
    private var lastPrices: [Symbol: FixedDecimal] = [:]
    /// Orders this process knows by client order id, as last seen.
    private var known: [String: VenueOrderState] = [:]
    /// When each known order was last heard of (its answer, a stream report or a poll).
    private var lastHeard: [String: ContinuousClock.Instant] = [:]
    /// How long a working order goes unheard before `synchronize()` asks the exchange about it.
    /// While the account stream reports, nothing is asked: querying every working order each
    /// second (the runner's interval) spent a REST request per order beside the stream's report,
    /// sharing the connection pool and the rate budget with the next bar's orders.
    public private(set) var quietPeriod: Duration = .seconds(5)
    private var clientIDsByVenueID: [String: String] = [:]
    private var reportedTrades: Set<String> = []
    private var reportedAccepted: Set<String> = []
    private var reportedTerminal: Set<String> = []
    /// The trades reported of each order, to forget with it.
    private var reportedTradesByOrder: [String: [String]] = [:]
    /// Orders that ended, oldest first (from `endedStart` on): past `rememberedEndedOrders` the
    /// oldest is forgotten — its state, ids and trades — so a venue that runs for months holds a
    /// bounded record. A late repeat of a forgotten order's report reaches the session, which
    /// ignores it: the order is no longer in flight there.
    private var ended: [String] = []
    private var endedStart = 0
    private var endedOrders: Set<String> = []
    /// How many ended orders are remembered.
    public let rememberedEndedOrders: Int
    /// Client order ids being submitted now.
    private var inFlight: [String: VenueOrderRequest] = [:]
    /// Client order ids whose submission outcome is unknown, with when they were sent.
    public private(set) var unresolved: [String: (request: VenueOrderRequest, sentAt: Timestamp)] = [:]
    private let reports = ExecutionReportBroadcast()
    /// Orders refused before sending, by filter (for metrics).
    public private(set) var refusedByRule: [String: Int] = [:]

    /// The time limit of an order submission (nil: the REST client's); past it the outcome is unknown.
    public let submitTimeout: Duration?

    /// Creates a venue over a trading REST client.
    public init(rest: BinanceRESTClient, budget: BinanceRateBudget, submitTimeout: Duration? = nil, rememberedEndedOrders: Int = 10_000,
                logger: Logger = Logger(label: "binance.venue")) {
        self.rest = rest
        self.rememberedEndedOrders = max(1, rememberedEndedOrders)
        self.submitTimeout = submitTimeout
        self.budget = budget
        self.logger = logger
    }

    /// Sets the price a market order's notional is checked at (the last closed bar's close).
    public func setReferencePrice(_ price: FixedDecimal, for symbol: Symbol) {
        lastPrices[symbol] = price
    }

    public func instrumentRules(for symbols: [Symbol]) async throws -> [Symbol: InstrumentRules] {
        let missing = symbols.filter { rulesCache[$0] == nil }
        if !missing.isEmpty {
            let list = "[" + missing.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]"
            let response: BinanceRESTClient.Response
            do {
                response = try await rest.publicCall("GET", "/api/v3/exchangeInfo", query: BinanceQuery([("symbols", list)]), weight: 20)
            } catch let error as BinanceAPIError where error.code == -1121 {
                throw VenueError(.unknownSymbol, "the exchange does not list \(missing.map(\.rawValue).joined(separator: ", ")): \(error.message)")
            }
            let info: BinanceExchangeInfo
            do {
                info = try BinanceExchangeInfo(json: response.body)
            } catch {
                throw VenueError(.malformedResponse, String(describing: error))
            }
            await budget.update(limits: info.rateLimits)
            rulesCache.merge(info.rules) { _, new in new }
            if let absent = missing.first(where: { info.rules[$0] == nil }) {
                throw VenueError(.unknownSymbol, "the exchange does not list \(absent.rawValue)")
            }
        }
        return Dictionary(uniqueKeysWithValues: symbols.compactMap { symbol in rulesCache[symbol].map { (symbol, $0) } })
    }

    public func submit(_ request: VenueOrderRequest) async throws -> VenueSubmission {
        if let existing = known[request.clientOrderID] { return .accepted(existing) }
        if unresolved[request.clientOrderID] != nil || inFlight[request.clientOrderID] != nil {
            return .unknown(reason: "the earlier submission of \(request.clientOrderID) is not resolved yet; it is never sent twice")
        }
        // Reserved before the first suspension: a second submit of the id meanwhile sends nothing.
        inFlight[request.clientOrderID] = request
        defer { inFlight[request.clientOrderID] = nil }
        guard BinanceClientOrderID.isValid(request.clientOrderID) else {
            return .rejected(reason: "client order id \(request.clientOrderID) is not 1-36 characters of A-Z a-z 0-9 . : / _ -")
        }
        let rules = try await instrumentRules(for: [request.symbol])[request.symbol]!
        if let violation = rules.violation(of: request, referencePrice: lastPrices[request.symbol]) {
            refusedByRule[violation.filter, default: 0] += 1
            return .rejected(reason: violation.description)
        }
        // Refused before anything is sent: what this connector does not send (Binance has no day orders).
        if request.timeInForce == .day {
            refusedByRule["TIME_IN_FORCE", default: 0] += 1
            return .rejected(reason: "TIME_IN_FORCE: Binance has no day orders; use gtc or ioc")
        }
        var query = BinanceQuery([("symbol", request.symbol.rawValue), ("side", request.side == .buy ? "BUY" : "SELL")])
        switch request.type {
        case .market:
            query.append("type", "MARKET")
        case .limit(let price):
            query.append("type", "LIMIT")
            query.append("timeInForce", request.timeInForce == .immediateOrCancel ? "IOC" : "GTC")
            query.append("price", price.value.description)
        case .stop(let price):
            query.append("type", "STOP_LOSS")
            query.append("stopPrice", price.value.description)
        case .stopLimit:
            refusedByRule["ORDER_TYPE", default: 0] += 1
            return .rejected(reason: "ORDER_TYPE: this connector does not send stop-limit orders to Binance yet (STOP_LOSS_LIMIT is not built)")
        }
        query.append("quantity", request.quantity.description)
        query.append("newClientOrderId", request.clientOrderID)
        query.append("newOrderRespType", "FULL")
        let response: BinanceRESTClient.Response
        do {
            response = try await rest.signedCall("POST", "/api/v3/order", query: query, weight: 1, orders: 1, timeout: submitTimeout)
        } catch let error as BinanceOutcomeUnknown {
            // The account stream may have told of the order while its answer was awaited: then it is known.
            if let state = known[request.clientOrderID] { return .accepted(state) }
            // Stamped no later than now (after any budget wait or resync): the receive window counts from here.
            unresolved[request.clientOrderID] = (request, await rest.serverTimeEstimate)
            logger.warning("order outcome unknown: it will be resolved by query, never resent", metadata: ["client_order_id": "\(request.clientOrderID)"])
            return .unknown(reason: error.description)
        } catch let error as BinanceAPIError where error.isDuplicateOrder {
            if let state = try await order(clientOrderID: request.clientOrderID, symbol: request.symbol) {
                record(state, fills: state.filledQuantity.isPositive ? try await trades(of: state) : [])
                return .accepted(state)
            }
            return .rejected(reason: error.description)
        } catch let error as BinanceAPIError {
            return .rejected(reason: error.description)
        }
        // The exchange has the order: an answer we cannot read leaves it to be resolved by query.
        do {
            let body = try await rest.decode(BinanceOrderMessages.OrderBody.self, response, what: "new order")
            let state = try BinanceOrderMessages.state(body, fallbackTime: await rest.serverTimeEstimate)
            record(state, fills: try BinanceOrderMessages.fills(body, state: state))
            return .accepted(state)
        } catch {
            unresolved[request.clientOrderID] = (request, await rest.serverTimeEstimate)
            return .unknown(reason: "the exchange accepted the order but its answer could not be read (\(error)); it will be resolved by query")
        }
    }

    public func cancel(clientOrderID: String, symbol: Symbol) async throws -> VenueOrderState? {
        do {
            let response = try await rest.signedCall("DELETE", "/api/v3/order", query: BinanceQuery([("symbol", symbol.rawValue), ("origClientOrderId", clientOrderID)]),
                                                     weight: 1)
            let body = try await rest.decode(BinanceOrderMessages.OrderBody.self, response, what: "cancel")
            let state = try BinanceOrderMessages.state(body, fallbackTime: await rest.serverTimeEstimate)
            record(state, fills: [])
            return state
        } catch let error as BinanceAPIError where error.isUnknownOrder || error.code == -2011 {
            // Unknown, or already finished: the query tells which.
            return try await order(clientOrderID: clientOrderID, symbol: symbol)
        }
    }

    public func order(clientOrderID: String, symbol: Symbol) async throws -> VenueOrderState? {
        do {
            let response = try await rest.signedCall("GET", "/api/v3/order", query: BinanceQuery([("symbol", symbol.rawValue), ("origClientOrderId", clientOrderID)]),
                                                     weight: 4)
            let body = try await rest.decode(BinanceOrderMessages.OrderBody.self, response, what: "order query")
            let state = try BinanceOrderMessages.state(body, fallbackTime: await rest.serverTimeEstimate)
            return state
        } catch let error as BinanceAPIError where error.isUnknownOrder {
            return nil
        }
    }

    public func openOrders(symbols: [Symbol]) async throws -> [VenueOrderState] {
        var states: [VenueOrderState] = []
        for symbol in symbols {
            let response = try await rest.signedCall("GET", "/api/v3/openOrders", query: BinanceQuery([("symbol", symbol.rawValue)]), weight: 6)
            let bodies = try await rest.decode([BinanceOrderMessages.OrderBody].self, response, what: "open orders")
            let now = await rest.serverTimeEstimate
            states += try bodies.map { try BinanceOrderMessages.state($0, fallbackTime: now) }
        }
        return states
    }

    public func balances() async throws -> [String: VenueBalance] {
        let response = try await rest.signedCall("GET", "/api/v3/account", query: BinanceQuery([("omitZeroBalances", "true")]), weight: 20)
        let body = try await rest.decode(BinanceOrderMessages.AccountBody.self, response, what: "account")
        var result: [String: VenueBalance] = [:]
        for balance in body.balances {
            result[balance.asset] = VenueBalance(asset: balance.asset, free: try BinanceOrderMessages.decimal(balance.free, "free"),
                                                 locked: try BinanceOrderMessages.decimal(balance.locked, "locked"))
        }
        return result
    }

    /// The account's permissions and flags as the exchange states them (for `venue check`).
    public func accountPermissions() async throws -> (canTrade: Bool, canWithdraw: Bool, permissions: [String]) {
        let response = try await rest.signedCall("GET", "/api/v3/account", query: BinanceQuery([("omitZeroBalances", "true")]), weight: 20)
        let body = try await rest.decode(BinanceOrderMessages.AccountBody.self, response, what: "account")
        return (body.canTrade ?? false, body.canWithdraw ?? false, body.permissions ?? [])
    }

    public func fills(symbol: Symbol, since: Timestamp) async throws -> [VenueFill] {
        // myTrades answers 1,000 rows a call and at most 24 hours per time window. A span of up to
        // a week walks day windows (within a full page, on from the last trade's time); a longer
        // one walks trade ids from the first (`fromId`), which costs one call per 1,000 trades
        // instead of one per day since `since`.
        var rows: [BinanceOrderMessages.TradeBody] = []
        var seen: Set<Int64> = []
        // The last window reaches a minute past the estimate of the exchange's time: the estimate
        // can lag the exchange by the clock offset's error, and a trade made a moment ago must not
        // fall after the window's end (endTime may lie in the future).
        let now = await rest.serverTimeEstimate.adding(milliseconds: 60_000)
        let day: Int64 = 86_400_000
        func page(_ items: [(String, String)]) async throws -> [BinanceOrderMessages.TradeBody] {
            let response = try await rest.signedCall("GET", "/api/v3/myTrades", query: BinanceQuery([("symbol", symbol.rawValue)] + items + [("limit", "1000")]),
                                                     weight: 20)
            return try await rest.decode([BinanceOrderMessages.TradeBody].self, response, what: "trades")
        }
        if now.millisecondsSinceEpoch - since.millisecondsSinceEpoch > 7 * day {
            var fromID: Int64 = 0
            while true {
                let trades = try await page([("fromId", String(fromID))])
                rows += trades.filter { $0.time >= since.millisecondsSinceEpoch && seen.insert($0.id).inserted }
                guard trades.count == 1000, let last = trades.last else { break }
                fromID = last.id + 1
            }
        } else {
            var windowStart = since
            while windowStart <= now {
                let windowEnd = min(windowStart.adding(milliseconds: day - 1), now)
                var pageStart = windowStart
                while true {
                    let trades = try await page([("startTime", String(pageStart.millisecondsSinceEpoch)), ("endTime", String(windowEnd.millisecondsSinceEpoch))])
                    rows += trades.filter { seen.insert($0.id).inserted }
                    guard trades.count == 1000, let last = trades.last, last.time > pageStart.millisecondsSinceEpoch else { break }
                    pageStart = Timestamp(millisecondsSinceEpoch: last.time)
                }
                windowStart = windowEnd.adding(milliseconds: 1)
            }
        }
        var result: [VenueFill] = []
        for trade in rows.sorted(by: { ($0.time, $0.id) < ($1.time, $1.id) }) {
            let clientID = try await clientOrderID(venueOrderID: String(trade.orderId), symbol: symbol)
            result.append(try BinanceOrderMessages.fill(trade, clientOrderID: clientID))
        }
        return result
    }

    public func executionReports() async -> AsyncStream<ExecutionReport> {
        reports.subscribe()
    }

    /// Sets how long a working order goes unheard before `synchronize()` asks about it.
    public func setQuietPeriod(_ period: Duration) {
        quietPeriod = period
    }

    /// Queries every working order this process knows that has not been heard of for `quietFor`
    /// and reports what changed (fills from `myTrades` of the order, each trade once). The REST
    /// path of execution reports, for when the account stream is down or silent.
    public func poll(quietFor: Duration = .zero) async throws {
        let now = ContinuousClock.now
        for state in known.values where !state.status.isTerminal && lastHeard[state.clientOrderID].map({ now - $0 >= quietFor }) ?? true {
            guard let current = try await order(clientOrderID: state.clientOrderID, symbol: state.symbol) else { continue }
            record(current, fills: current.filledQuantity > state.filledQuantity ? try await trades(of: current) : [])
        }
    }

    /// Resolves unknown submissions, then polls the working orders not heard of for the quiet
    /// period: the REST path of execution reports.
    public func synchronize() async throws {
        try await resolveUnknownOrders()
        try await poll(quietFor: quietPeriod)
    }

    /// Resolves every unknown submission by querying its client order id: found, it is recorded
    /// (and reported); not found once its receive window has passed, it is dropped as never placed.
    /// Returns the ids resolved as placed and as never placed.
    @discardableResult
    public func resolveUnknownOrders() async throws -> (placed: [String], neverPlaced: [String]) {
        var placed: [String] = [], neverPlaced: [String] = []
        for (clientID, entry) in unresolved.sorted(by: { $0.key < $1.key }) {
            if let state = try await order(clientOrderID: clientID, symbol: entry.request.symbol) {
                unresolved[clientID] = nil
                record(state, fills: state.filledQuantity.isPositive ? try await trades(of: state) : [])
                placed.append(clientID)
            } else if await rest.serverTimeEstimate.millisecondsSinceEpoch > entry.sentAt.millisecondsSinceEpoch + rest.receiveWindowMilliseconds + 1_000 {
                unresolved[clientID] = nil
                neverPlaced.append(clientID)
                publish(ExecutionReport(kind: .rejected, clientOrderID: clientID, venueOrderID: nil, symbol: entry.request.symbol, side: entry.request.side,
                                        quantity: entry.request.quantity, cumulativeQuantity: .zero,
                                        reason: "never placed: unknown to the exchange after its receive window", time: await rest.serverTimeEstimate))
            }
        }
        return (placed, neverPlaced)
    }

    /// Takes an account-stream execution report: recorded and passed on (a trade once).
    public func receive(_ report: ExecutionReport) {
        // Each trade, each acceptance and each ending is passed on once, whichever path told of it first.
        switch report.kind {
        case .partialFill, .fill:
            guard let fill = report.fill, markReported(trade: fill.tradeID, symbol: report.symbol, of: report.clientOrderID) else { return }
            if report.kind == .fill { noteEnd(of: report.clientOrderID) }
        case .accepted:
            guard reportedAccepted.insert(report.clientOrderID).inserted else { return }
        case .cancelled, .expired, .rejected:
            guard markReportedEnd(of: report.clientOrderID) else { return }
        }
        if let venueID = report.venueOrderID { clientIDsByVenueID[venueID] = report.clientOrderID }
        // A known order's state follows the stream, so polling stops once it has ended.
        if let state = known[report.clientOrderID] {
            let status = report.kind.orderStatus ?? state.status
            let notional = (report.fill.flatMap { try? $0.quantity.multiplied(by: $0.price) }) ?? .zero
            known[report.clientOrderID] = VenueOrderState(clientOrderID: state.clientOrderID, venueOrderID: state.venueOrderID ?? report.venueOrderID,
                                                          symbol: state.symbol, side: state.side, type: state.type, status: status,
                                                          quantity: state.quantity, filledQuantity: max(state.filledQuantity, report.cumulativeQuantity),
                                                          filledNotional: state.filledNotional + notional, updatedAt: report.time)
        }
        // The stream proves the order exists: it is known from now on (a later submit of the id sends
        // nothing), whether its submission's outcome was unknown or its answer is still awaited.
        let unresolvedRequest = unresolved.removeValue(forKey: report.clientOrderID)?.request
        if let request = unresolvedRequest ?? inFlight[report.clientOrderID], known[report.clientOrderID] == nil {
            known[report.clientOrderID] = VenueOrderState(clientOrderID: report.clientOrderID, venueOrderID: report.venueOrderID, symbol: report.symbol,
                                                          side: report.side, type: request.type, status: report.kind == .fill ? .filled : .accepted,
                                                          quantity: report.quantity, filledQuantity: report.cumulativeQuantity, filledNotional: .zero,
                                                          updatedAt: report.time)
        }
        if known[report.clientOrderID] != nil { lastHeard[report.clientOrderID] = .now }
        publish(report)
    }

    /// Whether a trade is new (then remembered with its order).
    private func markReported(trade tradeID: String, symbol: Symbol, of clientOrderID: String) -> Bool {
        let key = "\(symbol.rawValue)#\(tradeID)"
        guard reportedTrades.insert(key).inserted else { return false }
        reportedTradesByOrder[clientOrderID, default: []].append(key)
        return true
    }

    /// Whether an order's cancellation, expiry or rejection is new (then the order has ended).
    private func markReportedEnd(of clientOrderID: String) -> Bool {
        guard reportedTerminal.insert(clientOrderID).inserted else { return false }
        noteEnd(of: clientOrderID)
        return true
    }

    /// Remembers that an order ended (filled, or its end reported), forgetting the oldest ended orders past the limit.
    private func noteEnd(of clientOrderID: String) {
        guard endedOrders.insert(clientOrderID).inserted else { return }
        ended.append(clientOrderID)
        while ended.count - endedStart > rememberedEndedOrders {
            forget(ended[endedStart])
            endedStart += 1
        }
        // Compacted now and then: dropping the front at every order would move the whole array each time.
        if endedStart > 1_024 && endedStart * 2 > ended.count {
            ended.removeFirst(endedStart)
            endedStart = 0
        }
    }

    /// Forgets everything about an ended order.
    private func forget(_ clientOrderID: String) {
        if let venueID = known.removeValue(forKey: clientOrderID)?.venueOrderID { clientIDsByVenueID[venueID] = nil }
        lastHeard[clientOrderID] = nil
        reportedAccepted.remove(clientOrderID)
        reportedTerminal.remove(clientOrderID)
        endedOrders.remove(clientOrderID)
        for key in reportedTradesByOrder.removeValue(forKey: clientOrderID) ?? [] { reportedTrades.remove(key) }
    }

    /// How many orders the venue remembers the state of (in flight and ended).
    public var rememberedOrders: Int { known.count }

    /// Records a state and its fills, publishing accepted, each new fill, and the terminal report.
    private func record(_ state: VenueOrderState, fills: [VenueFill]) {
        known[state.clientOrderID] = state
        lastHeard[state.clientOrderID] = .now
        if let venueID = state.venueOrderID { clientIDsByVenueID[venueID] = state.clientOrderID }
        if reportedAccepted.insert(state.clientOrderID).inserted, state.status != .rejected {
            publish(ExecutionReport(kind: .accepted, clientOrderID: state.clientOrderID, venueOrderID: state.venueOrderID, symbol: state.symbol,
                                    side: state.side, quantity: state.quantity, cumulativeQuantity: .zero, time: state.updatedAt))
        }
        var cumulative = FixedDecimal.zero
        for fill in fills.sorted(by: { ($0.tradeID.count, $0.tradeID) < ($1.tradeID.count, $1.tradeID) }) {
            cumulative = cumulative + fill.quantity
            guard markReported(trade: fill.tradeID, symbol: state.symbol, of: state.clientOrderID) else { continue }
            let complete = cumulative >= state.quantity
            if complete { noteEnd(of: state.clientOrderID) }
            publish(ExecutionReport(kind: complete ? .fill : .partialFill, clientOrderID: state.clientOrderID, venueOrderID: state.venueOrderID,
                                    symbol: state.symbol, side: state.side, quantity: state.quantity, cumulativeQuantity: cumulative, fill: fill,
                                    time: fill.time))
        }
        if let terminal = ExecutionReport.Kind(ending: state.status), markReportedEnd(of: state.clientOrderID) {
            publish(ExecutionReport(kind: terminal, clientOrderID: state.clientOrderID, venueOrderID: state.venueOrderID, symbol: state.symbol,
                                    side: state.side, quantity: state.quantity, cumulativeQuantity: state.filledQuantity,
                                    reason: "\(terminal.rawValue) on the exchange", time: state.updatedAt))
        }
    }

    /// Every trade of one order (`myTrades` by `orderId`).
    private func trades(of state: VenueOrderState) async throws -> [VenueFill] {
        guard let venueID = state.venueOrderID else { return [] }
        let response = try await rest.signedCall("GET", "/api/v3/myTrades", query: BinanceQuery([("symbol", state.symbol.rawValue), ("orderId", venueID)]),
                                                 weight: 20)
        let trades = try await rest.decode([BinanceOrderMessages.TradeBody].self, response, what: "order trades")
        return try trades.map { try BinanceOrderMessages.fill($0, clientOrderID: state.clientOrderID) }
    }

    private func clientOrderID(venueOrderID: String, symbol: Symbol) async throws -> String {
        if let known = clientIDsByVenueID[venueOrderID] { return known }
        let response = try await rest.signedCall("GET", "/api/v3/order", query: BinanceQuery([("symbol", symbol.rawValue), ("orderId", venueOrderID)]), weight: 4)
        let body = try await rest.decode(BinanceOrderMessages.OrderBody.self, response, what: "order query")
        clientIDsByVenueID[venueOrderID] = body.clientOrderId
        return body.clientOrderId
    }

    private func publish(_ report: ExecutionReport) {
        reports.publish(report)
    }
}
