import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import TradingCore
import TradingEngine
import VenueTransport

/// Signed and unsigned REST calls with the clock offset, the shared rate budget and Binance's
/// error rules: 429 pauses every caller, 418 stops every call, -1021 resynchronises the clock and
/// retries once, and a 5xx or a time-out is an unknown outcome (never retried here: an order
/// would be sent twice).
public actor BinanceRESTClient {
    /// A response: status, headers and body.
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(name: String, value: String)]
        public let body: Data
    }

    public let baseURL: String
    private let credentials: BinanceCredentials?
    private let http: HTTPClient
    private let budget: BinanceRateBudget
    private let clock: @Sendable () -> Timestamp
    private let logger: Logger
    /// Server time − local time, in milliseconds (requests are stamped with local time + offset).
    public private(set) var clockOffsetMilliseconds: Int64 = 0
    /// Half the round trip of the reading behind the offset: how far the estimate may be off either way.
    public private(set) var clockUncertaintyMilliseconds: Int64 = 0
    /// How long the exchange may take to receive a signed request (Binance's `recvWindow`).
    public let receiveWindowMilliseconds: Int64
    public let timeout: Duration
    /// Where each request is counted for the venue's system signature (nil: not kept).
    private let observations: SystemObservations?
    /// Responses whose body could not be read, for metrics.
    public private(set) var malformedResponses = 0

    /// Creates a client of `baseURL`; without credentials only public endpoints work.
    public init(baseURL: String, credentials: BinanceCredentials?, budget: BinanceRateBudget, http: HTTPClient = .shared,
                clock: @escaping @Sendable () -> Timestamp, receiveWindowMilliseconds: Int64 = 5_000, timeout: Duration = .seconds(10),
                logger: Logger = Logger(label: "binance.rest"), observations: SystemObservations? = nil) {
        self.observations = observations
        self.baseURL = baseURL
        self.credentials = credentials
        self.http = http
        self.budget = budget
        self.clock = clock
        self.receiveWindowMilliseconds = receiveWindowMilliseconds
        self.timeout = timeout
        self.logger = logger
    }

    /// Whether signed calls can be made.
    public var hasCredentials: Bool { credentials != nil }

    /// The kind of the key, never the key.
    public var credentialKind: String? { credentials?.kind }

    /// The exchange's time as this process estimates it.
    public var serverTimeEstimate: Timestamp { clock().adding(milliseconds: clockOffsetMilliseconds) }

    /// The timestamp a signed request carries. The exchange refuses one more than 1 s ahead of its
    /// time, or behind by more than the receive window (-1021), and its time is the estimate give
    /// or take the uncertainty u: the estimate less u is never ahead, and is within the window
    /// while 2u does not exceed it; a larger u gives back up to 0.9 s of it toward the estimate.
    /// On a clock that runs 500 times faster than the machine's, a 4 ms round trip is a 1 s u.
    public var signingTimestamp: Timestamp {
        let uncertainty = clockUncertaintyMilliseconds
        let slack = min(900, max(0, 2 * uncertainty - receiveWindowMilliseconds))
        return serverTimeEstimate.adding(milliseconds: slack - uncertainty)
    }

    /// `GET /api/v3/time`, and the clock offset from it (the local time taken halfway through the call).
    @discardableResult
    public func synchroniseClock() async throws -> Int64 {
        let before = clock()
        let reading = try await serverTime()
        let after = clock()
        let midpoint = (before.millisecondsSinceEpoch + after.millisecondsSinceEpoch) / 2
        clockOffsetMilliseconds = reading.time.millisecondsSinceEpoch - midpoint
        clockUncertaintyMilliseconds = max(0, after.millisecondsSinceEpoch - midpoint)
        return clockOffsetMilliseconds
    }

    /// `GET /api/v3/time`: the exchange's time, and the local instant halfway through the call.
    public func serverTime() async throws -> (time: Timestamp, at: ContinuousClock.Instant) {
        let before = ContinuousClock.now
        let response = try await send("GET", "/api/v3/time", query: BinanceQuery(), weight: 1, orders: 0, signed: false)
        let after = ContinuousClock.now
        struct Body: Decodable { let serverTime: Int64 }
        let body = try decode(Body.self, response, what: "server time")
        return (Timestamp(millisecondsSinceEpoch: body.serverTime), before + (after - before) / 2)
    }

    /// An unsigned call.
    public func publicCall(_ method: String, _ path: String, query: BinanceQuery = BinanceQuery(), weight: Int) async throws -> Response {
        try await send(method, path, query: query, weight: weight, orders: 0, signed: false)
    }

    /// A signed call (`timestamp`, `recvWindow` and `signature` added); on -1021 the clock is
    /// synchronised and the call made once more with a new timestamp.
    /// `timeout` replaces the client's for this call (order submission may want a shorter one).
    public func signedCall(_ method: String, _ path: String, query: BinanceQuery = BinanceQuery(), weight: Int, orders: Int = 0,
                           timeout: Duration? = nil) async throws -> Response {
        do {
            return try await send(method, path, query: query, weight: weight, orders: orders, signed: true, timeout: timeout)
        } catch let error as BinanceAPIError where error.isTimestampOutsideWindow {
            logger.warning("timestamp outside the receive window: resynchronising the clock", metadata: ["offset_ms": "\(clockOffsetMilliseconds)"])
            try await synchroniseClock()
            return try await send(method, path, query: query, weight: weight, orders: orders, signed: true, timeout: timeout)
        }
    }

    /// Decodes a response body, counting and logging one that does not fit (with its raw text).
    public func decode<Body: Decodable>(_ type: Body.Type, _ response: Response, what: String) throws -> Body {
        do {
            return try JSONDecoder().decode(type, from: response.body)
        } catch {
            malformedResponses += 1
            logger.error("malformed \(what) response", metadata: ["body": "\(Self.redacted(String(decoding: response.body.prefix(2_000), as: UTF8.self)))"])
            throw VenueError(.malformedResponse, "the \(what) response is not in the documented shape: \(error)")
        }
    }

    private func send(_ method: String, _ path: String, query: BinanceQuery, weight: Int, orders: Int, signed: Bool,
                      timeout: Duration? = nil) async throws -> Response {
        let timeout = timeout ?? self.timeout
        // The budget first: a request that waited must be stamped when it leaves, not before.
        try await budget.acquire(weight: weight, orders: orders)
        var query = query
        var headers = HTTPHeaders()
        if signed {
            guard let credentials else { throw VenueError(.unauthorized, "no API key is configured (BINANCE_API_KEY with BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_FILE)") }
            query.append("recvWindow", String(receiveWindowMilliseconds))
            query.append("timestamp", String(signingTimestamp.millisecondsSinceEpoch))
            let payload = query.encoded
            query.append("signature", credentials.signature(of: payload))
            headers.add(name: "X-MBX-APIKEY", value: credentials.apiKey)
        } else if let credentials {
            headers.add(name: "X-MBX-APIKEY", value: credentials.apiKey)
        }
        let text = query.encoded
        var request = HTTPClientRequest(url: baseURL + path + (text.isEmpty ? "" : "?" + text))
        request.method = HTTPMethod(rawValue: method)
        request.headers = headers
        let answer: VenueHTTPTransport.Answer
        do {
            answer = try await VenueHTTPTransport.exchange(request, http: http, timeout: timeout, maximumBytes: 16 * 1024 * 1024,
                                                           what: "\(method) \(path)", baseURL: baseURL,
                                                           observations: observations, subject: "binance \(method) \(path)")
        } catch let error as VenueHTTPTransport.NoAnswer {
            throw BinanceOutcomeUnknown(description: error.description)
        }
        let pairs = answer.headers
        await budget.observe(headers: pairs)
        let status = answer.status
        let data = Data(answer.body)
        switch status {
        case 200..<300:
            return Response(status: status, headers: pairs, body: data)
        case 429, 418:
            // 429: every caller pauses for Retry-After; 418 (banned): nothing is sent until it ends.
            let banned = status == 418
            let retry = pairs.first(named: "Retry-After").flatMap(Int.init)
            let seconds = retry ?? (banned ? 120 : 60)
            if banned {
                await budget.banned(retryAfterSeconds: retry)
                logger.critical("IP banned by the exchange (HTTP 418): no request is sent until the ban ends", metadata: ["retry_after_s": "\(seconds)"])
            } else {
                await budget.rateLimited(retryAfterSeconds: retry)
                logger.warning("rate limited (HTTP 429): every caller pauses", metadata: ["retry_after_s": "\(seconds)"])
            }
            throw VenueError(banned ? .banned : .rateLimited,
                             "\(method) \(path): HTTP \(status), \(banned ? "the IP is banned" : "rate limit exceeded"); every request waits \(seconds) s",
                             retryAt: clock().adding(milliseconds: Int64(seconds) * 1_000))
        case 500...:
            throw BinanceOutcomeUnknown(description: "\(method) \(path): HTTP \(status) from the exchange; the outcome is unknown")
        default:
            struct ErrorBody: Decodable {
                let code: Int
                let msg: String
            }
            if let error = try? JSONDecoder().decode(ErrorBody.self, from: data) {
                throw BinanceAPIError(httpStatus: status, code: error.code, message: error.msg)
            }
            malformedResponses += 1
            logger.error("unexpected error response", metadata: ["status": "\(status)", "body": "\(Self.redacted(String(decoding: data.prefix(2_000), as: UTF8.self)))"])
            throw BinanceAPIError(httpStatus: status, code: 0, message: "HTTP \(status) without an error body")
        }
    }

    /// `text` with the values of signatures and keys replaced by `***`, for logs.
    public static func redacted(_ text: String) -> String {
        var output = text
        for marker in ["signature=", "\"signature\":\"", "apiKey=", "\"apiKey\":\""] {
            var searchFrom = output.startIndex
            while let range = output.range(of: marker, range: searchFrom..<output.endIndex) {
                let valueEnd = output[range.upperBound...].firstIndex { $0 == "&" || $0 == "\"" || $0 == " " } ?? output.endIndex
                output.replaceSubrange(range.upperBound..<valueEnd, with: "***")
                searchFrom = output.index(range.upperBound, offsetBy: 3)
            }
        }
        return output
    }
}
