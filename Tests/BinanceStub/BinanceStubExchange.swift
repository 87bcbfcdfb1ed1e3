import Foundation
import NIOCore
import TradingCore

/// The state of a local Binance Spot exchange for tests, written from the official REST
/// documentation: instruments with their filters, a market that trades the bars it is handed,
/// an account with balances, orders matched against the market, trades with ids, request weights
/// counted per minute and faults injected on demand. Its record of fills is what the tests compare
/// the orchestrator's ledger with.
public actor BinanceStubExchange {
    /// A listed instrument.
    public struct Listing: Sendable {
        public let symbol: String
        public let baseAsset: String
        public let quoteAsset: String
        public let tickSize: FixedDecimal
        public let stepSize: FixedDecimal
        public let minimumQuantity: FixedDecimal
        public let maximumQuantity: FixedDecimal
        public let minimumNotional: FixedDecimal

        /// Creates a listing.
        public init(symbol: String, baseAsset: String, quoteAsset: String, tickSize: FixedDecimal = FixedDecimal("0.01")!,
                    stepSize: FixedDecimal = FixedDecimal("0.00001")!, minimumQuantity: FixedDecimal = FixedDecimal("0.00001")!,
                    maximumQuantity: FixedDecimal = FixedDecimal(9_000), minimumNotional: FixedDecimal = FixedDecimal(5)) {
            self.symbol = symbol
            self.baseAsset = baseAsset
            self.quoteAsset = quoteAsset
            self.tickSize = tickSize
            self.stepSize = stepSize
            self.minimumQuantity = minimumQuantity
            self.maximumQuantity = maximumQuantity
            self.minimumNotional = minimumNotional
        }
    }

    /// An order as the exchange holds it.
    public struct StubOrder: Sendable {
        public let orderID: Int64
        public let clientOrderID: String
        public let symbol: String
        public let side: String
        public let type: String
        public let timeInForce: String?
        public let price: FixedDecimal
        public let stopPrice: FixedDecimal
        public let quantity: FixedDecimal
        public var executed: FixedDecimal = .zero
        public var quoteExecuted: FixedDecimal = .zero
        public var status: String = "NEW"
        public let time: Int64
        public var updateTime: Int64
    }

    /// A trade as the exchange recorded it.
    public struct StubTrade: Sendable {
        public let id: Int64
        public let orderID: Int64
        public let symbol: String
        public let isBuyer: Bool
        public let price: FixedDecimal
        public let quantity: FixedDecimal
        public let commission: FixedDecimal
        public let commissionAsset: String
        public let time: Int64
    }

    /// A fault applied to the next request it matches.
    public enum Fault: Sendable {
        /// HTTP 429 with `Retry-After` to the next request.
        case rateLimit(retryAfterSeconds: Int)
        /// HTTP 418 with `Retry-After` to the next request (and every one until it ends).
        case ban(retryAfterSeconds: Int)
        /// The next new order is placed, then the answer is a 500.
        case serverErrorAfterAccept
        /// The next new order is placed, then the answer waits `delay` (past the client's time-out).
        case timeoutAfterAccept(delay: Duration)
        /// The next new order gets a 503 before anything is placed.
        case serverErrorBeforeAccept
    }

    public let listings: [String: Listing]
    /// Commission rate charged in the quote asset on every fill.
    public let commissionRate: FixedDecimal
    /// The published rate limits (`REQUEST_WEIGHT` per minute, `ORDERS` per 10 s).
    public let weightLimitPerMinute: Int
    public let orderLimitPerTenSeconds: Int
    /// The HMAC secrets and Ed25519 public keys (raw 32 bytes) by API key.
    public let hmacSecrets: [String: String]
    public let ed25519PublicKeys: [String: Data]
    private let wallClock: @Sendable () -> Int64
    /// Added to the wall clock: a step of the exchange's clock (the -1021 fault).
    public private(set) var clockStepMilliseconds: Int64 = 0
    public private(set) var balances: [String: FixedDecimal]
    public private(set) var orders: [StubOrder] = []
    public private(set) var trades: [StubTrade] = []
    public private(set) var lastPrice: [String: FixedDecimal] = [:]
    /// Closed bars of each symbol at each interval, served by `/api/v3/klines`.
    public private(set) var klines: [String: [String: [Bar]]] = [:]
    private var faults: [Fault] = []
    private var bannedUntil: Int64?
    private var nextOrderID: Int64 = 1
    private var nextTradeID: Int64 = 1
    private var weightWindow: (start: Int64, used: Int) = (0, 0)
    private var orderWindow: (start: Int64, used: Int) = (0, 0)
    /// Requests served, weights charged, and requests over a limit (a client that honours the limits makes none).
    public private(set) var requestCount = 0
    public private(set) var limitBreaches = 0
    public private(set) var ordersPlaced = 0
    /// New-order requests received, by client order id (a resent order shows twice).
    public private(set) var newOrderRequests: [String: Int] = [:]
    /// When each new-order request reached the exchange (monotonic nanoseconds), in arrival order.
    public private(set) var orderArrivals: [UInt64] = []
    /// Market-order fills split into this many trades (1: one trade), to exercise partial fills.
    public private(set) var tradesPerMarketFill = 1

    /// Splits each market fill into `count` trades.
    public func setTradesPerMarketFill(_ count: Int) { tradesPerMarketFill = max(1, count) }

    var subscribers: [Int: StreamSubscriber] = [:]
    /// WebSocket API connections subscribed to the account's events.
    var accountSubscribers: [Int: StreamSubscriber] = [:]
    /// WebSocket API connections opened since the start, and subscriptions made on them.
    public internal(set) var accountConnections = 0
    public internal(set) var accountSubscriptions = 0
    /// Faults of the account stream: every event sent twice, or events not sent at all (lost).
    public internal(set) var duplicateAccountEvents = false
    public internal(set) var withholdAccountEvents = false
    private var subscriberSequence = 0
    /// Silenced connections, kept so they are not closed by being released.
    var silenced: [any Channel] = []
    /// Whether new stream connections are accepted.
    public internal(set) var acceptingStreams = true
    /// Stream connections accepted since the start.
    public internal(set) var streamConnections = 0

    func nextSubscriberID() -> Int {
        subscriberSequence += 1
        return subscriberSequence
    }

    /// Creates an exchange with its listings, starting balances, keys and clock (milliseconds since the epoch).
    public init(listings: [Listing], balances: [String: FixedDecimal], hmacSecrets: [String: String] = [:], ed25519PublicKeys: [String: Data] = [:],
                commissionRate: FixedDecimal = FixedDecimal("0.001")!, weightLimitPerMinute: Int = 6_000, orderLimitPerTenSeconds: Int = 50,
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1_000) }) {
        self.listings = Dictionary(uniqueKeysWithValues: listings.map { ($0.symbol, $0) })
        self.balances = balances
        self.hmacSecrets = hmacSecrets
        self.ed25519PublicKeys = ed25519PublicKeys
        self.commissionRate = commissionRate
        self.weightLimitPerMinute = weightLimitPerMinute
        self.orderLimitPerTenSeconds = orderLimitPerTenSeconds
        wallClock = clock
    }

    /// The exchange's time.
    public var serverTime: Int64 { wallClock() + clockStepMilliseconds }

    /// Steps the exchange's clock (a client must resynchronise).
    public func stepClock(byMilliseconds step: Int64) { clockStepMilliseconds += step }

    /// How long `/api/v3/time` waits before reading the time: a slow round trip whose reading is
    /// taken at its end, which leaves a client's midpoint estimate ahead of the exchange by half of it.
    public private(set) var serverTimeAnswerDelay: Duration = .zero
    /// Signed requests refused with -1021 (a timestamp ahead of the exchange or outside the window).
    public private(set) var timestampRefusals = 0

    /// Makes every `/api/v3/time` request wait `delay` before reading the time.
    public func setServerTimeAnswerDelay(_ delay: Duration) { serverTimeAnswerDelay = delay }

    /// Counts a -1021 refusal.
    func noteTimestampRefusal() { timestampRefusals += 1 }

    /// Queues a fault for the next request it matches.
    public func inject(_ fault: Fault) { faults.append(fault) }

    /// Faults injected and not yet met by a request.
    public var pendingFaults: Int { faults.count }

    /// When the current 418 ban ends (exchange milliseconds), if one was given.
    public var banEnds: Int64? { bannedUntil }

    /// Sets bars served as history.
    public func setHistory(_ bars: [Bar], symbol: String, interval: String) { klines[symbol, default: [:]][interval] = bars }

    /// The market trades a bar: resting orders it reaches fill (at their limit, or the open when it
    /// gapped past), and its close becomes the last price. Returns the trades made.
    @discardableResult
    public func trade(_ bar: Bar, symbol: String, interval: String? = nil) -> [StubTrade] {
        if let interval {
            klines[symbol, default: [:]][interval, default: []].append(bar)
            // As the exchange does: the forming kline, then the closed one.
            publishKline(bar, symbol: symbol, interval: interval, closed: false)
            publishKline(bar, symbol: symbol, interval: interval, closed: true)
        }
        var made: [StubTrade] = []
        for index in orders.indices where orders[index].symbol == symbol && ["NEW", "PARTIALLY_FILLED"].contains(orders[index].status) {
            let order = orders[index]
            let buying = order.side == "BUY"
            let open = bar.open.value, high = bar.high.value, low = bar.low.value
            var price: FixedDecimal?
            switch order.type {
            case "LIMIT":
                if buying ? open <= order.price : open >= order.price { price = open } else if buying ? low <= order.price : high >= order.price { price = order.price }
            case "STOP_LOSS":
                if buying ? open >= order.stopPrice : open <= order.stopPrice { price = open } else if buying ? high >= order.stopPrice : low <= order.stopPrice { price = order.stopPrice }
            default:
                break
            }
            guard let price else { continue }
            made += fill(index, quantity: order.quantity - order.executed, at: price, time: bar.openTime.millisecondsSinceEpoch, pieces: 1)
        }
        lastPrice[symbol] = bar.close.value
        return made
    }

    // MARK: requests

    /// An answer: HTTP status, JSON body and extra headers.
    public struct Answer: Sendable {
        public let status: Int
        public let body: String
        public var headers: [(String, String)] = []
        /// How long to hold the answer back (a time-out fault).
        public var delay: Duration = .zero
    }

    static func error(_ status: Int, _ code: Int, _ message: String) -> Answer {
        Answer(status: status, body: "{\"code\":\(code),\"msg\":\"\(message)\"}")
    }

    /// Charges a request's weight; answers 429/418 when over a limit, banned or a fault says so.
    func admit(weight: Int, isOrder: Bool) -> Answer? {
        requestCount += 1
        let now = serverTime
        if let bannedUntil, now < bannedUntil {
            return Answer(status: 418, body: "{\"code\":-1003,\"msg\":\"Way too much request weight used; IP banned until \(bannedUntil). Please use WebSocket Streams for live updates to avoid bans.\"}",
                          headers: [("Retry-After", String(max(1, (bannedUntil - now) / 1_000)))])
        }
        if let index = faults.firstIndex(where: { if case .rateLimit = $0 { true } else if case .ban = $0 { true } else { false } }) {
            let fault = faults.remove(at: index)
            switch fault {
            case .rateLimit(let seconds):
                return Answer(status: 429, body: "{\"code\":-1003,\"msg\":\"Too much request weight used; current limit is \(weightLimitPerMinute) request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.\"}",
                              headers: [("Retry-After", String(seconds))])
            case .ban(let seconds):
                bannedUntil = now + Int64(seconds) * 1_000
                return Answer(status: 418, body: "{\"code\":-1003,\"msg\":\"Way too much request weight used; IP banned until \(bannedUntil!). Please use WebSocket Streams for live updates to avoid bans.\"}",
                              headers: [("Retry-After", String(seconds))])
            default: break
            }
        }
        let minute = now - now % 60_000
        if weightWindow.start != minute { weightWindow = (minute, 0) }
        weightWindow.used += weight
        if weightWindow.used > weightLimitPerMinute {
            limitBreaches += 1
            return Answer(status: 429, body: "{\"code\":-1003,\"msg\":\"Too much request weight used; current limit is \(weightLimitPerMinute) request weight per 1 MINUTE.\"}",
                          headers: [("Retry-After", String(max(1, (minute + 60_000 - now) / 1_000)))])
        }
        if isOrder {
            let tenSeconds = now - now % 10_000
            if orderWindow.start != tenSeconds { orderWindow = (tenSeconds, 0) }
            orderWindow.used += 1
            if orderWindow.used > orderLimitPerTenSeconds {
                limitBreaches += 1
                return Answer(status: 429, body: "{\"code\":-1015,\"msg\":\"Too many new orders; current limit is \(orderLimitPerTenSeconds) orders per 10 SECOND.\"}",
                              headers: [("Retry-After", String(max(1, (tenSeconds + 10_000 - now) / 1_000)))])
            }
        }
        return nil
    }

    /// The usage headers of every answer.
    func usageHeaders() -> [(String, String)] {
        [("X-MBX-USED-WEIGHT-1M", String(weightWindow.used)), ("X-MBX-ORDER-COUNT-10S", String(orderWindow.used))]
    }

    /// `POST /api/v3/order`.
    func placeOrder(_ parameters: [String: String]) -> Answer {
        let clientID = parameters["newClientOrderId"] ?? "stub-\(nextOrderID)"
        newOrderRequests[clientID, default: 0] += 1
        orderArrivals.append(DispatchTime.now().uptimeNanoseconds)
        if let index = faults.firstIndex(where: { if case .serverErrorBeforeAccept = $0 { true } else { false } }) {
            faults.remove(at: index)
            return Answer(status: 503, body: "{\"code\":-1001,\"msg\":\"Internal error; unable to process your request. Please try again.\"}")
        }
        guard let symbol = parameters["symbol"], let listing = listings[symbol] else { return Self.error(400, -1121, "Invalid symbol.") }
        guard let side = parameters["side"], ["BUY", "SELL"].contains(side) else { return Self.error(400, -1102, "Mandatory parameter 'side' was not sent, was empty/null, or malformed.") }
        let type = parameters["type"] ?? ""
        guard ["MARKET", "LIMIT", "STOP_LOSS"].contains(type) else { return Self.error(400, -1116, "Invalid orderType.") }
        guard let quantity = parameters["quantity"].flatMap(FixedDecimal.init), quantity.isPositive else {
            return Self.error(400, -1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.")
        }
        if orders.contains(where: { $0.clientOrderID == clientID && ["NEW", "PARTIALLY_FILLED"].contains($0.status) }) {
            return Self.error(400, -2010, "Duplicate order sent.")
        }
        let price = parameters["price"].flatMap(FixedDecimal.init) ?? .zero
        let stop = parameters["stopPrice"].flatMap(FixedDecimal.init) ?? .zero
        if type == "LIMIT" && !price.isPositive { return Self.error(400, -1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.") }
        if type == "STOP_LOSS" && !stop.isPositive { return Self.error(400, -1102, "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed.") }
        // Filters, as filters.md states them.
        if quantity < listing.minimumQuantity || quantity > listing.maximumQuantity
            || (quantity - listing.minimumQuantity).units % listing.stepSize.units != 0 {
            return Self.error(400, -1013, "Filter failure: LOT_SIZE")
        }
        for level in [price, stop] where level.isPositive && level.units % listing.tickSize.units != 0 {
            return Self.error(400, -1013, "Filter failure: PRICE_FILTER")
        }
        guard let reference = type == "LIMIT" ? price : lastPrice[symbol] else { return Self.error(400, -1013, "Filter failure: NOTIONAL") }
        if let notional = try? quantity.multiplied(by: reference), notional < listing.minimumNotional {
            return Self.error(400, -1013, "Filter failure: NOTIONAL")
        }
        // Balance, with the commission (charged in the quote asset).
        let needed = side == "BUY" ? ((try? quantity.multiplied(by: reference).multiplied(by: FixedDecimal(1) + commissionRate)) ?? .zero) : quantity
        let asset = side == "BUY" ? listing.quoteAsset : listing.baseAsset
        if (balances[asset] ?? .zero) - reserved(asset) < needed { return Self.error(400, -2010, "Account has insufficient balance for requested action.") }
        let now = serverTime
        let order = StubOrder(orderID: nextOrderID, clientOrderID: clientID, symbol: symbol, side: side, type: type, timeInForce: parameters["timeInForce"],
                              price: price, stopPrice: stop, quantity: quantity, time: now, updateTime: now)
        nextOrderID += 1
        orders.append(order)
        ordersPlaced += 1
        let index = orders.count - 1
        publishExecution(orders[index], kind: "NEW", trade: nil)
        var fills: [StubTrade] = []
        if type == "MARKET", let last = lastPrice[symbol] {
            fills = fill(index, quantity: quantity, at: last, time: now, pieces: tradesPerMarketFill)
        } else if type == "LIMIT", let last = lastPrice[symbol], side == "BUY" ? last <= price : last >= price {
            fills = fill(index, quantity: quantity, at: last, time: now, pieces: 1)
        } else if type == "LIMIT", parameters["timeInForce"] == "IOC" {
            orders[index].status = "EXPIRED"
            publishExecution(orders[index], kind: "EXPIRED", trade: nil)
        }
        var answer = Answer(status: 200, body: orderJSON(orders[index], fills: fills, full: true))
        if let faultIndex = faults.firstIndex(where: { if case .serverErrorAfterAccept = $0 { true } else if case .timeoutAfterAccept = $0 { true } else { false } }) {
            switch faults.remove(at: faultIndex) {
            case .serverErrorAfterAccept:
                answer = Answer(status: 500, body: "{\"code\":-1000,\"msg\":\"An unknown error occurred while processing the request.\"}")
            case .timeoutAfterAccept(let delay):
                answer.delay = delay
            default: break
            }
        }
        return answer
    }

    /// `GET /api/v3/order` by `origClientOrderId` or `orderId`.
    func queryOrder(_ parameters: [String: String]) -> Answer {
        guard let order = find(parameters) else { return Self.error(400, -2013, "Order does not exist.") }
        return Answer(status: 200, body: orderJSON(order, fills: [], full: false))
    }

    /// `DELETE /api/v3/order`.
    func cancelOrder(_ parameters: [String: String]) -> Answer {
        guard let order = find(parameters), let index = orders.firstIndex(where: { $0.orderID == order.orderID }) else {
            return Self.error(400, -2011, "Unknown order sent.")
        }
        guard ["NEW", "PARTIALLY_FILLED"].contains(order.status) else { return Self.error(400, -2011, "Unknown order sent.") }
        orders[index].status = "CANCELED"
        orders[index].updateTime = serverTime
        publishExecution(orders[index], kind: "CANCELED", trade: nil)
        var body = orderJSON(orders[index], fills: [], full: false)
        body = "{\"origClientOrderId\":\"\(order.clientOrderID)\"," + body.dropFirst()
        return Answer(status: 200, body: body.replacingOccurrences(of: "\"clientOrderId\":\"\(order.clientOrderID)\"", with: "\"clientOrderId\":\"cancel-\(order.orderID)\""))
    }

    /// `GET /api/v3/openOrders`.
    func openOrders(_ parameters: [String: String]) -> Answer {
        let open = orders.filter { ["NEW", "PARTIALLY_FILLED"].contains($0.status) && (parameters["symbol"] == nil || $0.symbol == parameters["symbol"]) }
        return Answer(status: 200, body: "[" + open.map { orderJSON($0, fills: [], full: false) }.joined(separator: ",") + "]")
    }

    /// `GET /api/v3/account`.
    func account() -> Answer {
        let rows = balances.keys.sorted().map { asset in
            let locked = reserved(asset)
            return "{\"asset\":\"\(asset)\",\"free\":\"\(((balances[asset] ?? .zero) - locked).description)\",\"locked\":\"\(locked.description)\"}"
        }
        return Answer(status: 200, body: "{\"makerCommission\":10,\"takerCommission\":10,\"canTrade\":true,\"canWithdraw\":false,\"canDeposit\":true,\"accountType\":\"SPOT\",\"balances\":[\(rows.joined(separator: ","))],\"permissions\":[\"SPOT\"]}")
    }

    /// `GET /api/v3/myTrades` (symbol, orderId, startTime, endTime, fromId, limit).
    func myTrades(_ parameters: [String: String]) -> Answer {
        guard let symbol = parameters["symbol"] else { return Self.error(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.") }
        let start = parameters["startTime"].flatMap(Int64.init), end = parameters["endTime"].flatMap(Int64.init)
        if let start, let end, end - start > 86_400_000 { return Self.error(400, -1127, "More than 24 hours between startTime and endTime.") }
        let limit = min(1_000, parameters["limit"].flatMap(Int.init) ?? 500)
        var rows = trades.filter { $0.symbol == symbol }
        if let orderID = parameters["orderId"].flatMap(Int64.init) { rows = rows.filter { $0.orderID == orderID } }
        if let fromID = parameters["fromId"].flatMap(Int64.init) { rows = rows.filter { $0.id >= fromID } }
        if let start { rows = rows.filter { $0.time >= start } }
        if let end { rows = rows.filter { $0.time <= end } }
        let page = rows.prefix(limit).map { trade in
            "{\"symbol\":\"\(trade.symbol)\",\"id\":\(trade.id),\"orderId\":\(trade.orderID),\"orderListId\":-1,\"price\":\"\(trade.price)\",\"qty\":\"\(trade.quantity)\",\"quoteQty\":\"\((try? trade.quantity.multiplied(by: trade.price)) ?? .zero)\",\"commission\":\"\(trade.commission)\",\"commissionAsset\":\"\(trade.commissionAsset)\",\"time\":\(trade.time),\"isBuyer\":\(trade.isBuyer),\"isMaker\":false,\"isBestMatch\":true}"
        }
        return Answer(status: 200, body: "[" + page.joined(separator: ",") + "]")
    }

    /// `GET /api/v3/klines`.
    func klineRows(_ parameters: [String: String]) -> Answer {
        guard let symbol = parameters["symbol"], listings[symbol] != nil else { return Self.error(400, -1121, "Invalid symbol.") }
        guard let interval = parameters["interval"], let timeframe = Timeframe(rawValue: interval) else { return Self.error(400, -1120, "Invalid interval.") }
        let limit = min(1_000, parameters["limit"].flatMap(Int.init) ?? 500)
        let start = parameters["startTime"].flatMap(Int64.init) ?? .min, end = parameters["endTime"].flatMap(Int64.init) ?? .max
        let rows = (klines[symbol]?[interval] ?? []).filter { $0.openTime.millisecondsSinceEpoch >= start && $0.openTime.millisecondsSinceEpoch <= end }.prefix(limit)
        let text = rows.map { bar in
            let open = bar.openTime.millisecondsSinceEpoch
            return "[\(open),\"\(bar.open)\",\"\(bar.high)\",\"\(bar.low)\",\"\(bar.close)\",\"\(bar.volume?.description ?? "0")\",\(open + timeframe.milliseconds - 1),\"0\",0,\"0\",\"0\",\"0\"]"
        }
        return Answer(status: 200, body: "[" + text.joined(separator: ",") + "]")
    }

    /// `GET /api/v3/exchangeInfo` (all symbols, or those of `symbol` / `symbols`).
    func exchangeInfo(_ parameters: [String: String]) -> Answer {
        var wanted = Array(listings.keys).sorted()
        if let one = parameters["symbol"] { wanted = [one] }
        if let list = parameters["symbols"], let data = list.data(using: .utf8), let names = try? JSONDecoder().decode([String].self, from: data) { wanted = names }
        if let unknown = wanted.first(where: { listings[$0] == nil }) {
            return Self.error(400, -1121, "Invalid symbol.").withMessage("Invalid symbol: \(unknown)")
        }
        let symbols = wanted.compactMap { listings[$0] }.map { listing in
            "{\"symbol\":\"\(listing.symbol)\",\"status\":\"TRADING\",\"baseAsset\":\"\(listing.baseAsset)\",\"baseAssetPrecision\":8,\"quoteAsset\":\"\(listing.quoteAsset)\",\"quotePrecision\":8,\"quoteAssetPrecision\":8,\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\",\"STOP_LOSS\",\"STOP_LOSS_LIMIT\"],\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"\(listing.tickSize)\",\"maxPrice\":\"1000000.00000000\",\"tickSize\":\"\(listing.tickSize)\"},{\"filterType\":\"LOT_SIZE\",\"minQty\":\"\(listing.minimumQuantity)\",\"maxQty\":\"\(listing.maximumQuantity)\",\"stepSize\":\"\(listing.stepSize)\"},{\"filterType\":\"MARKET_LOT_SIZE\",\"minQty\":\"0.00000000\",\"maxQty\":\"0.00000000\",\"stepSize\":\"0.00000000\"},{\"filterType\":\"NOTIONAL\",\"minNotional\":\"\(listing.minimumNotional)\",\"applyMinToMarket\":true,\"maxNotional\":\"9000000.00000000\",\"applyMaxToMarket\":false,\"avgPriceMins\":5}],\"permissions\":[],\"permissionSets\":[[\"SPOT\"]]}"
        }
        let limits = "[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":\(weightLimitPerMinute)},{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":\(orderLimitPerTenSeconds)},{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\",\"intervalNum\":1,\"limit\":160000}]"
        return Answer(status: 200, body: "{\"timezone\":\"UTC\",\"serverTime\":\(serverTime),\"rateLimits\":\(limits),\"exchangeFilters\":[],\"symbols\":[\(symbols.joined(separator: ","))]}")
    }

    // MARK: matching

    private func find(_ parameters: [String: String]) -> StubOrder? {
        let symbol = parameters["symbol"]
        if let clientID = parameters["origClientOrderId"] { return orders.last { $0.clientOrderID == clientID && $0.symbol == symbol } }
        if let orderID = parameters["orderId"].flatMap(Int64.init) { return orders.first { $0.orderID == orderID && $0.symbol == symbol } }
        return nil
    }

    func reserved(_ asset: String) -> FixedDecimal {
        orders.filter { ["NEW", "PARTIALLY_FILLED"].contains($0.status) }.reduce(FixedDecimal.zero) { total, order in
            guard let listing = listings[order.symbol] else { return total }
            let remaining = order.quantity - order.executed
            if order.side == "BUY" && listing.quoteAsset == asset {
                let level = order.type == "LIMIT" ? order.price : order.stopPrice
                return total + ((try? remaining.multiplied(by: level)) ?? .zero)
            }
            if order.side == "SELL" && listing.baseAsset == asset { return total + remaining }
            return total
        }
    }

    private func fill(_ index: Int, quantity: FixedDecimal, at price: FixedDecimal, time: Int64, pieces: Int) -> [StubTrade] {
        guard let listing = listings[orders[index].symbol] else { return [] }
        var made: [StubTrade] = []
        var left = quantity
        for piece in 0..<max(1, pieces) {
            // Equal pieces on the lot step, the last one taking the rest.
            var part = piece == max(1, pieces) - 1 ? left : FixedDecimal(units: (quantity.units / Int128(pieces)) / listing.stepSize.units * listing.stepSize.units)
            if part > left { part = left }
            guard part.isPositive else { continue }
            left = left - part
            let notional = (try? part.multiplied(by: price)) ?? .zero
            let commission = (try? notional.multiplied(by: commissionRate)) ?? .zero
            let buying = orders[index].side == "BUY"
            balances[listing.baseAsset] = (balances[listing.baseAsset] ?? .zero) + (buying ? part : -part)
            balances[listing.quoteAsset] = (balances[listing.quoteAsset] ?? .zero) + (buying ? -notional : notional) - commission
            orders[index].executed = orders[index].executed + part
            orders[index].quoteExecuted = orders[index].quoteExecuted + notional
            orders[index].status = orders[index].executed == orders[index].quantity ? "FILLED" : "PARTIALLY_FILLED"
            orders[index].updateTime = time
            let trade = StubTrade(id: nextTradeID, orderID: orders[index].orderID, symbol: listing.symbol, isBuyer: buying, price: price, quantity: part,
                                  commission: commission, commissionAsset: listing.quoteAsset, time: time)
            nextTradeID += 1
            trades.append(trade)
            made.append(trade)
            publishExecution(orders[index], kind: "TRADE", trade: trade)
            publishBalances([listing.baseAsset, listing.quoteAsset])
        }
        return made
    }

    private func orderJSON(_ order: StubOrder, fills: [StubTrade], full: Bool) -> String {
        var text = "{\"symbol\":\"\(order.symbol)\",\"orderId\":\(order.orderID),\"orderListId\":-1,\"clientOrderId\":\"\(order.clientOrderID)\",\"price\":\"\(order.price)\",\"origQty\":\"\(order.quantity)\",\"executedQty\":\"\(order.executed)\",\"cummulativeQuoteQty\":\"\(order.quoteExecuted)\",\"status\":\"\(order.status)\",\"timeInForce\":\"\(order.timeInForce ?? "GTC")\",\"type\":\"\(order.type)\",\"side\":\"\(order.side)\",\"stopPrice\":\"\(order.stopPrice)\",\"time\":\(order.time),\"updateTime\":\(order.updateTime),\"isWorking\":true,\"workingTime\":\(order.time),\"selfTradePreventionMode\":\"NONE\""
        if full {
            text += ",\"transactTime\":\(order.time),\"fills\":[" + fills.map {
                "{\"price\":\"\($0.price)\",\"qty\":\"\($0.quantity)\",\"commission\":\"\($0.commission)\",\"commissionAsset\":\"\($0.commissionAsset)\",\"tradeId\":\($0.id)}"
            }.joined(separator: ",") + "]"
        }
        return text + "}"
    }
}

extension BinanceStubExchange.Answer {
    /// The same error with another message.
    func withMessage(_ message: String) -> Self {
        guard let data = body.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let code = object["code"] as? Int else { return self }
        return BinanceStubExchange.error(status, code, message)
    }
}
