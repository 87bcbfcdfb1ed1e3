import Foundation
import Logging
import NIOCore
import TradingCore
import TradingEngine
import VenueTransport
import WSClient

/// Alpaca's minute bars behind the `MarketDataFeed` port: history by REST (`AlpacaBarHistory`),
/// and the market-data stream — one connection for every symbol (Alpaca often allows one per
/// account), `auth` then `subscribe` to bars. Stocks and crypto have different streams
/// (`/v2/{feed}`, `/v1beta3/crypto/us`), so one feed serves one kind. Each symbol's bars come out in
/// time order, each once; after every (re)connect the bars that closed meanwhile are fetched by
/// REST and emitted before `gapHealed`. Error 402 (a refused key) and 406 (another connection holds
/// the account's one) end the connection with the reason; a malformed message is logged and
/// counted, never fatal. The stream carries minute bars only: other bar lengths are refused.
public struct AlpacaMarketDataFeed: ResumableMarketDataFeed {
    public let name = "alpaca"
    /// The stream's full URL (`wss://stream.data.alpaca.markets/v2/iex`, or a stub's).
    public let streamURL: String
    public let history: AlpacaBarHistory
    private let credentials: AlpacaCredentials
    private let clock: @Sendable () -> Timestamp
    private let logger: Logger
    public let counters: Counters
    /// The first reconnect delay; it doubles up to `maximumReconnectDelay`, each ±50 % at random.
    public var initialReconnectDelay: Duration = .milliseconds(250)
    public var maximumReconnectDelay: Duration = .seconds(30)

    /// What the feed counted.
    public actor Counters {
        public private(set) var barsReceived = 0
        public private(set) var malformedMessages = 0
        public private(set) var errors: [Int] = []
        /// Whether a connection is subscribed now, and how many were.
        public private(set) var connected = false
        public private(set) var connections = 0
        public private(set) var gapsHealed = 0
        public private(set) var barsHealed = 0
        public private(set) var barsEmitted = 0
        /// Bars received again or out of order (dropped).
        public private(set) var duplicateBars = 0
        /// The newest emitted bar's close time.
        public private(set) var newestBarClose: Timestamp?
        public private(set) var lastError: String?
        /// Empty counters.
        public init() {}
        func bar() { barsReceived += 1 }
        func malformed() { malformedMessages += 1 }
        func error(_ code: Int) { errors.append(code) }
        func didConnect() {
            connected = true
            connections += 1
        }
        func didDisconnect(_ reason: String) {
            connected = false
            lastError = reason
        }
        func didEmit(_ bar: Bar, healed: Bool) {
            barsEmitted += 1
            if healed { barsHealed += 1 }
            let close = bar.openTime.adding(milliseconds: Timeframe.oneMinute.milliseconds)
            newestBarClose = max(newestBarClose ?? close, close)
        }
        func duplicate() { duplicateBars += 1 }
        func healed() { gapsHealed += 1 }
    }

    /// Creates a feed of `streamURL` with REST history, the key authenticating both; it counts into `counters`.
    public init(streamURL: String, history: AlpacaBarHistory, credentials: AlpacaCredentials, clock: @escaping @Sendable () -> Timestamp,
                counters: Counters = Counters(), logger: Logger = Logger(label: "alpaca.feed")) {
        self.streamURL = streamURL
        self.counters = counters
        self.history = history
        self.credentials = credentials
        self.clock = clock
        self.logger = logger
    }

    /// The stream URL of a kind of market: `…/v2/iex` (or `sip`) for stocks, `…/v1beta3/crypto/us` for crypto.
    public static func streamURL(base: String, crypto: Bool, feed: AlpacaBarHistory.StockFeed) -> String {
        base + (crypto ? "/v1beta3/crypto/us" : "/v2/\(feed.rawValue)")
    }

    public func history(symbol: Symbol, timeframe: Timeframe, range: Range<Timestamp>) async throws -> [Bar] {
        try await history.bars(symbol, timeframe: timeframe, range: range)
    }

    /// Why the feed cannot serve a request.
    public struct FeedError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public func events(symbols: [Symbol], timeframe: Timeframe) async -> AsyncThrowingStream<FeedEvent, any Error> {
        await events(symbols: symbols, timeframe: timeframe, after: [:])
    }

