import Hummingbird
import Logging
import TradingEngine

/// The per-request context: Hummingbird's core storage plus who is calling and the request id.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated key, set by the authentication middleware.
    public var principal: APIPrincipal?
    /// The dashboard session, set by the session middleware on the pages under `/ui`.
    var session: DashboardSession?
    /// The id echoed in `X-Request-Id` and in every log line of this request.
    public var requestID: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        requestID = RequestIdentifier.make()
    }
}

/// The caller behind an API key: its id, name and role (never the key).
public struct APIPrincipal: Sendable, Hashable {
    /// The key's id.
    public let keyID: Int64
    /// The key's label.
    public let name: String
    /// What the key may do.
    public let role: APIKeyRole
}

/// Makes request ids: 16 random hex characters.
enum RequestIdentifier {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Accepts a caller's `X-Request-Id` when it is short and plain, so ids can span services
    /// without letting a caller inject text into logs.
    static func accepts(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 45 || byte == 95 || byte == 46
        }
    }
}
