import Foundation
import TradingCore

/// The state of a local Alpaca for tests, written from Alpaca's documentation (Trading API v2 and
/// Market Data v2): assets, an account with cash and positions, orders matched against the bars it
/// is handed, FILL activities, bars served in pages, the 200-a-minute request limit, and faults
/// injected on demand. Its record of fills is what tests compare the orchestrator's books with.
public actor AlpacaStubBroker {
    /// A listed asset.
    public struct Asset: Sendable {
        public let symbol: String
        public let isCrypto: Bool
        public var fractionable: Bool
        public var tradable: Bool
        public var minimumOrderSize: String
        public var minimumTradeIncrement: String
        public var priceIncrement: String

        /// A stock (fractionable or not) or a crypto pair (`BTC/USD`).
        public init(symbol: String, fractionable: Bool = true, tradable: Bool = true) {
            self.symbol = symbol
            isCrypto = symbol.contains("/")
            self.fractionable = fractionable
            self.tradable = tradable
            minimumOrderSize = isCrypto ? "0.0001" : "0"
            minimumTradeIncrement = isCrypto ? "0.0001" : "0"
            priceIncrement = isCrypto ? "1" : "0.01"
        }
    }

    /// An order as the broker holds it.
    public struct StubOrder: Sendable {
        public let id: String
        public let clientOrderID: String
        public let symbol: String
        public let side: String
        public let type: String
        public let timeInForce: String
        public let quantity: FixedDecimal
        public let limitPrice: FixedDecimal?
        public let stopPrice: FixedDecimal?
        public var filled: FixedDecimal = .zero
        public var filledNotional: FixedDecimal = .zero
        public var status = "new"
        public let createdAt: Int64
        public var updatedAt: Int64
    }

    /// A FILL activity.
    public struct StubFill: Sendable {
        public let id: String
        public let orderID: String
        public let symbol: String
        public let side: String
        public let quantity: FixedDecimal
        public let price: FixedDecimal
        public let cumulative: FixedDecimal
        public let leaves: FixedDecimal
        public let time: Int64
    }

    /// An answer: status, body and headers.
    public struct Answer: Sendable {
        public let status: Int
        public let body: String
        public var headers: [(String, String)] = []
        /// How long to hold the answer back (a time-out fault).
        public var delay: Duration = .zero
    }

    public private(set) var assets: [String: Asset]
    public private(set) var cash: FixedDecimal
    public private(set) var positions: [String: FixedDecimal] = [:]
    public private(set) var orders: [StubOrder] = []
    public private(set) var fills: [StubFill] = []
    /// The trading days `/v2/calendar` lists (`YYYY-MM-DD`, New York `HH:MM` open and close); a
    /// holiday is a day not listed, a half day closes at 13:00.
    public var sessions: [(date: String, open: String, close: String)] = []
    /// Bars served by the market-data REST, by Alpaca symbol, oldest first.
    public private(set) var bars: [String: [Bar]] = [:]
    private var lastPrice: [String: FixedDecimal] = [:]
    private let keyID: String
    private let secret: String
    private let clock: @Sendable () -> Int64
    private var sequence = 0
    private var requestTimes: [Int64] = []
    /// The requests a minute the broker allows (Alpaca: 200).
    public let requestLimitPerMinute: Int
    /// Requests answered, and requests refused with 429 (for assertions).
    public private(set) var requestCount = 0
    public private(set) var rateLimitedCount = 0

    // Faults.
    /// How many executions fill an order (the first ones partial fills).
    public var piecesPerFill = 1
    /// The next this-many requests answer 429 whatever the count.
    public var forcedRateLimits = 0
    /// The next order is accepted and then answered with this status (a 5xx after acceptance).
    public var failNextSubmitAfterAccepting: Int?
    /// The next order's answer is held back this long (a time-out after acceptance).
    public var delayNextSubmit: Duration?
    /// The next order never arrives: nothing is stored and the answer is held back this long (a
    /// request lost on its way, as the client sees it: a time-out).
    public var loseNextSubmit: Duration?
    /// Requests answered 403 `forbidden` (Alpaca's answer to a key that may not do what it asks), counted down.
    public var forbiddenRequests = 0

    /// The next `count` requests are forbidden (403).
    public func forbid(next count: Int) {
        forbiddenRequests = count
    }

    /// Creates a broker with `assets`, `cash` dollars and the key it accepts.
    public init(assets: [Asset], cash: FixedDecimal, keyID: String, secret: String, requestLimitPerMinute: Int = 200,
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1_000) }) {
        self.assets = Dictionary(uniqueKeysWithValues: assets.map { ($0.symbol, $0) })
        self.cash = cash
        self.keyID = keyID
        self.secret = secret
        self.requestLimitPerMinute = requestLimitPerMinute
        self.clock = clock
    }

    /// Sets a fault.
    /// Fills every order in `pieces` executions.
    public func setPiecesPerFill(_ pieces: Int) {
        piecesPerFill = max(1, pieces)
    }

    public func inject(rateLimits: Int = 0, failNextSubmitAfterAccepting status: Int? = nil, delayNextSubmit: Duration? = nil, loseNextSubmit: Duration? = nil) {
        forcedRateLimits = rateLimits
        failNextSubmitAfterAccepting = status
        self.delayNextSubmit = delayNextSubmit
        self.loseNextSubmit = loseNextSubmit
    }

    /// Sets the trading days `/v2/calendar` lists.
    public func setSessions(_ days: [(date: String, open: String, close: String)]) {
        sessions = days
    }

    // MARK: trade_updates

    private var listeners: [Int: AsyncStream<String>.Continuation] = [:]
    private var nextListener = 0
    /// Whether trade updates go out as binary frames (as the paper endpoint sends them).
    public var binaryFrames = true
    /// Trade updates sent, by event (for assertions).
    public private(set) var tradeUpdatesSent: [String] = []

    /// Whether the key of an `auth` (or older `authenticate`) message is the broker's.
    public func authorizes(_ message: String) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any] else { return false }
        if object["action"] as? String == "auth" { return object["key"] as? String == keyID && object["secret"] as? String == secret }
        if object["action"] as? String == "authenticate", let data = object["data"] as? [String: Any] {
            return data["key_id"] as? String == keyID && data["secret_key"] as? String == secret
        }
        return false
    }

    /// A listening connection: the frames to send it.
    public func listen() -> (id: Int, frames: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        nextListener += 1
        listeners[nextListener] = continuation
        return (nextListener, stream)
    }

    /// A connection that ended.
    public func stopListening(_ id: Int) {
        listeners[id]?.finish()
        listeners[id] = nil
    }

    /// Ends every trade_updates connection (a dropped stream, as the client sees it).
    public func dropTradeUpdateConnections() {
        for continuation in listeners.values { continuation.finish() }
        listeners = [:]
    }

    /// How many connections listen now.
    public var listenerCount: Int { listeners.count }
    /// Market-data connections subscribed to bars now.
    public var barSubscriberCount: Int { barSubscribers.count }
    /// Whether both streams are up: a bar subscription and a `trade_updates` listener.
    public var isStreaming: Bool { !barSubscribers.isEmpty && !listeners.isEmpty }
    /// Order requests received per client order id (a repeat is an order sent twice).
    public private(set) var submissions: [String: Int] = [:]
    /// When each order request arrived (`DispatchTime` uptime nanoseconds), for latency benchmarks.
    public private(set) var orderArrivals: [UInt64] = []

    /// Sets whether trade updates go out as binary frames.
    public func setBinaryFrames(_ binary: Bool) {
        binaryFrames = binary
    }

    private func sendTradeUpdate(_ event: String, order: StubOrder, fill: StubFill? = nil) {
        tradeUpdatesSent.append(event)
        var data = "\"event\":\"\(event)\",\"timestamp\":\"\(Timestamp(millisecondsSinceEpoch: clock()).iso8601)\",\"order\":\(Self.json(order))"
        if let fill {
            data += ",\"execution_id\":\"exec-\(fill.id.suffix(12))\",\"price\":\"\(fill.price)\",\"qty\":\"\(fill.quantity)\","
                + "\"position_qty\":\"\(positions[order.symbol] ?? .zero)\""
        }
        let frame = "{\"stream\":\"trade_updates\",\"data\":{\(data)}}"
        for continuation in listeners.values { continuation.yield(frame) }
    }

    // MARK: the market-data stream

    private var barSubscribers: [Int: (symbols: Set<String>, continuation: AsyncStream<String>.Continuation)] = [:]
    private var authenticatedStreams = 0

    /// Whether a market-data `auth` message carries the broker's key.
    public func authorizesMarketData(_ message: String) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any] else { return false }
        let action = object["action"] as? String, key = object["key"] as? String, given = object["secret"] as? String
        return action == "auth" && key == keyID && given == secret
    }

    /// An authenticated market-data connection; false when one already holds the account's (Alpaca's 406).
    public func openMarketDataConnection() -> Bool {
        guard authenticatedStreams == 0 else { return false }
        authenticatedStreams += 1
        return true
    }

    /// A market-data connection that ended.
    public func closeMarketDataConnection(_ subscriber: Int?) {
        authenticatedStreams = max(0, authenticatedStreams - 1)
        if let subscriber {
            barSubscribers[subscriber]?.continuation.finish()
            barSubscribers[subscriber] = nil
        }
    }

    /// Subscribes a connection to the bars of `symbols`: the frames to send it.
    public func subscribeBars(_ symbols: Set<String>) -> (id: Int, frames: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        nextListener += 1
        barSubscribers[nextListener] = (symbols, continuation)
        return (nextListener, stream)
    }

    /// Ends every market-data connection (a dropped stream, as the client sees it).
    public func dropMarketDataConnections() {
        for subscriber in barSubscribers.values { subscriber.continuation.finish() }
        barSubscribers = [:]
    }

    /// A minute bar closes: stored for the REST and sent to the stream's subscribers of `symbol`
    /// (unless `streamed` is false: a bar the stream missed, which only the REST has).
    public func publishBar(_ bar: Bar, symbol: String, streamed: Bool = true) {
        bars[symbol, default: []].append(bar)
        guard streamed else { return }
        let frame = "[{\"T\":\"b\",\"S\":\"\(symbol)\",\"o\":\(bar.open.value),\"h\":\(bar.high.value),\"l\":\(bar.low.value),\"c\":\(bar.close.value),"
            + "\"v\":\(bar.volume?.value ?? .zero),\"t\":\"\(bar.openTime.iso8601.replacingOccurrences(of: ".000Z", with: "Z"))\",\"n\":1,\"vw\":\(bar.close.value)}]"
        for subscriber in barSubscribers.values where subscriber.symbols.contains(symbol) { subscriber.continuation.yield(frame) }
    }

    /// Stores bars the market-data REST serves.
    public func setBars(_ series: [Bar], symbol: String) {
        bars[symbol] = series.sorted { $0.openTime < $1.openTime }
    }

    /// The market trades one bar of `symbol`: working orders are matched against it (market orders
    /// at its open; limits and stops at their price, or the open when it is through them).
    @discardableResult
    public func trade(_ bar: Bar, symbol: String) -> [StubFill] {
        var made: [StubFill] = []
        for index in orders.indices where orders[index].symbol == symbol && ["new", "accepted", "partially_filled"].contains(orders[index].status) {
            let order = orders[index]
            let buying = order.side == "buy"
            let open = bar.open.value, high = bar.high.value, low = bar.low.value
            var price: FixedDecimal?
            /// A limit active for the whole bar: the open when already at or better, the limit when the range reaches it.
            func limitFill(_ limit: FixedDecimal) -> FixedDecimal? {
                if buying ? open <= limit : open >= limit { return open }
                return buying ? (low <= limit ? limit : nil) : (high >= limit ? limit : nil)
            }
            switch order.type {
            case "limit":
                price = limitFill(order.limitPrice!)
            case "stop":
                let stop = order.stopPrice!
                if buying ? open >= stop : open <= stop { price = open } else if buying ? high >= stop : low <= stop { price = stop }
            case "stop_limit":
                // Through the stop at the open: a limit order for the whole bar; triggered inside it: fills at the stop when within the limit.
                let stop = order.stopPrice!, limit = order.limitPrice!
                if buying ? open >= stop : open <= stop {
                    price = limitFill(limit)
                } else if (buying ? high >= stop : low <= stop) && (buying ? stop <= limit : stop >= limit) {
                    price = stop
                }
            default:
                price = open
            }
            guard let price else { continue }
            // In `piecesPerFill` executions: all but the last leave a remainder (partial fills).
            let remaining = order.quantity - order.filled
            let piece = FixedDecimal(units: remaining.units / Int128(max(1, piecesPerFill)))
            for number in 1...max(1, piecesPerFill) {
                let quantity = number == piecesPerFill || !piece.isPositive ? orders[index].quantity - orders[index].filled : piece
                guard quantity.isPositive else { break }
                made.append(fill(index, quantity: quantity, at: price, time: bar.openTime.millisecondsSinceEpoch))
            }
        }
        lastPrice[symbol] = bar.close.value
        return made
    }

    private func fill(_ index: Int, quantity: FixedDecimal, at price: FixedDecimal, time: Int64) -> StubFill {
        let notional = (try? quantity.multiplied(by: price)) ?? .zero
        orders[index].filled = orders[index].filled + quantity
        orders[index].filledNotional = orders[index].filledNotional + notional
        let leaves = orders[index].quantity - orders[index].filled
        orders[index].status = leaves.isZero ? "filled" : "partially_filled"
        orders[index].updatedAt = clock()
        let buying = orders[index].side == "buy"
        cash = buying ? cash - notional : cash + notional
        positions[orders[index].symbol] = (positions[orders[index].symbol] ?? .zero) + (buying ? quantity : .zero - quantity)
        sequence += 1
        let record = StubFill(id: Self.activityID(time: clock(), sequence: sequence), orderID: orders[index].id, symbol: orders[index].symbol,
                              side: orders[index].side, quantity: quantity, price: price, cumulative: orders[index].filled, leaves: leaves, time: clock())
        fills.append(record)
        sendTradeUpdate(leaves.isZero ? "fill" : "partial_fill", order: orders[index], fill: record)
        return record
    }

    /// `<YYYYMMDDhhmmssSSS>::<uuid>`, as Alpaca writes activity ids (in order of time).
    static func activityID(time: Int64, sequence: Int) -> String {
        let stamp = Timestamp(millisecondsSinceEpoch: time).iso8601.filter(\.isNumber).prefix(17)
        return "\(stamp)::00000000-0000-4000-8000-\(String(format: "%012d", sequence))"
    }

    // MARK: requests

    /// Answers one request: `method`, the path (without the query), the decoded query, the headers and the body.
    public func answer(method: String, path: String, query: [String: String], headers: [String: String], body: String) -> Answer {
        let now = clock()
        requestTimes = requestTimes.filter { $0 > now - 60_000 }
        if forcedRateLimits > 0 || requestTimes.count >= requestLimitPerMinute {
            forcedRateLimits = max(0, forcedRateLimits - 1)
            rateLimitedCount += 1
            // As Alpaca answers: plain text, with the window's reset in epoch seconds.
            return Answer(status: 429, body: "Too Many Requests", headers: [("X-Ratelimit-Limit", String(requestLimitPerMinute)),
                                                                              ("X-Ratelimit-Remaining", "0"), ("X-Ratelimit-Reset", String(now / 1_000 + 1))])
        }
        requestTimes.append(now)
        requestCount += 1
        guard headers["apca-api-key-id"] == keyID, headers["apca-api-secret-key"] == secret else {
            return Answer(status: 401, body: #"{"message": "unauthorized."}"#)
        }
        if forbiddenRequests > 0 {
            forbiddenRequests -= 1
            return Self.error(403, 40310000, "forbidden.")
        }
        switch (method, path) {
        case ("GET", "/v2/account"):
            return Answer(status: 200, body: "{\"id\":\"stub-account\",\"status\":\"ACTIVE\",\"currency\":\"USD\",\"cash\":\"\(cash)\",\"buying_power\":\"\(cash)\","
                          + "\"pattern_day_trader\":false,\"trading_blocked\":false,\"daytrade_count\":0}")
        case ("GET", "/v2/positions"):
            let list = positions.filter { !$0.value.isZero }.sorted { $0.key < $1.key }.map { symbol, quantity in
                "{\"symbol\":\"\(symbol)\",\"qty\":\"\(quantity)\",\"qty_available\":\"\(quantity)\",\"side\":\"\(quantity.isNegative ? "short" : "long")\","
                    + "\"asset_class\":\"\(symbol.contains("/") ? "crypto" : "us_equity")\"}"
            }
            return Answer(status: 200, body: "[" + list.joined(separator: ",") + "]")
        case ("POST", "/v2/orders"):
            return submit(body)
        case ("GET", "/v2/orders:by_client_order_id"):
            guard let order = orders.first(where: { $0.clientOrderID == query["client_order_id"] }) else { return Self.error(404, 40410000, "order not found") }
            return Answer(status: 200, body: Self.json(order))
        case ("GET", "/v2/orders"):
            // `status` open (the default), closed or all; `symbols`; `limit` (50 by default, at most 500); `direction` asc or desc.
            let wanted = Set((query["symbols"] ?? "").split(separator: ",").map(String.init))
            let working = ["new", "accepted", "partially_filled"]
            let status = query["status"] ?? "open"
            var listed = orders.filter { order in
                (wanted.isEmpty || wanted.contains(order.symbol))
                    && (status == "all" || (status == "open") == working.contains(order.status))
            }
            if query["direction"] != "asc" { listed.reverse() }
            listed = Array(listed.prefix(min(500, max(1, Int(query["limit"] ?? "50") ?? 50))))
            return Answer(status: 200, body: "[" + listed.map(Self.json).joined(separator: ",") + "]")
        case ("GET", "/v2/account/activities/FILL"):
            return activities(query)
        case ("GET", "/v2/calendar"):
            // `start` and `end` are inclusive dates.
            let start = String((query["start"] ?? "0000-00-00").prefix(10)), end = String((query["end"] ?? "9999-99-99").prefix(10))
            let days = sessions.filter { $0.date >= start && $0.date <= end }.map {
                "{\"date\":\"\($0.date)\",\"open\":\"\($0.open)\",\"close\":\"\($0.close)\",\"session_open\":\"0400\",\"session_close\":\"2000\"}"
            }
            return Answer(status: 200, body: "[" + days.joined(separator: ",") + "]")
        case ("GET", "/v2/clock"):
            return clockAnswer(now)
        case ("GET", "/v2/stocks/bars"), ("GET", "/v1beta3/crypto/us/bars"):
            return barsPage(query)
        default:
            if method == "GET", path.hasPrefix("/v2/assets/") {
                let name = String(path.dropFirst("/v2/assets/".count)).removingPercentEncoding ?? ""
                guard let asset = assets[name] else { return Self.error(404, 40410000, "asset not found for \(name)") }
                return Answer(status: 200, body: Self.json(asset))
            }
            if method == "GET", path.hasPrefix("/v2/orders/") {
                let id = String(path.dropFirst("/v2/orders/".count))
                guard let order = orders.first(where: { $0.id == id }) else { return Self.error(404, 40410000, "order not found") }
                return Answer(status: 200, body: Self.json(order))
            }
            if method == "DELETE", path.hasPrefix("/v2/orders/") {
                return cancel(String(path.dropFirst("/v2/orders/".count)))
            }
            return Self.error(404, 40410000, "endpoint not found")
        }
    }

    /// `/v2/clock` from the sessions (New York times written with the offset Alpaca uses, `-04:00` or `-05:00`).
    private func clockAnswer(_ now: Int64) -> Answer {
        let spans = sessions.compactMap { day -> (open: Int64, close: Int64)? in
            guard let open = Self.newYorkInstant(day.date, day.open), let close = Self.newYorkInstant(day.date, day.close) else { return nil }
            return (open, close)
        }.sorted { $0.open < $1.open }
        let isOpen = spans.contains { $0.open <= now && now < $0.close }
        let nextOpen = spans.first { $0.open > now }?.open, nextClose = spans.first { $0.close > now }?.close
        func text(_ milliseconds: Int64?) -> String {
            guard let milliseconds else { return "null" }
            return "\"" + Self.newYorkText(milliseconds) + "\""
        }
        return Answer(status: 200, body: "{\"timestamp\":\(text(now)),\"is_open\":\(isOpen),\"next_open\":\(text(nextOpen)),\"next_close\":\(text(nextClose))}")
    }

    /// Whether US daylight time is in force at `milliseconds` (second Sunday of March to first Sunday of November, 2:00 local).
    static func newYorkOffsetHours(_ milliseconds: Int64) -> Int64 {
        let date = Timestamp(millisecondsSinceEpoch: milliseconds).iso8601
        let year = Int(date.prefix(4))!
        func secondSunday(_ month: Int, _ nth: Int) -> Int64 {
            let first = Timestamp(iso8601: String(format: "%04d-%02d-01T00:00:00Z", year, month))!.millisecondsSinceEpoch / 86_400_000
            let weekday = (first + 4) % 7  // 0 = Sunday (1970-01-01 was a Thursday)
            return first + (7 - weekday) % 7 + Int64(nth - 1) * 7
        }
        let starts = secondSunday(3, 2) * 86_400_000 + 7 * 3_600_000, ends = secondSunday(11, 1) * 86_400_000 + 6 * 3_600_000
        return milliseconds >= starts && milliseconds < ends ? -4 : -5
    }

    /// `date` (`YYYY-MM-DD`) at `time` (`HH:MM`) in New York.
    static func newYorkInstant(_ date: String, _ time: String) -> Int64? {
        guard let noon = Timestamp(iso8601: date + "T12:00:00Z")?.millisecondsSinceEpoch else { return nil }
        let offset = newYorkOffsetHours(noon)
        return Timestamp(iso8601: date + "T" + time + String(format: ":00%+03lld:00", offset))?.millisecondsSinceEpoch
    }

    /// `milliseconds` as New York local time with its offset, as Alpaca writes `/v2/clock`.
    public static func newYorkText(_ milliseconds: Int64) -> String {
        let offset = newYorkOffsetHours(milliseconds)
        let local = Timestamp(millisecondsSinceEpoch: milliseconds + offset * 3_600_000).iso8601
        return String(local.dropLast(1)) + String(format: "%+03lld:00", offset)
    }

    static func error(_ status: Int, _ code: Int, _ message: String) -> Answer {
        Answer(status: status, body: "{\"code\":\(code),\"message\":\"\(message)\"}")
    }

    private func submit(_ body: String) -> Answer {
        orderArrivals.append(DispatchTime.now().uptimeNanoseconds)
        if let lost = loseNextSubmit {
            loseNextSubmit = nil
            var answer = Self.error(504, 50400000, "lost")
            answer.delay = lost
            return answer
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            return Self.error(400, 40010000, "request body format is invalid")
        }
        func text(_ name: String) -> String? { (object[name] as? String) ?? (object[name] as? NSNumber).map { "\($0)" } }
        guard let symbol = text("symbol"), let side = text("side"), ["buy", "sell"].contains(side), let type = text("type"),
              let timeInForce = text("time_in_force"), let quantityText = text("qty"), let quantity = FixedDecimal(quantityText), quantity.isPositive else {
            return Self.error(422, 40010001, "invalid order: symbol, qty, side, type and time_in_force are required")
        }
        guard let asset = assets[symbol] else { return Self.error(422, 40010001, "asset \(symbol) not found") }
        guard asset.tradable else { return Self.error(422, 40010001, "asset \(symbol) is not tradable") }
        let clientID = text("client_order_id") ?? UUID().uuidString.lowercased()
        submissions[clientID, default: 0] += 1
        guard clientID.count <= 48 else { return Self.error(422, 40010001, "client_order_id must be no more than 48 characters") }
        guard !orders.contains(where: { $0.clientOrderID == clientID }) else { return Self.error(422, 40010001, "client_order_id must be unique") }
        let fractional = quantity.description.contains(".")
        if fractional && !asset.isCrypto {
            guard asset.fractionable else { return Self.error(422, 40010001, "requested asset is not fractionable") }
            guard type == "market" || type == "limit", timeInForce == "day" else { return Self.error(422, 42210000, "fractional orders must be DAY orders") }
        }
        guard ["market", "limit", "stop", "stop_limit"].contains(type) else { return Self.error(422, 40010001, "invalid order type") }
        guard ["day", "gtc", "opg", "cls", "ioc", "fok"].contains(timeInForce) else { return Self.error(422, 40010001, "invalid time_in_force") }
        let limit = text("limit_price").flatMap(FixedDecimal.init), stop = text("stop_price").flatMap(FixedDecimal.init)
        if ["limit", "stop_limit"].contains(type) && limit == nil || ["stop", "stop_limit"].contains(type) && stop == nil {
            return Self.error(422, 40010001, "a price is required for \(type) orders")
        }
        // Buying power: the order's value at its price (market: the last price) must fit the cash.
        if side == "buy", let price = limit ?? stop ?? lastPrice[symbol], let value = try? quantity.multiplied(by: price), value > cash {
            return Self.error(403, 40310000, "insufficient buying power")
        }
        sequence += 1
        let now = clock()
        let order = StubOrder(id: String(format: "00000000-0000-4000-9000-%012d", sequence), clientOrderID: clientID, symbol: symbol, side: side,
                              type: type, timeInForce: timeInForce, quantity: quantity, limitPrice: limit, stopPrice: stop, createdAt: now, updatedAt: now)
        orders.append(order)
        sendTradeUpdate("new", order: order)
        if let status = failNextSubmitAfterAccepting {
            failNextSubmitAfterAccepting = nil
            return Answer(status: status, body: "upstream error")
        }
        var answer = Answer(status: 200, body: Self.json(order))
        if let delay = delayNextSubmit {
            delayNextSubmit = nil
            answer.delay = delay
        }
        return answer
    }

    private func cancel(_ id: String) -> Answer {
        guard let index = orders.firstIndex(where: { $0.id == id }) else { return Self.error(404, 40410000, "order not found") }
        guard ["new", "accepted", "partially_filled"].contains(orders[index].status) else {
            return Self.error(422, 42210000, "order is already in \\\"\(orders[index].status)\\\" state")
        }
        orders[index].status = "canceled"
        orders[index].updatedAt = clock()
        sendTradeUpdate("canceled", order: orders[index])
        return Answer(status: 204, body: "")
    }

    private func activities(_ query: [String: String]) -> Answer {
        let after = query["after"].flatMap { Timestamp(iso8601: $0) }?.millisecondsSinceEpoch ?? .min
        var list = fills.filter { $0.time > after }
        if let token = query["page_token"], let position = list.firstIndex(where: { $0.id == token }) { list = Array(list[(position + 1)...]) }
        let size = min(100, Int(query["page_size"] ?? "100") ?? 100)
        return Answer(status: 200, body: "[" + list.prefix(size).map { fill in
            "{\"id\":\"\(fill.id)\",\"activity_type\":\"FILL\",\"transaction_time\":\"\(Timestamp(millisecondsSinceEpoch: fill.time).iso8601)\","
                + "\"type\":\"\(fill.leaves.isZero ? "fill" : "partial_fill")\",\"price\":\"\(fill.price)\",\"qty\":\"\(fill.quantity)\",\"side\":\"\(fill.side)\","
                + "\"symbol\":\"\(fill.symbol)\",\"leaves_qty\":\"\(fill.leaves)\",\"order_id\":\"\(fill.orderID)\",\"cum_qty\":\"\(fill.cumulative)\","
                + "\"order_status\":\"\(fill.leaves.isZero ? "filled" : "partially_filled")\"}"
        }.joined(separator: ",") + "]")
    }

    /// One page of bars: `limit` bars from the token's position (an opaque base64 of the index).
    private func barsPage(_ query: [String: String]) -> Answer {
        let symbol = query["symbols"] ?? ""
        let start = query["start"].flatMap { Timestamp(iso8601: $0) } ?? Timestamp(millisecondsSinceEpoch: .min)
        let end = query["end"].flatMap { Timestamp(iso8601: $0) } ?? Timestamp(millisecondsSinceEpoch: .max)
        let inRange = (bars[symbol] ?? []).filter { $0.openTime >= start && $0.openTime <= end }
        let offset = query["page_token"].flatMap { Data(base64Encoded: $0) }.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
        let limit = max(1, min(10_000, Int(query["limit"] ?? "1000") ?? 1_000))
        let page = inRange.dropFirst(offset).prefix(limit)
        let next = offset + page.count < inRange.count ? "\"" + Data(String(offset + page.count).utf8).base64EncodedString() + "\"" : "null"
        // Prices as JSON numbers, as Alpaca writes them.
        let entries = page.map { bar in
            "{\"t\":\"\(bar.openTime.iso8601.replacingOccurrences(of: ".000Z", with: "Z"))\",\"o\":\(bar.open.value),\"h\":\(bar.high.value),\"l\":\(bar.low.value),"
                + "\"c\":\(bar.close.value),\"v\":\(bar.volume?.value ?? .zero),\"n\":1,\"vw\":\(bar.close.value)}"
        }
        return Answer(status: 200, body: "{\"bars\":{\"\(symbol)\":[\(entries.joined(separator: ","))]},\"next_page_token\":\(next)}")
    }

    static func json(_ asset: Asset) -> String {
        "{\"id\":\"asset-\(asset.symbol)\",\"class\":\"\(asset.isCrypto ? "crypto" : "us_equity")\",\"exchange\":\"\(asset.isCrypto ? "CRYPTO" : "NASDAQ")\","
            + "\"symbol\":\"\(asset.symbol)\",\"name\":\"\(asset.symbol)\",\"status\":\"active\",\"tradable\":\(asset.tradable),\"marginable\":false,"
            + "\"shortable\":false,\"easy_to_borrow\":false,\"fractionable\":\(asset.fractionable)"
            + (asset.isCrypto ? ",\"min_order_size\":\"\(asset.minimumOrderSize)\",\"min_trade_increment\":\"\(asset.minimumTradeIncrement)\",\"price_increment\":\"\(asset.priceIncrement)\"" : "")
            + "}"
    }

    static func json(_ order: StubOrder) -> String {
        func time(_ milliseconds: Int64) -> String { "\"" + Timestamp(millisecondsSinceEpoch: milliseconds).iso8601 + "\"" }
        func decimal(_ value: FixedDecimal?) -> String { value.map { "\"\($0)\"" } ?? "null" }
        let average: FixedDecimal? = order.filled.isPositive ? (try? order.filledNotional.divided(by: order.filled)) : nil
        return "{\"id\":\"\(order.id)\",\"client_order_id\":\"\(order.clientOrderID)\",\"created_at\":\(time(order.createdAt)),\"updated_at\":\(time(order.updatedAt)),"
            + "\"submitted_at\":\(time(order.createdAt)),\"filled_at\":\(order.status == "filled" ? time(order.updatedAt) : "null"),\"expired_at\":null,"
            + "\"canceled_at\":\(order.status == "canceled" ? time(order.updatedAt) : "null"),\"failed_at\":null,\"replaced_at\":null,\"replaced_by\":null,"
            + "\"replaces\":null,\"asset_id\":\"asset-\(order.symbol)\",\"symbol\":\"\(order.symbol)\",\"asset_class\":\"\(order.symbol.contains("/") ? "crypto" : "us_equity")\","
            + "\"notional\":null,\"qty\":\"\(order.quantity)\",\"filled_qty\":\"\(order.filled)\",\"filled_avg_price\":\(decimal(average)),\"order_class\":\"\","
            + "\"order_type\":\"\(order.type)\",\"type\":\"\(order.type)\",\"side\":\"\(order.side)\",\"time_in_force\":\"\(order.timeInForce)\","
            + "\"limit_price\":\(decimal(order.limitPrice)),\"stop_price\":\(decimal(order.stopPrice)),\"status\":\"\(order.status)\",\"extended_hours\":false,"
            + "\"legs\":null,\"trail_percent\":null,\"trail_price\":null,\"hwm\":null}"
    }
}
