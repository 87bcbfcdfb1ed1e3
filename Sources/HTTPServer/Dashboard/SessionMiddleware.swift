import HTTPTypes
import Hummingbird
import TradingEngine

/// Requires a dashboard session whose key has at least `requiredRole`: without one (or with an
/// expired one) the browser is sent to sign in, keeping the address to come back to; with too low a
/// role the answer is 403.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let dependencies: ServerDependencies
    let requiredRole: APIKeyRole

    func handle(_ request: Request, context: APIRequestContext,
                next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        guard let session = try await DashboardSession.of(request, dependencies: dependencies) else {
            // A form posted without a session returns to the page it came from after sign-in.
            let back = request.method == .get ? request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") : "/ui"
            return DashboardPage.redirect(to: "/ui/sign-in?next=" + HTML.urlEncoded(back))
        }
        guard session.principal.role.satisfies(requiredRole) else {
            throw ProblemDetails(.forbidden, detail: "this page needs the \(requiredRole.rawValue) role; the key has \(session.principal.role.rawValue)")
        }
        var context = context
        context.principal = session.principal
        context.session = session
        return try await next(request, context)
    }
}
