import HTTPTypes
import Hummingbird
import NIOCore
import TradingCore

/// An RFC 9457 problem: every error response of the API is one, as `application/problem+json`.
public struct ProblemDetails: Error, HTTPResponseError, Sendable {
    /// The kinds of problem, each with a stable `type` URI documented on `/docs`.
    public enum Kind: String, Sendable, CaseIterable {
        case badRequest = "bad-request"
        case invalidParameter = "invalid-parameter"
        case malformedJSON = "malformed-json"
        case unauthorized
        case forbidden
        case notFound = "not-found"
        case methodNotAllowed = "method-not-allowed"
        case payloadTooLarge = "payload-too-large"
        case unsupportedMediaType = "unsupported-media-type"
        case unprocessable = "unprocessable"
        case conflict
        case notReady = "not-ready"
        case internalError = "internal-error"

        /// The HTTP status.
        public var status: HTTPResponse.Status {
            switch self {
            case .badRequest, .invalidParameter, .malformedJSON: .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .payloadTooLarge: .contentTooLarge
            case .unsupportedMediaType: .unsupportedMediaType
            case .unprocessable: .unprocessableContent
            case .conflict: .conflict
            case .notReady: .serviceUnavailable
            case .internalError: .internalServerError
            }
        }

        /// A short, fixed title.
        public var title: String {
            switch self {
            case .badRequest: "Bad request"
            case .invalidParameter: "Invalid parameter"
            case .malformedJSON: "Malformed JSON body"
            case .unauthorized: "Authentication required"
            case .forbidden: "Role too low"
            case .notFound: "Not found"
            case .methodNotAllowed: "Method not allowed"
            case .payloadTooLarge: "Request body too large"
            case .unsupportedMediaType: "Unsupported media type"
            case .unprocessable: "Cannot be computed"
            case .conflict: "Already recorded"
            case .notReady: "Service not ready"
            case .internalError: "Internal error"
            }
        }

        /// The stable `type` URI: an anchor on the documentation page.
        public var typeURI: String { "/docs#problem-\(rawValue)" }

        /// When a client sees it.
        public var explanation: String {
            switch self {
            case .badRequest: "The request cannot be understood as sent."
            case .invalidParameter: "A query or path parameter is unknown, missing or out of range; `errors` lists each one."
            case .malformedJSON: "The body is not valid JSON, or not the JSON shape the route expects."
            case .unauthorized: "No API key, or a key that is unknown or revoked. Send `Authorization: Bearer <key>`."
            case .forbidden: "The key is valid but its role is below the one the route needs."
            case .notFound: "No route has this path, or the resource does not exist."
            case .methodNotAllowed: "The path exists but not with this method; the `Allow` header lists the methods it takes."
            case .payloadTooLarge: "The body is larger than the server's configured limit."
            case .unsupportedMediaType: "The body's Content-Type is not application/json."
            case .unprocessable: "The request is well formed but its data cannot give an answer: an infeasible target or bounds, missing or invalid prices, too few observations. `detail` says why and, where known, what is feasible."
            case .conflict: "The resource already has what the request would record (an outcome for a forecast already scored); nothing was changed."
            case .notReady: "A dependency (such as the database) is failing; `checks` says which."
            case .internalError: "The server failed; the request id in the response finds the log lines."
            }
        }
    }

    /// What kind of problem.
    public let kind: Kind
    /// A human explanation of this occurrence.
    public let detail: String
    /// Per-field errors, for `invalid-parameter` and `malformed-json`.
    public let fieldErrors: [(name: String, reason: String)]
    /// Extra members, such as readiness checks.
    public let extensions: [(String, JSONValue)]
    /// Methods for the `Allow` header of a 405.
    public var allowedMethods: [String] = []

    /// Creates a problem.
    public init(_ kind: Kind, detail: String, fieldErrors: [(name: String, reason: String)] = [], extensions: [(String, JSONValue)] = []) {
        self.kind = kind
        self.detail = detail
        self.fieldErrors = fieldErrors
        self.extensions = extensions
    }

    /// A parameter problem naming the parameter.
    public static func invalidParameter(_ name: String, _ reason: String) -> ProblemDetails {
        ProblemDetails(.invalidParameter, detail: "\(name): \(reason)", fieldErrors: [(name, reason)])
    }

    public var status: HTTPResponse.Status { kind.status }

    /// The problem as JSON, with the request path and id.
    public func json(instance: String?, requestID: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string(kind.typeURI)),
            ("title", .string(kind.title)),
            ("status", .int(kind.status.code)),
            ("detail", .string(detail)),
        ]
        if let instance { members.append(("instance", .string(instance))) }
        if let requestID { members.append(("request_id", .string(requestID))) }
        if !fieldErrors.isEmpty {
            members.append(("errors", .array(fieldErrors.map { ["name": .string($0.name), "reason": .string($0.reason)] })))
        }
        members += extensions
        return .object(members)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let requestID = (context as? APIRequestContext)?.requestID
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if kind == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if !allowedMethods.isEmpty { headers[.allow] = allowedMethods.joined(separator: ", ") }
        let body = json(instance: request.uri.path, requestID: requestID).serialized()
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
