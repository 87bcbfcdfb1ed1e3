import TradingCore

/// The simulator behind the `ExecutionVenue` port: orders wait for the next bar the market
/// hands it (`trade(_:symbol:)`) and meet it by `SimulatedVenue`'s fill model; balances are kept
/// in the quote asset and one base asset per symbol. Paper trading on a live feed and the venue
/// conformance suite use it; it answers as a real venue would (ids are idempotent, unknown ids are
/// nil, a buy the free cash cannot pay is refused).
public actor SimulatedExecutionVenue: ExecutionVenue {
    public nonisolated let name = "simulated"
    /// The fill model.
    public let model: SimulatedVenue
    /// The asset balances and prices are in.
    public let quoteAsset: String
    private var holdings: [String: FixedDecimal]
    private var orders: [String: Order] = [:]
    private var venueIDs: [String: String] = [:]
    private var updatedAt: [String: Timestamp] = [:]
    private var working: [String] = []
    private var timeInForce: [String: VenueOrderRequest.TimeInForce] = [:]
    private var lastPrice: [Symbol: FixedDecimal] = [:]
    private var tradeLog: [VenueFill] = []
    private let reports = ExecutionReportBroadcast()
    private var sequence = 0
    private var now: Timestamp

    /// Creates a venue holding `cash` of `quoteAsset`, its clock at `start`.
    public init(model: SimulatedVenue = SimulatedVenue(), quoteAsset: String = "USD", cash: FixedDecimal, start: Timestamp) {
        self.model = model
        self.quoteAsset = quoteAsset
        holdings = [quoteAsset: cash]
        now = start
    }

    /// The base asset of a symbol: its ticker text.
    public nonisolated func baseAsset(of symbol: Symbol) -> String { symbol.rawValue }

    public func instrumentRules(for symbols: [Symbol]) async throws -> [Symbol: InstrumentRules] {
        Dictionary(uniqueKeysWithValues: symbols.map { symbol in
            (symbol, InstrumentRules(symbol: symbol, baseAsset: baseAsset(of: symbol), quoteAsset: quoteAsset, tickSize: model.tickSize,
                                     stepSize: model.lotSize, minimumNotional: model.minimumNotional))
        })
    }

    public func submit(_ request: VenueOrderRequest) async throws -> VenueSubmission {
        if let existing = orders[request.clientOrderID] { return .accepted(state(of: existing)) }
        let rules = try await instrumentRules(for: [request.symbol])[request.symbol]!
        if let violation = rules.violation(of: request, referencePrice: lastPrice[request.symbol]) {
            return .rejected(reason: violation.description)
        }
        if request.side == .sell, (holdings[baseAsset(of: request.symbol)] ?? .zero) - reservedBase(request.symbol) < request.quantity {
            return .rejected(reason: "insufficient balance: selling \(request.quantity) \(baseAsset(of: request.symbol))")
        }
        if request.side == .buy, let price = referencePrice(request) {
            let cost = try request.quantity.multiplied(by: price)
            if (holdings[quoteAsset] ?? .zero) - reservedQuote() < cost {
                return .rejected(reason: "insufficient balance: buying for about \(cost) \(quoteAsset)")
            }
        }
        var order = try Order(clientOrderID: request.clientOrderID, symbol: request.symbol, side: request.side, type: request.type,
                              quantity: Quantity(request.quantity), createdAt: now)
        try order.move(to: .accepted)
        sequence += 1
        orders[order.clientOrderID] = order
        venueIDs[order.clientOrderID] = "sim-\(sequence)"
        updatedAt[order.clientOrderID] = now
        timeInForce[order.clientOrderID] = request.timeInForce
        working.append(order.clientOrderID)
        publish(report(.accepted, order))
        return .accepted(state(of: order))
    }

    public func cancel(clientOrderID: String, symbol: Symbol) async throws -> VenueOrderState? {
        guard var order = orders[clientOrderID], order.symbol == symbol else { return nil }
        guard !order.status.isTerminal else { return state(of: order) }
        try order.move(to: .cancelled)
        finish(order, reason: "cancelled by the client")
        publish(report(.cancelled, order, reason: "cancelled by the client"))
        return state(of: order)
    }

    public func order(clientOrderID: String, symbol: Symbol) async throws -> VenueOrderState? {
        guard let order = orders[clientOrderID], order.symbol == symbol else { return nil }
        return state(of: order)
    }

    public func openOrders(symbols: [Symbol]) async throws -> [VenueOrderState] {
        working.compactMap { orders[$0] }.filter { symbols.contains($0.symbol) }.map(state(of:))
    }

    public func balances() async throws -> [String: VenueBalance] {
        var result: [String: VenueBalance] = [:]
        for (asset, amount) in holdings {
            let locked = asset == quoteAsset ? reservedQuote() : working.compactMap { orders[$0] }
                .filter { $0.side == .sell && baseAsset(of: $0.symbol) == asset }.reduce(FixedDecimal.zero) { $0 + $1.quantity.value - $1.filledQuantity.value }
            result[asset] = VenueBalance(asset: asset, free: amount - locked, locked: locked)
        }
        return result
    }

    public func fills(symbol: Symbol, since: Timestamp) async throws -> [VenueFill] {
        tradeLog.filter { $0.symbol == symbol && $0.time >= since }
    }

    public func executionReports() async -> AsyncStream<ExecutionReport> {
        reports.subscribe()
    }

    /// The market trades one bar of `symbol`: working orders meet it (sells first, so their cash
    /// pays for the buys), and the bar's close becomes the reference price of market orders.
    public func trade(_ bar: Bar, symbol: Symbol, timeframe: Timeframe) throws {
        now = max(now, bar.openTime)
        let due = working.compactMap { orders[$0] }.filter { $0.symbol == symbol }.sorted { $0.side == .sell && $1.side == .buy }
        for var order in due {
            // A day order left from an earlier UTC day has expired before this bar.
            if timeInForce[order.clientOrderID] == .day, order.createdAt.millisecondsSinceEpoch / 86_400_000 < bar.openTime.millisecondsSinceEpoch / 86_400_000 {
                try order.move(to: .expired)
                finish(order, reason: "a day order's day is over")
                publish(report(.expired, order, reason: "a day order's day is over"))
                continue
            }
            switch model.offer(order, to: bar) {
            case .filled(let fill):
                let base = baseAsset(of: symbol)
                let notional = try fill.quantity.multiplied(by: fill.price)
                if order.side == .buy {
                    guard (holdings[quoteAsset] ?? .zero) >= notional + fill.fee else {
                        try order.move(to: .cancelled)
                        finish(order, reason: "insufficient balance at the fill")
                        publish(report(.cancelled, order, reason: "insufficient balance at the fill"))
                        continue
                    }
                    holdings[quoteAsset] = (holdings[quoteAsset] ?? .zero) - notional - fill.fee
                    holdings[base] = (holdings[base] ?? .zero) + fill.quantity
                } else {
                    holdings[base] = (holdings[base] ?? .zero) - fill.quantity
                    holdings[quoteAsset] = (holdings[quoteAsset] ?? .zero) + notional - fill.fee
                }
                try order.fill(Quantity(fill.quantity), at: Price(fill.price))
                sequence += 1
                let trade = VenueFill(tradeID: "sim-trade-\(sequence)", clientOrderID: order.clientOrderID, symbol: symbol, side: order.side,
                                      quantity: fill.quantity, price: fill.price, fee: fill.fee, feeAsset: quoteAsset, time: bar.openTime)
                tradeLog.append(trade)
                finish(order, reason: nil)
                publish(report(.fill, order, fill: trade))
            case .working:
                if timeInForce[order.clientOrderID] == .immediateOrCancel || order.type == .market {
                    try order.move(to: .expired)
                    finish(order, reason: "not filled by the bar")
                    publish(report(.expired, order, reason: "not filled by the bar"))
                }
            case .rejected(let reason):
                try order.move(to: .cancelled)
                finish(order, reason: reason)
                publish(report(.cancelled, order, reason: reason))
            }
        }
        lastPrice[symbol] = bar.close.value
        now = max(now, bar.closeTime(timeframe: timeframe))
    }

    private func referencePrice(_ request: VenueOrderRequest) -> FixedDecimal? {
        request.type.limitPrice?.value ?? request.type.stopPrice?.value ?? lastPrice[request.symbol]
    }

    /// Quote cash the working buys are expected to spend, at their limit or the last price.
    private func reservedQuote() -> FixedDecimal {
        working.compactMap { orders[$0] }.filter { $0.side == .buy }.reduce(FixedDecimal.zero) { total, order in
            let price: FixedDecimal? = order.type.limitPrice?.value ?? order.type.stopPrice?.value ?? lastPrice[order.symbol]
            guard let price, let cost = try? (order.quantity.value - order.filledQuantity.value).multiplied(by: price) else { return total }
            return total + cost
        }
    }

    private func reservedBase(_ symbol: Symbol) -> FixedDecimal {
        working.compactMap { orders[$0] }.filter { $0.side == .sell && $0.symbol == symbol }
            .reduce(FixedDecimal.zero) { $0 + $1.quantity.value - $1.filledQuantity.value }
    }

    private func finish(_ order: Order, reason: String?) {
        orders[order.clientOrderID] = order
        updatedAt[order.clientOrderID] = now
        if order.status.isTerminal { working.removeAll { $0 == order.clientOrderID } }
    }

    private func state(of order: Order) -> VenueOrderState {
        VenueOrderState(clientOrderID: order.clientOrderID, venueOrderID: venueIDs[order.clientOrderID], symbol: order.symbol, side: order.side,
                        type: order.type, status: order.status, quantity: order.quantity.value, filledQuantity: order.filledQuantity.value,
                        filledNotional: order.filledNotional, updatedAt: updatedAt[order.clientOrderID] ?? now)
    }

    private func report(_ kind: ExecutionReport.Kind, _ order: Order, fill: VenueFill? = nil, reason: String? = nil) -> ExecutionReport {
        ExecutionReport(kind: kind, clientOrderID: order.clientOrderID, venueOrderID: venueIDs[order.clientOrderID], symbol: order.symbol,
                        side: order.side, quantity: order.quantity.value, cumulativeQuantity: order.filledQuantity.value, fill: fill,
                        reason: reason, time: now)
    }

    private func publish(_ report: ExecutionReport) {
        reports.publish(report)
    }
}
