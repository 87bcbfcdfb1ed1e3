import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import TradingCore
import TradingEngine
import VenueTransport

/// REST calls to Alpaca with the key in its headers and the shared rate budget. A 429 pauses every
/// caller; a 401 is a clear error naming the key's settings; a 5xx or a time-out after a request
/// left is an unknown outcome (never retried here: an order would be sent twice).
public actor AlpacaRESTClient {
    /// An answer: status, headers and the body read without losing a digit.
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(name: String, value: String)]
        public let body: AlpacaJSON
    }

    public let baseURL: String
    private let credentials: AlpacaCredentials?
    private let http: HTTPClient
    private let budget: AlpacaRateBudget
    private let clock: @Sendable () -> Timestamp
    private let logger: Logger
    public let timeout: Duration
    /// Where each request is counted for the venue's system signature (nil: not kept).
    private let observations: SystemObservations?
    /// Answers whose body could not be read, for metrics.
    public private(set) var malformedResponses = 0

    /// Creates a client of `baseURL`; without credentials only crypto market data answers.
    public init(baseURL: String, credentials: AlpacaCredentials?, budget: AlpacaRateBudget, http: HTTPClient = .shared,
                clock: @escaping @Sendable () -> Timestamp, timeout: Duration = .seconds(10), logger: Logger = Logger(label: "alpaca.rest"), observations: SystemObservations? = nil) {
        self.observations = observations
        self.baseURL = baseURL
        self.credentials = credentials
        self.http = http
        self.budget = budget
        self.clock = clock
        self.timeout = timeout
        self.logger = logger
    }

    /// A path as a bounded template for the system signatures: an order's id and an asset's
    /// symbol become `{id}` and `{symbol}`, so each endpoint is one subject, not one per order.
    static func routeTemplate(_ path: String) -> String {
        for (prefix, name) in [("/v2/orders/", "{id}"), ("/v2/assets/", "{symbol}")] where path.hasPrefix(prefix) && path.count > prefix.count {
            return prefix + name
        }
        return path
    }

    /// Whether a key is configured.
    public var hasCredentials: Bool { credentials != nil }

    /// `GET path?query`.
    public func get(_ path: String, query: [(String, String)] = [], timeout: Duration? = nil) async throws -> Response {
        try await send("GET", path, query: query, body: nil, timeout: timeout)
    }

    /// `POST path` with a JSON body (its members as decimal text where they are numbers).
    public func post(_ path: String, body: [(String, String)], timeout: Duration? = nil) async throws -> Response {
        var text = "{"
        for (index, (name, value)) in body.enumerated() {
            text += (index == 0 ? "" : ",") + Self.quoted(name) + ":" + Self.quoted(value)
        }
        return try await send("POST", path, query: [], body: text + "}", timeout: timeout)
    }

    /// `DELETE path`.
    public func delete(_ path: String, timeout: Duration? = nil) async throws -> Response {
        try await send("DELETE", path, query: [], body: nil, timeout: timeout)
    }

    /// A JSON string literal of `text`.
    static func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 { output += String(format: "\\u%04x", scalar.value) } else { output.unicodeScalars.append(scalar) }
            }
        }
        return output + "\""
    }

    /// Percent-encodes a query value (`BTC/USD` → `BTC%2FUSD`, `,` → `%2C`).
    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? text
    }

    private func send(_ method: String, _ path: String, query: [(String, String)], body: String?, timeout: Duration?) async throws -> Response {
        let timeout = timeout ?? self.timeout
        try await budget.acquire()
        let text = query.map { "\(Self.encoded($0.0))=\(Self.encoded($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: baseURL + path + (text.isEmpty ? "" : "?" + text))
        request.method = HTTPMethod(rawValue: method)
        if let credentials {
            request.headers.add(name: "APCA-API-KEY-ID", value: credentials.keyID)
            request.headers.add(name: "APCA-API-SECRET-KEY", value: credentials.secret)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let answer: VenueHTTPTransport.Answer
        do {
            answer = try await VenueHTTPTransport.exchange(request, http: http, timeout: timeout, maximumBytes: 32 * 1024 * 1024,
                                                           what: "\(method) \(path)", baseURL: baseURL,
                                                           observations: observations, subject: "alpaca \(method) \(Self.routeTemplate(path))")
        } catch let error as VenueHTTPTransport.NoAnswer {
            throw AlpacaOutcomeUnknown(description: error.description)
        }
        let headers = answer.headers
        let status = answer.status
        let raw = answer.body
        switch status {
        case 200..<300:
            if raw.isEmpty { return Response(status: status, headers: headers, body: .null) }
            do {
                return Response(status: status, headers: headers, body: try AlpacaJSON(parsing: raw))
            } catch {
                malformedResponses += 1
                throw VenueError(.malformedResponse, "\(method) \(path): \(error)")
            }
        case 429:
            let reset = headers.first(named: "X-Ratelimit-Reset").flatMap { Int64($0) }
            let until = await budget.rateLimited(resetEpochSeconds: reset)
            logger.warning("rate limited (HTTP 429): every caller pauses", metadata: ["until": "\(until.iso8601)"])
            throw VenueError(.rateLimited, "\(method) \(path): HTTP 429, rate limit exceeded; every request waits until \(until.iso8601)", retryAt: until)
        case 500...:
            throw AlpacaOutcomeUnknown(description: "\(method) \(path): HTTP \(status) from Alpaca; the outcome is unknown")
        default:
            let parsed = try? AlpacaJSON(parsing: raw)
            let message = parsed?["message"]?.string ?? String(decoding: raw.prefix(300), as: UTF8.self)
            if status == 401 {
                throw VenueError(.unauthorized, "\(method) \(path): Alpaca refused the key (HTTP 401: \(message)); check \(AlpacaCredentials.keyIDVariable) and "
                                 + "\(AlpacaCredentials.secretVariable), and that the key belongs to \(baseURL) (paper keys work only on the paper endpoint)")
            }
            // A 403 on an order is Alpaca's refusal of that order (buying power, shares): the venue reports it. Anywhere
            // else the key may not do what was asked (a key of another account or environment, a restricted account).
            if status == 403 && !(method == "POST" && path == "/v2/orders") {
                throw VenueError(.unauthorized, "\(method) \(path): Alpaca forbids this to the key (HTTP 403: \(message)); check \(AlpacaCredentials.keyIDVariable) and "
                                 + "\(AlpacaCredentials.secretVariable), that the key belongs to \(baseURL), and the account's status and permissions")
            }
            if parsed == nil { malformedResponses += 1 }
            throw AlpacaAPIError(httpStatus: status, code: parsed?["code"]?.integer ?? 0, message: message)
        }
    }
}
