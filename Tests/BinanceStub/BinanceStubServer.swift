import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization
import TestSupport

/// The stub exchange served on 127.0.0.1 (a free port): the REST subset the connector uses, with
/// signatures (HMAC-SHA256 and Ed25519), `recvWindow` and weights checked as the documentation
/// states them.
public final class BinanceStubServer: Sendable {
    public let exchange: BinanceStubExchange
    private let boundPort = Mutex(0)
    private let task = Mutex<Task<Void, any Error>?>(nil)

    private let requestedPort: Int

    /// Creates a server of `exchange` on `port` (0: a free one; call `start()`).
    public init(exchange: BinanceStubExchange, port: Int = 0) {
        self.exchange = exchange
        requestedPort = port
    }

    /// The port it listens on (0 until started).
    public var port: Int { boundPort.withLock { $0 } }

    /// Starts serving and returns when the port is bound.
    public func start() async throws {
        // Cancelling the server task is how tests stop it; Hummingbird logs that as an error, which is noise here.
        var logger = Logger(label: "binance-stub")
        logger.logLevel = .critical
        let exchange = exchange
        let application = Application(router: router(), server: .http1WebSocketUpgrade(configuration: .init(ws: .init(maxFrameSize: 1 << 20))) { request, channel, _ in
            await Self.streamUpgrade(request, channel: channel, exchange: exchange)
        }, configuration: .init(address: .hostname("127.0.0.1", port: requestedPort)),
                                      onServerRunning: { [self] channel in boundPort.withLock { $0 = channel.localAddress?.port ?? 0 } },
                                      logger: logger)
        // On threads of its own: see StubExecutor.
        task.withLock { $0 = Task(executorPreference: StubExecutor.shared) { try await application.runService() } }
        // Generous: the whole suite runs in parallel on two cores.
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

    /// `/stream?streams=a/b`: a combined-stream connection that receives its streams' events.
    private static func streamUpgrade(_ request: HTTPRequest, channel: any Channel, exchange: BinanceStubExchange) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        if let path = request.path, path == "/ws-api/v3" || path.hasPrefix("/ws-api/v3?") {
            return await accountUpgrade(channel: channel, exchange: exchange)
        }
        // Refused at the upgrade while "down": the client sees a failed connection, not a short one.
        guard let path = request.path, path.hasPrefix("/stream?"), await exchange.acceptingStreams else { return .dontUpgrade }
        let query = path.dropFirst("/stream?".count)
        let streams = query.split(separator: "&").first { $0.hasPrefix("streams=") }.map { $0.dropFirst("streams=".count) } ?? ""
        let names = Set(streams.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) })
        return .upgrade([:]) { inbound, outbound, _ in
            let (id, frames) = await exchange.subscribe(streams: names, channel: channel)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Reading keeps control frames (pings, close) answered; the client sends nothing else here.
                    for try await _ in inbound {}
                }
                group.addTask {
                    for await frame in frames { try await outbound.write(.text(frame)) }
                }
                _ = try await group.next()
                group.cancelAll()
            }
            await exchange.unsubscribe(id)
        }
    }

    /// `/ws-api/v3`: a WebSocket API connection; each text frame is a request, answered on the same connection.
    private static func accountUpgrade(channel: any Channel, exchange: BinanceStubExchange) async
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard await exchange.acceptingStreams else { return .dontUpgrade }
        return .upgrade([:]) { inbound, outbound, _ in
            let (id, frames, continuation) = await exchange.openAccountConnection(channel: channel)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        continuation.yield(await exchange.answerAPIRequest(text, connection: id, channel: channel, continuation: continuation))
                    }
                }
                group.addTask {
                    for await frame in frames { try await outbound.write(.text(frame)) }
                }
                _ = try await group.next()
                group.cancelAll()
            }
            continuation.finish()
            await exchange.closeAccountConnection(id)
        }
    }

    struct StubError: Error, CustomStringConvertible {
        let description: String
    }

    /// The endpoints, their weights and whether they are signed.
    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        let exchange = exchange
        func route(_ method: HTTPRequest.Method, _ path: String, weight: Int, signed: Bool, isOrder: Bool = false,
                   _ handler: @escaping @Sendable (BinanceStubExchange, [String: String]) async -> BinanceStubExchange.Answer) {
            router.on(RouterPath(path), method: method) { request, _ -> Response in
                let answer = await Self.handle(request, exchange: exchange, weight: weight, signed: signed, isOrder: isOrder, handler)
                if answer.delay > .zero { try? await Task.sleep(for: answer.delay) }
                var fields = HTTPFields()
                fields[.contentType] = "application/json;charset=UTF-8"
                for (name, value) in answer.headers { if let field = HTTPField.Name(name) { fields[field] = value } }
                return Response(status: HTTPResponse.Status(code: answer.status), headers: fields,
                                body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
            }
        }
        route(.get, "/api/v3/ping", weight: 1, signed: false) { _, _ in BinanceStubExchange.Answer(status: 200, body: "{}") }
        route(.get, "/api/v3/time", weight: 1, signed: false) { exchange, _ in
            let delay = await exchange.serverTimeAnswerDelay
            if delay > .zero { try? await Task.sleep(for: delay) }
            return BinanceStubExchange.Answer(status: 200, body: "{\"serverTime\":\(await exchange.serverTime)}")
        }
        route(.get, "/api/v3/exchangeInfo", weight: 20, signed: false) { exchange, parameters in await exchange.exchangeInfo(parameters) }
        route(.get, "/api/v3/klines", weight: 2, signed: false) { exchange, parameters in await exchange.klineRows(parameters) }
        route(.post, "/api/v3/order", weight: 1, signed: true, isOrder: true) { exchange, parameters in await exchange.placeOrder(parameters) }
        route(.get, "/api/v3/order", weight: 4, signed: true) { exchange, parameters in await exchange.queryOrder(parameters) }
        route(.delete, "/api/v3/order", weight: 1, signed: true) { exchange, parameters in await exchange.cancelOrder(parameters) }
        route(.get, "/api/v3/openOrders", weight: 6, signed: true) { exchange, parameters in await exchange.openOrders(parameters) }
        route(.get, "/api/v3/account", weight: 20, signed: true) { exchange, _ in await exchange.account() }
        route(.get, "/api/v3/myTrades", weight: 20, signed: true) { exchange, parameters in await exchange.myTrades(parameters) }
        return router
    }

    private static func handle(_ request: Request, exchange: BinanceStubExchange, weight: Int, signed: Bool, isOrder: Bool,
                               _ handler: @Sendable (BinanceStubExchange, [String: String]) async -> BinanceStubExchange.Answer) async -> BinanceStubExchange.Answer {
        let rawQuery = request.uri.query ?? ""
        var parameters: [String: String] = [:]
        for pair in rawQuery.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            parameters[name] = value
        }
        if let rejection = await exchange.admit(weight: weight, isOrder: isOrder) {
            var rejection = rejection
            rejection.headers += await exchange.usageHeaders()
            return rejection
        }
        if signed, let problem = await verify(request, rawQuery: rawQuery, parameters: parameters, exchange: exchange) {
            var answer = problem
            answer.headers += await exchange.usageHeaders()
            return answer
        }
        var answer = await handler(exchange, parameters)
        answer.headers += await exchange.usageHeaders()
        return answer
    }

    /// The documented checks of a SIGNED request: API key, timestamp within `recvWindow` (and not
    /// over 1 s ahead), and the signature of the query as sent, before `&signature=`.
    private static func verify(_ request: Request, rawQuery: String, parameters: [String: String], exchange: BinanceStubExchange) async -> BinanceStubExchange.Answer? {
        guard let apiKey = request.headers[HTTPField.Name("X-MBX-APIKEY")!] else { return BinanceStubExchange.error(401, -2014, "API-key format invalid.") }
        guard let timestamp = parameters["timestamp"].flatMap(Int64.init) else {
            return BinanceStubExchange.error(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        }
        let window = parameters["recvWindow"].flatMap(Int64.init) ?? 5_000
        guard window <= 60_000 else { return BinanceStubExchange.error(400, -1131, "recvWindow must be less than 60000") }
        let now = await exchange.serverTime
        if timestamp > now + 1_000 || now - timestamp > window { await exchange.noteTimestampRefusal() }
        if timestamp > now + 1_000 { return BinanceStubExchange.error(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.") }
        if now - timestamp > window { return BinanceStubExchange.error(400, -1021, "Timestamp for this request is outside of the recvWindow.") }
        guard let range = rawQuery.range(of: "&signature=", options: .backwards), let signature = parameters["signature"] else {
            return BinanceStubExchange.error(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
        }
        let payload = String(rawQuery[..<range.lowerBound])
        switch await exchange.signatureIsValid(apiKey: apiKey, payload: payload, signature: signature) {
        case true?: return nil
        case false?: return BinanceStubExchange.error(400, -1022, "Signature for this request is not valid.")
        case nil: return BinanceStubExchange.error(401, -2015, "Invalid API-key, IP, or permissions for action.")
        }
    }
}
