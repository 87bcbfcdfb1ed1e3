import HTTPTypes
import Hummingbird
import TradingEngine

/// Requires `Authorization: Bearer <key>` with a key whose role is at least `requiredRole`:
/// 401 without a usable key, 403 when the role is too low.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let authenticator: APIKeyAuthenticator
    let requiredRole: APIKeyRole

    func handle(_ request: Request, context: APIRequestContext,
                next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        if context.principal == nil {
            guard let header = request.headers[.authorization] else {
                throw ProblemDetails(.unauthorized, detail: "send an API key as 'Authorization: Bearer <key>'")
            }
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw ProblemDetails(.unauthorized, detail: "the Authorization header must use the Bearer scheme")
            }
            guard let principal = try await authenticator.principal(forKey: String(parts[1])) else {
                throw ProblemDetails(.unauthorized, detail: "the API key is unknown or revoked")
            }
            context.principal = principal
        }
        guard let principal = context.principal, principal.role.satisfies(requiredRole) else {
            throw ProblemDetails(.forbidden, detail: "this route needs the \(requiredRole.rawValue) role; the key has \(context.principal?.role.rawValue ?? "none")")
        }
        return try await next(request, context)
    }
}