    /// The stream, with the open time of the last bar the consumer already has per symbol: the
    /// first connection heals from there, as every reconnect does.
    public func events(symbols: [Symbol], timeframe: Timeframe, after known: [Symbol: Timestamp]) async -> AsyncThrowingStream<FeedEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<FeedEvent, any Error>.makeStream()
        guard timeframe == .oneMinute else {
            continuation.finish(throwing: FeedError(description: "Alpaca's stream carries minute bars; \(timeframe.rawValue) bars from it are not built yet"))
            return stream
        }
        let sequencer = AlpacaBarSequencer(last: known)
        let feed = self
        let task = Task {
            await ReconnectLoop.run(initial: feed.initialReconnectDelay, maximum: feed.maximumReconnectDelay, logger: feed.logger, what: "Alpaca bar stream") { _ in
                await feed.connectOnce(symbols: symbols, sequencer: sequencer, continuation: continuation)
            } ended: { reason in
                await feed.counters.didDisconnect(reason)
                continuation.yield(.disconnected(reason: reason))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private struct Ending: Error, CustomStringConvertible {
        let description: String
    }

    private func connectOnce(symbols: [Symbol], sequencer: AlpacaBarSequencer,
                             continuation: AsyncThrowingStream<FeedEvent, any Error>.Continuation) async -> (reason: String, established: Bool) {
        let state = SubscriptionState()
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, autoPing: .enabled(timePeriod: .seconds(10)))
        configuration.closeTimeout = .seconds(5)
        let feed = self
        let names = symbols.map { AlpacaMarketSymbol($0).alpacaName }
        let bySymbol = Dictionary(symbols.map { (AlpacaMarketSymbol($0).alpacaName, $0) }, uniquingKeysWith: { first, _ in first })
        do {
            try await WebSocketClient.connect(url: streamURL, configuration: configuration, logger: logger) { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    let bytes: [UInt8]
                    switch message {
                    case .text(let text): bytes = Array(text.utf8)
                    case .binary(let buffer): bytes = Array(buffer.readableBytesView)
                    }
                    for reply in try await feed.handle(bytes, names: names, bySymbol: bySymbol, state: state, sequencer: sequencer, continuation: continuation) {
                        try await outbound.write(.text(reply))
                    }
                }
            }
        } catch {
            return ("\(error)", await state.subscribed)
        }
        return ("Alpaca closed the connection", await state.subscribed)
    }

