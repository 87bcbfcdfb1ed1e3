import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization
import TestSupport

/// The stub broker served on 127.0.0.1 (a free port): the Trading API v2 and market-data REST
/// subset the connector uses, every request routed by its raw path (Alpaca's
/// `/v2/orders:by_client_order_id` has a colon in its last segment).
public final class AlpacaStubServer: Sendable {
    public let broker: AlpacaStubBroker
    private let boundPort = Mutex(0)
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private let requestedPort: Int

    /// Creates a server of `broker` on `port` (0: a free one; call `start()`).
    public init(broker: AlpacaStubBroker, port: Int = 0) {
        self.broker = broker
        requestedPort = port
    }

    /// The port it listens on (0 until started).
    public var port: Int { boundPort.withLock { $0 } }

    struct StubError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts serving and returns when the port is bound.
    public func start() async throws {
        var logger = Logger(label: "alpaca-stub")
        logger.logLevel = .critical
        let broker = broker
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            try await Self.respond(request, broker: broker)
        }
        let application = Application(responder: responder, server: .http1WebSocketUpgrade(configuration: .init(ws: .init(maxFrameSize: 1 << 20))) { request, _, _ in
            await Self.tradeUpdatesUpgrade(request, broker: broker)
        }, configuration: .init(address: .hostname("127.0.0.1", port: requestedPort)),
                                      onServerRunning: { [self] channel in boundPort.withLock { $0 = channel.localAddress?.port ?? 0 } },
                                      logger: logger)
        // On threads of its own: see StubExecutor.
        task.withLock { $0 = Task(executorPreference: StubExecutor.shared) { try await application.runService() } }
        let deadline = ContinuousClock.now + .seconds(60)
        while port == 0 {
            guard ContinuousClock.now < deadline else { throw StubError(description: "the stub did not start within 60 s") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Stops serving.
    public func stop() {
        task.withLock { $0?.cancel() }
    }

    /// `/stream`: the `trade_updates` stream — the client authenticates, listens, then receives its
    /// account's trade updates (binary frames unless the broker is set to text).
    private static func tradeUpdatesUpgrade(_ request: HTTPRequest, broker: AlpacaStubBroker) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        if let path = request.path, ["/v2/iex", "/v2/sip", "/v1beta3/crypto/us"].contains(path) {
            return marketDataUpgrade(broker: broker)
        }
        guard request.path == "/stream" else { return .dontUpgrade }
        return .upgrade([:]) { inbound, outbound, _ in
            var authorized = false
            var listener: Int?
            var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            defer { if let listener { Task(executorPreference: StubExecutor.shared) { await broker.stopListening(listener) } } }
            func send(_ text: String) async throws {
                if await broker.binaryFrames { try await outbound.write(.binary(ByteBuffer(string: text))) } else { try await outbound.write(.text(text)) }
            }
            // Authenticate, then listen.
            while listener == nil, let message = try await messages.next() {
                guard case .text(let text) = message else { continue }
                if !authorized {
                    authorized = await broker.authorizes(text)
                    try await send("{\"stream\":\"authorization\",\"data\":{\"status\":\"\(authorized ? "authorized" : "unauthorized")\",\"action\":\"authenticate\"}}")
                    if !authorized { return }
                } else if text.contains("\"listen\"") && text.contains("trade_updates") {
                    let (id, frames) = await broker.listen()
                    listener = id
                    try await send("{\"stream\":\"listening\",\"data\":{\"streams\":[\"trade_updates\"]}}")
                    let binary = await broker.binaryFrames
                    // The broker's frames go out from a task of their own; when the broker drops the
                    // connection (its frames end), the socket is closed.
                    let sender = Task(executorPreference: StubExecutor.shared) {
                        for await frame in frames {
                            try? await outbound.write(binary ? .binary(ByteBuffer(string: frame)) : .text(frame))
                        }
                        try? await outbound.close(.goingAway, reason: "dropped by the stub")
                    }
                    // Reading keeps control frames (pings, close) answered; the client sends nothing more.
                    while try await messages.next() != nil {}
                    sender.cancel()
                }
            }
        }
    }

    /// The market-data stream: the greeting, `auth`, `subscribe` to bars, then the bars as they close;
    /// a second authenticated connection gets error 406, a wrong key 402.
    private static func marketDataUpgrade(broker: AlpacaStubBroker) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        .upgrade([:]) { inbound, outbound, _ in
            try await outbound.write(.text(#"[{"T":"success","msg":"connected"}]"#))
            var authenticated = false
            var subscriber: Int?
            var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            while subscriber == nil, let message = try await messages.next() {
                guard case .text(let text) = message else { continue }
                if !authenticated {
                    guard await broker.authorizesMarketData(text) else {
                        try await outbound.write(.text(#"[{"T":"error","code":402,"msg":"auth failed"}]"#))
                        return
                    }
                    guard await broker.openMarketDataConnection() else {
                        try await outbound.write(.text(#"[{"T":"error","code":406,"msg":"connection limit exceeded"}]"#))
                        return
                    }
                    authenticated = true
                    try await outbound.write(.text(#"[{"T":"success","msg":"authenticated"}]"#))
                } else if let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], object["action"] as? String == "subscribe" {
                    let symbols = Set(object["bars"] as? [String] ?? [])
                    let (id, frames) = await broker.subscribeBars(symbols)
                    subscriber = id
                    let list = symbols.sorted().map { "\"\($0)\"" }.joined(separator: ",")
                    try await outbound.write(.text("[{\"T\":\"subscription\",\"trades\":[],\"quotes\":[],\"bars\":[\(list)]}]"))
                    let sender = Task(executorPreference: StubExecutor.shared) {
                        for await frame in frames { try? await outbound.write(.text(frame)) }
                        try? await outbound.close(.goingAway, reason: "dropped by the stub")
                    }
                    while try await messages.next() != nil {}
                    sender.cancel()
                }
            }
            await broker.closeMarketDataConnection(subscriber)
        }
    }

    private static func respond(_ request: Request, broker: AlpacaStubBroker) async throws -> Response {
        var query: [String: String] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            query[name] = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
        let answer = await broker.answer(method: request.method.rawValue, path: request.uri.path, query: query, headers: headers, body: body)
        if answer.delay > .zero { try? await Task.sleep(for: answer.delay) }
        var fields = HTTPFields()
        if !answer.body.isEmpty { fields[.contentType] = answer.status == 429 ? "text/plain" : "application/json; charset=utf-8" }
        for (name, value) in answer.headers { if let field = HTTPField.Name(name) { fields[field] = value } }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
    }
}
