import Foundation

/// Connection settings parsed from a `postgres://user:password@host:port/database?sslmode=…` URL.
public struct PostgresConnectionSettings: Sendable, Equatable, CustomStringConvertible {
    /// The server host name or address.
    public let host: String
    /// The server port.
    public let port: Int
    /// The role to log in as.
    public let username: String
    /// The password, if any. Never printed.
    public let password: String?
    /// The database name.
    public let database: String
    /// How the connection uses TLS, with libpq's meanings.
    public let tlsMode: TLSMode

    /// How the connection uses TLS, following libpq's `sslmode`.
    public enum TLSMode: String, Sendable {
        /// Plain text.
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS always, without checking the certificate (encryption against passive listeners).
        case require
        /// TLS always, with the certificate chain and host name checked against the system's roots.
        case verifyFull = "verify-full"
    }

    /// Parses a URL; the error names what is wrong without repeating the password.
    public init(url text: String) throws(PostgresURLError) {
        guard let components = URLComponents(string: text) else { throw PostgresURLError("not a valid URL") }
        guard let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw PostgresURLError("the scheme must be postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else { throw PostgresURLError("the URL has no host") }
        guard let user = components.user, !user.isEmpty else { throw PostgresURLError("the URL has no user name") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw PostgresURLError("the URL has no database name (postgres://user@host:5432/NAME)") }
        var mode = TLSMode.prefer
        if let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value {
            switch sslmode {
            case "disable": mode = .disable
            case "allow", "prefer": mode = .prefer
            case "require": mode = .require
            // verify-ca checks the chain only; checking the host name too is stricter, never weaker.
            case "verify-ca", "verify-full": mode = .verifyFull
            default: throw PostgresURLError("sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        // URLComponents has already percent-decoded user, password and path; decoding again would
        // turn a password written as p%2541ss into pAss.
        self.username = user
        self.password = components.password
        self.database = database
        self.tlsMode = mode
    }

    /// The URL without the password, safe for logs.
    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(tlsMode.rawValue)"
    }
}

/// A `DATABASE_URL` that cannot be used, with the reason (never the password).
public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the URL is rejected.
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "invalid PostgreSQL URL: \(reason)" }
}