    /// One message (an array of objects): the greeting (auth is sent back), the authentication
    /// (the subscription is sent back), the subscription (then the gap since the last bar is
    /// healed), errors, and bars. Returns the frames to send.
    func handle(_ bytes: [UInt8], names: [String], bySymbol: [String: Symbol], state: SubscriptionState, sequencer: AlpacaBarSequencer,
                continuation: AsyncThrowingStream<FeedEvent, any Error>.Continuation) async throws -> [String] {
        // Bars, the bulk of the stream, take the fast path; control messages the general reader.
        if let bars = try? Self.fastBars(bytes), !bars.isEmpty {
            for (name, bar) in bars {
                guard let symbol = bySymbol[name] else { continue }
                await counters.bar()
                await emit(symbol: symbol, bar: bar, sequencer: sequencer, continuation: continuation)
            }
            return []
        }
        guard let items = (try? AlpacaJSON(parsing: bytes))?.array else {
            await counters.malformed()
            logger.error("malformed market-data message", metadata: ["message": "\(String(decoding: bytes.prefix(2_000), as: UTF8.self))"])
            return []
        }
        var replies: [String] = []
        for item in items {
            switch item["T"]?.string {
            case "success" where item["msg"]?.string == "connected":
                replies.append("{\"action\":\"auth\",\"key\":" + AlpacaRESTClient.quoted(credentials.keyID) + ",\"secret\":" + AlpacaRESTClient.quoted(credentials.secret) + "}")
            case "success" where item["msg"]?.string == "authenticated":
                replies.append("{\"action\":\"subscribe\",\"bars\":[" + names.map(AlpacaRESTClient.quoted).joined(separator: ",") + "]}")
            case "subscription":
                let subscribed = Set(item["bars"]?.array?.compactMap(\.string) ?? [])
                guard Set(names).isSubset(of: subscribed) else { throw Ending(description: "Alpaca subscribed \(subscribed.sorted()) of \(names)") }
                await state.subscribe()
                await counters.didConnect()
                continuation.yield(.connected)
                try await heal(symbols: Array(bySymbol.values), sequencer: sequencer, continuation: continuation)
            case "error":
                let code = Int(item["code"]?.integer ?? 0)
                await counters.error(code)
                let text = item["msg"]?.string ?? "?"
                switch code {
                case 402, 401:
                    throw Ending(description: "Alpaca refused the key on the market-data stream (\(code) \(text)); check \(AlpacaCredentials.keyIDVariable) and \(AlpacaCredentials.secretVariable)")
                case 406:
                    throw Ending(description: "Alpaca allows one market-data connection per account and another holds it (406 \(text))")
                case 405:
                    throw Ending(description: "more symbols than the subscription allows (405 \(text))")
                case 407:
                    throw Ending(description: "Alpaca dropped the connection because the client read too slowly (407 \(text))")
                case 409:
                    throw Ending(description: "the key's plan does not include this feed (409 \(text)); use venues.alpaca.feed iex")
                default:
                    throw Ending(description: "Alpaca's stream error \(code): \(text)")
                }
            case "b":
                guard let name = item["S"]?.string, let symbol = bySymbol[name] else { continue }
                let bar: Bar
                do {
                    bar = try AlpacaBarHistory.bar(item, symbol: name)
                } catch {
                    await counters.malformed()
                    logger.error("malformed bar", metadata: ["error": "\(error)"])
                    continue
                }
                await counters.bar()
                await emit(symbol: symbol, bar: bar, sequencer: sequencer, continuation: continuation)
            default:
                continue
            }
        }
        return replies
    }

    /// The bars of one market-data message (`[{"T":"b","S":…,"o":…}, …]`) with their Alpaca
    /// symbols; other messages give none. Throws on a message that is not JSON or a bar without its fields.
    public static func decodeBars(_ bytes: [UInt8]) throws -> [(symbol: String, bar: Bar)] {
        guard let fast = try fastBars(bytes) else {
            guard let items = try AlpacaJSON(parsing: bytes).array else { return [] }
            return try items.filter { $0["T"]?.string == "b" }.compactMap { item in
                guard let name = item["S"]?.string else { return nil }
                return (name, try AlpacaBarHistory.bar(item, symbol: name))
            }
        }
        return fast
    }

