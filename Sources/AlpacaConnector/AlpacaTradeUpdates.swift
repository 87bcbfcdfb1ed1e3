import Foundation
import Logging
import NIOCore
import TradingCore
import TradingEngine
import VenueTransport
import WSClient

/// The account's `trade_updates` stream: one connection to the trading stream, authenticated with
/// the key (`{"action":"auth",…}`), then `listen`; each event of an order this process sent is
/// handed to the venue (which passes each execution on once, whether the stream or its polling
/// told of it first). Text and binary frames are both read (the paper endpoint sends binary). On
/// any ending it reconnects with a jittered, doubling delay and listens again, and says so: the
/// trading loop reconciles then, since events may have been missed meanwhile.
public actor AlpacaTradeUpdates {
    /// What the stream says of itself.
    public enum Event: Sendable, Hashable {
        /// Listening; `again` after a connection that was lost (events may have been missed).
        case listening(again: Bool)
        case disconnected(reason: String)
    }

    public nonisolated let url: String
    private let credentials: AlpacaCredentials
    private let venue: AlpacaVenue
    private let logger: Logger
    /// The first reconnect delay; it doubles up to `maximumReconnectDelay`, each ±50 % at random.
    public var initialReconnectDelay: Duration = .milliseconds(250)
    public var maximumReconnectDelay: Duration = .seconds(30)
    /// How often the client pings (Alpaca's SDKs ping every 10 s).
    public var pingInterval: Duration = .seconds(10)
    public private(set) var isListening = false
    public private(set) var reconnects = 0
    /// Connections that got as far as listening.
    public private(set) var listens = 0
    public private(set) var eventsReceived = 0
    public private(set) var malformedFrames = 0
    public private(set) var lastError: String?

    /// Creates the stream of the key's account (call `events()` to run it).
    public init(url: String, credentials: AlpacaCredentials, venue: AlpacaVenue, logger: Logger = Logger(label: "alpaca.trade_updates")) {
        self.url = url
        self.credentials = credentials
        self.venue = venue
        self.logger = logger
    }

    /// Sets the reconnect delays (tests shorten them).
    public func setReconnectDelays(initial: Duration, maximum: Duration) {
        initialReconnectDelay = initial
        maximumReconnectDelay = maximum
    }

    /// Runs the stream until the returned sequence is dropped or the task is cancelled.
    public func events() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        let task = Task {
            await ReconnectLoop.run(initial: initialReconnectDelay, maximum: maximumReconnectDelay, logger: logger, what: "trade_updates") { again in
                let reason = await connectOnce(again: again, continuation: continuation)
                return (reason, ended(reason))
            } ended: { reason in
                continuation.yield(.disconnected(reason: reason))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Records a connection's end; whether it had listened.
    private func ended(_ reason: String) -> Bool {
        let listened = isListening
        isListening = false
        reconnects += 1
        lastError = reason
        return listened
    }

    private struct Ending: Error, CustomStringConvertible {
        let description: String
    }

    private func connectOnce(again: Bool, continuation: AsyncStream<Event>.Continuation) async -> String {
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, autoPing: .enabled(timePeriod: pingInterval))
        configuration.closeTimeout = .seconds(5)
        let stream = self
        let auth = "{\"action\":\"auth\",\"key\":" + AlpacaRESTClient.quoted(credentials.keyID) + ",\"secret\":" + AlpacaRESTClient.quoted(credentials.secret) + "}"
        do {
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                try await outbound.write(.text(auth))
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    let bytes: [UInt8]
                    switch message {
                    case .text(let text): bytes = Array(text.utf8)
                    case .binary(let buffer): bytes = Array(buffer.readableBytesView)
                    }
                    if let reply = try await stream.handle(bytes, again: again, continuation: continuation) {
                        try await outbound.write(.text(reply))
                    }
                }
            }
        } catch {
            return "\(error)"
        }
        return "Alpaca closed the connection"
    }

    /// One frame: the authorization's answer (then `listen` is sent back), the listening answer, or
    /// a trade update; a malformed frame is logged and counted, never fatal. Returns a frame to send.
    func handle(_ bytes: [UInt8], again: Bool, continuation: AsyncStream<Event>.Continuation) async throws -> String? {
        guard let message = try? AlpacaJSON(parsing: bytes), let stream = message["stream"]?.string else {
            malformedFrames += 1
            logger.error("malformed trade_updates frame", metadata: ["frame": "\(String(decoding: bytes.prefix(2_000), as: UTF8.self))"])
            return nil
        }
        switch stream {
        case "authorization":
            guard message["data"]?["status"]?.string == "authorized" else {
                throw Ending(description: "Alpaca refused the key on the trade_updates stream; check \(AlpacaCredentials.keyIDVariable) and "
                             + "\(AlpacaCredentials.secretVariable) (paper keys work only on the paper endpoint)")
            }
            return "{\"action\":\"listen\",\"data\":{\"streams\":[\"trade_updates\"]}}"
        case "listening":
            let streams = message["data"]?["streams"]?.array?.compactMap(\.string) ?? []
            guard streams.contains("trade_updates") else { throw Ending(description: "Alpaca did not listen to trade_updates (\(streams))") }
            isListening = true
            listens += 1
            continuation.yield(.listening(again: again))
            return nil
        case "trade_updates":
            eventsReceived += 1
            guard let data = message["data"], let update = try await Self.report(data, venue: venue) else { return nil }
            await venue.receive(update.report, state: update.state)
            return nil
        default:
            return nil
        }
    }

    /// The execution report of one trade update of an order the venue knows (nil for another's, or
    /// an event this connector does not follow).
    static func report(_ data: AlpacaJSON, venue: AlpacaVenue) async throws -> (report: ExecutionReport, state: VenueOrderState)? {
        guard let event = data["event"]?.string, let order = data["order"], let venueID = order["id"]?.string,
              let clientID = await venue.knows(venueOrderID: venueID) ?? order["client_order_id"]?.string,
              let symbol = await venue.symbol(of: clientID) else { return nil }
        let state = try AlpacaOrderMessages.state(order, symbol: symbol)
        let time = AlpacaOrderMessages.time(data["timestamp"]) ?? state.updatedAt
        let kind: ExecutionReport.Kind
        switch event {
        case "new", "accepted", "pending_new": kind = .accepted
        case "fill": kind = .fill
        case "partial_fill": kind = .partialFill
        case "canceled": kind = .cancelled
        case "expired": kind = .expired
        case "rejected": kind = .rejected
        default: return nil
        }
        var fill: VenueFill?
        if kind == .fill || kind == .partialFill {
            guard let quantity = AlpacaOrderMessages.decimal(data["qty"]), let price = AlpacaOrderMessages.decimal(data["price"]) else { return nil }
            fill = VenueFill(tradeID: AlpacaVenue.tradeID(order: venueID, cumulative: state.filledQuantity), clientOrderID: clientID, symbol: symbol,
                             side: state.side, quantity: quantity, price: price, fee: .zero, feeAsset: "USD", time: time)
        }
        return (ExecutionReport(kind: kind, clientOrderID: clientID, venueOrderID: venueID, symbol: symbol, side: state.side, quantity: state.quantity,
                                cumulativeQuantity: state.filledQuantity, fill: fill, reason: kind == .fill || kind == .partialFill || kind == .accepted ? nil : "Alpaca: \(event)",
                                time: time), state)
    }
}
