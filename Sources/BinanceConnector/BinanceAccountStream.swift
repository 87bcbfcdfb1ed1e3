import Foundation
import Logging
import NIOCore
import TradingCore
import TradingEngine
import VenueTransport
import WSClient

/// The account's events over the WebSocket API: one connection, subscribed with a signed
/// `userDataStream.subscribe.signature` request (HMAC or Ed25519 key, as the REST calls), each
/// `executionReport` handed to the venue (which passes each trade on once, whether the report
/// came first or the order's answer did) and the balances of `outboundAccountPosition` kept. On
/// any ending — a dropped socket, a missed pong, `eventStreamTerminated`, a refused subscription —
/// it reconnects with a jittered, doubling delay and subscribes again, and says so: the trading
/// loop reconciles then, since events may have been missed meanwhile.
public actor BinanceAccountStream {
    /// What the stream says of itself.
    public enum Event: Sendable, Hashable {
        /// Subscribed; `resubscribed` after a connection that was lost (events may have been missed).
        case subscribed(resubscribed: Bool)
        case disconnected(reason: String)
    }

    /// The WebSocket API address (`wss://ws-api.binance.com:443/ws-api/v3`, or a stub's).
    public nonisolated let url: String
    private let credentials: BinanceCredentials
    private let rest: BinanceRESTClient
    private let venue: BinanceVenue
    private let logger: Logger
    /// The first reconnect delay; it doubles up to `maximumReconnectDelay`, each ±50 % at random.
    public var initialReconnectDelay: Duration = .milliseconds(250)
    public var maximumReconnectDelay: Duration = .seconds(30)
    /// How often the client pings; a connection whose pong does not come back is replaced.
    public var pingInterval: Duration = .seconds(20)
    /// Balances as the last `outboundAccountPosition` stated them.
    public private(set) var balances: [String: VenueBalance] = [:]
    public private(set) var isSubscribed = false
    public private(set) var subscriptions = 0
    public private(set) var reconnects = 0
    public private(set) var eventsReceived = 0
    public private(set) var malformedFrames = 0
    public private(set) var lastError: String?
    private var requestSequence = 0

    /// Creates a stream of the key's account (call `events()` to run it).
    public init(url: String, credentials: BinanceCredentials, rest: BinanceRESTClient, venue: BinanceVenue, logger: Logger = Logger(label: "binance.account")) {
        self.url = url
        self.credentials = credentials
        self.rest = rest
        self.venue = venue
        self.logger = logger
    }

    /// Runs the stream until the returned sequence is dropped or the task is cancelled.
    public func events() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        let task = Task {
            await ReconnectLoop.run(initial: initialReconnectDelay, maximum: maximumReconnectDelay, logger: logger, what: "account stream") { again in
                let reason = await connectOnce(resubscribed: again, continuation: continuation)
                return (reason, ended(reason))
            } ended: { reason in
                continuation.yield(.disconnected(reason: reason))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Records a connection's end; whether it had subscribed.
    private func ended(_ reason: String) -> Bool {
        let wasSubscribed = isSubscribed
        isSubscribed = false
        reconnects += 1
        lastError = reason
        return wasSubscribed
    }

    private struct Ending: Error, CustomStringConvertible {
        let description: String
    }

    private func connectOnce(resubscribed: Bool, continuation: AsyncStream<Event>.Continuation) async -> String {
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, autoPing: .enabled(timePeriod: pingInterval))
        configuration.closeTimeout = .seconds(5)
        let stream = self
        do {
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, outbound, _ in
                let request = await stream.subscribeRequest()
                try await outbound.write(.text(request.text))
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    try await stream.handle(text, subscribeID: request.id, resubscribed: resubscribed, continuation: continuation)
                }
            }
        } catch {
            return "\(error)"
        }
        return "the exchange closed the connection"
    }

    /// The signed subscription request: the payload is every parameter but the signature, sorted by name.
    private func subscribeRequest() async -> (id: String, text: String) {
        requestSequence += 1
        let id = "subscribe-\(requestSequence)"
        let timestamp = await rest.signingTimestamp.millisecondsSinceEpoch
        let payload = "apiKey=\(credentials.apiKey)&recvWindow=\(rest.receiveWindowMilliseconds)&timestamp=\(timestamp)"
        let signature = credentials.signature(of: payload)
        let text = "{\"id\":\"\(id)\",\"method\":\"userDataStream.subscribe.signature\",\"params\":{\"apiKey\":\"\(credentials.apiKey)\","
            + "\"recvWindow\":\(rest.receiveWindowMilliseconds),\"timestamp\":\(timestamp),\"signature\":\"\(signature)\"}}"
        return (id, text)
    }

    private struct Answer: Decodable {
        struct Failure: Decodable {
            let code: Int
            let msg: String
        }

        let id: String?
        let status: Int?
        let error: Failure?
        let subscriptionId: Int?
        let event: Kind?

        struct Kind: Decodable {
            let e: String
        }
    }

    /// One frame: the subscription's answer, or an account event; a malformed frame is logged with its text and counted.
    func handle(_ text: String, subscribeID: String, resubscribed: Bool, continuation: AsyncStream<Event>.Continuation) async throws {
        let data = Data(text.utf8)
        guard let answer = try? JSONDecoder().decode(Answer.self, from: data) else {
            malformedFrames += 1
            logger.error("malformed account stream frame", metadata: ["frame": "\(text.prefix(2_000))"])
            return
        }
        if answer.id == subscribeID {
            guard answer.status == 200 else {
                let failure = answer.error.map { "\($0.code) \($0.msg)" } ?? "status \(answer.status ?? 0)"
                // A clock step makes the signature's timestamp fall outside the window: resynchronise before the next try.
                if answer.error?.code == -1021 { _ = try? await rest.synchroniseClock() }
                throw Ending(description: "the subscription was refused: \(failure)")
            }
            isSubscribed = true
            subscriptions += 1
            continuation.yield(.subscribed(resubscribed: resubscribed))
            return
        }
        guard answer.subscriptionId != nil, let kind = answer.event?.e else { return }
        if kind == "eventStreamTerminated" { throw Ending(description: "the exchange ended the subscription (eventStreamTerminated)") }
        eventsReceived += 1
        do {
            switch try BinanceAccountEvent.decode(data) {
            case .execution(let report):
                await venue.receive(report)
            case .balances(let list):
                for balance in list { balances[balance.asset] = balance }
            case nil:
                break
            }
        } catch {
            malformedFrames += 1
            logger.error("malformed account event", metadata: ["error": "\(error)", "frame": "\(text.prefix(2_000))"])
        }
    }
}