    /// Why a bar message could not be read.
    public struct MessageError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The bars of a message made only of bars, read straight from its bytes (numbers' text into
    /// fixed point, no dictionary, no `Double`); nil when the message holds anything else, which
    /// the general reader then takes.
    static func fastBars(_ bytes: [UInt8]) throws -> [(symbol: String, bar: Bar)]? {
        var scanner = JSONByteScanner(bytes)
        var bars: [(symbol: String, bar: Bar)] = []
        var onlyBars = true
        do {
            try scanner.forEachElement { scanner throws(JSONByteScanner.Failure) in
                var type: Range<Int>?, symbol: Range<Int>?, time: Range<Int>?
                var open: Range<Int>?, high: Range<Int>?, low: Range<Int>?, close: Range<Int>?, volume: Range<Int>?
                try scanner.forEachMember { scanner, key throws(JSONByteScanner.Failure) in
                    guard key.count == 1, onlyBars else { return try scanner.skipValue() }
                    switch scanner.bytes[key.lowerBound] {
                    case UInt8(ascii: "T"): type = try scanner.stringRange()
                    case UInt8(ascii: "S"): symbol = try scanner.stringRange()
                    case UInt8(ascii: "t"): time = try scanner.stringRange()
                    case UInt8(ascii: "o"): open = try scanner.numberRange()
                    case UInt8(ascii: "h"): high = try scanner.numberRange()
                    case UInt8(ascii: "l"): low = try scanner.numberRange()
                    case UInt8(ascii: "c"): close = try scanner.numberRange()
                    case UInt8(ascii: "v"): volume = try scanner.numberRange()
                    default: try scanner.skipValue()
                    }
                }
                guard onlyBars, let type, scanner.matches(type, "b"), let symbol, let time, let open, let high, let low, let close else {
                    onlyBars = false
                    return
                }
                guard let bar = Self.bar(scanner.bytes, time: time, open: open, high: high, low: low, close: close, volume: volume) else {
                    throw scanner.fail("a bar whose time or prices do not read")
                }
                bars.append((String(decoding: scanner.bytes[symbol], as: UTF8.self), bar))
            }
        } catch {
            // Not a well-formed array of flat objects with numeric prices: the general reader decides.
            return nil
        }
        return onlyBars ? bars : nil
    }

    private static func bar(_ bytes: [UInt8], time: Range<Int>, open: Range<Int>, high: Range<Int>, low: Range<Int>, close: Range<Int>,
                            volume: Range<Int>?) -> Bar? {
        guard let openTime = AlpacaOrderMessages.time(.string(String(decoding: bytes[time], as: UTF8.self))),
              let o = try? FixedDecimal(parsingSlice: bytes[open]), let h = try? FixedDecimal(parsingSlice: bytes[high]),
              let l = try? FixedDecimal(parsingSlice: bytes[low]), let c = try? FixedDecimal(parsingSlice: bytes[close]) else { return nil }
        let v = volume.flatMap { try? FixedDecimal(parsingSlice: bytes[$0]) }
        return try? Bar(openTime: openTime, open: Price(o), high: Price(h), low: Price(l), close: Price(c), volume: v.map(Quantity.init))
    }

    /// Fetches and emits the bars each symbol misses since its last one (none before its first), then `gapHealed`.
    func heal(symbols: [Symbol], sequencer: AlpacaBarSequencer, continuation: AsyncThrowingStream<FeedEvent, any Error>.Continuation) async throws {
        let now = clock()
        for symbol in symbols {
            guard let last = await sequencer.last(symbol) else { continue }
            let from = last.adding(milliseconds: Timeframe.oneMinute.milliseconds)
            // Only closed minutes: the one forming now comes from the stream.
            let until = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch / 60_000 * 60_000)
            guard from < until else { continue }
            var emitted = 0
            for bar in try await history.bars(symbol, timeframe: .oneMinute, range: from..<until)
            where await emit(symbol: symbol, bar: bar, healed: true, sequencer: sequencer, continuation: continuation) {
                emitted += 1
            }
            if emitted > 0 {
                await counters.healed()
                continuation.yield(.gapHealed(symbol: symbol, from: from, bars: emitted))
            }
        }
    }

    /// Passes a bar on unless the symbol already had it or a later one; whether it went out.
    @discardableResult
    private func emit(symbol: Symbol, bar: Bar, healed: Bool = false, sequencer: AlpacaBarSequencer,
                      continuation: AsyncThrowingStream<FeedEvent, any Error>.Continuation) async -> Bool {
        guard await sequencer.isNew(symbol: symbol, openTime: bar.openTime) else {
            await counters.duplicate()
            return false
        }
        await sequencer.record(symbol: symbol, openTime: bar.openTime)
        await counters.didEmit(bar, healed: healed)
        continuation.yield(.barClosed(symbol: symbol, timeframe: .oneMinute, bar: bar))
        return true
    }
}

/// Whether a connection got as far as its subscription.
actor SubscriptionState {
    private(set) var subscribed = false
    func subscribe() { subscribed = true }
}

/// The last emitted bar per symbol: a bar at or before it is a repeat. (Stocks trade in sessions and
/// IEX has minutes without trades, so a missing minute is not a gap to heal at once; every
/// reconnect heals from the last bar.)
actor AlpacaBarSequencer {
    private var lastOpen: [Symbol: Timestamp]

    init(last: [Symbol: Timestamp]) {
        lastOpen = last
    }

    func last(_ symbol: Symbol) -> Timestamp? { lastOpen[symbol] }

    func isNew(symbol: Symbol, openTime: Timestamp) -> Bool {
        guard let last = lastOpen[symbol] else { return true }
        return openTime > last
    }

    func record(symbol: Symbol, openTime: Timestamp) {
        lastOpen[symbol] = max(lastOpen[symbol] ?? openTime, openTime)
    }
}
