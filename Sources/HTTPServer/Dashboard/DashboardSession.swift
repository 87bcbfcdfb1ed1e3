import Foundation
import HTTPTypes
import Hummingbird
import TradingCore
import TradingEngine

/// A signed-in dashboard session as a request carries it: the cookie's token, the key behind it
/// (checked active on every request) and the token its forms must send back.
struct DashboardSession: Sendable {
    /// The session cookie: HttpOnly, SameSite=Strict, Path=/ (Secure behind TLS).
    static let cookieName = "orchestrator_session"
    /// The sign-in form's own anti-forgery cookie (no session exists yet to derive one from).
    static let signInCookieName = "orchestrator_sign_in"

    /// The signed token.
    let token: String
    /// The key it was opened with, as it is now.
    let principal: APIPrincipal
    /// The anti-forgery token every form of this session carries.
    let formToken: String

    /// The session of `request` (its expiry read on this machine's clock, also when the process
    /// runs on a venue's accelerated one), nil without a cookie, or when the token is forged or expired, or
    /// its key revoked.
    static func of(_ request: Request, dependencies: ServerDependencies) async throws -> DashboardSession? {
        guard let token = cookie(cookieName, in: request),
              let session = dependencies.settings.sessions.verify(token, now: wallClock()),
              let principal = try await dependencies.authenticator.principal(forKeyID: session.keyID) else { return nil }
        return DashboardSession(token: token, principal: principal, formToken: dependencies.settings.sessions.formToken(for: token))
    }

    /// This machine's time now.
    static func wallClock() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }

    /// The value of the cookie `name` of `request`.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return String(parts[1].trimmingCharacters(in: .whitespaces))
                }
            }
        }
        return nil
    }

    /// A `Set-Cookie` value: HttpOnly and SameSite=Strict always, Secure when the request came over
    /// TLS (a proxy says so in `X-Forwarded-Proto`); `maxAge` 0 deletes the cookie.
    static func setCookie(_ name: String, value: String, maxAge: Int, request: Request) -> String {
        let secure = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
        return "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }
}
