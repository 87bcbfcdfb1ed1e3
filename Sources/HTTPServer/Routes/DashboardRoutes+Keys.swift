import Hummingbird
import TradingCore
import TradingEngine

extension DashboardRoutes {
    /// The admins' page of API keys: list, create (shown once), revoke after a confirmation.
    static func keys(_ dependencies: ServerDependencies) -> [APIRoute] {
        let issuer = APIKeyIssuer(store: dependencies.store, clock: dependencies.clock)
        let idParameter = Schema.path("id", "The key id.", Schema.identifier)
        /// The key of the path, or a 400 or 404.
        @Sendable func key(_ context: APIRequestContext) async throws -> APIKeyRecord {
            guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else { throw ProblemDetails.invalidParameter("id", "must be a positive integer") }
            guard let record = try await dependencies.store.apiKeys().first(where: { $0.id == id }) else { throw ProblemDetails(.notFound, detail: "no API key has id \(id)") }
            return record
        }
        return [
            APIRoute(APIOperation(
                .get, "/ui/keys", id: "getKeysPage", tag: .dashboard, summary: "API keys", role: .admin, authentication: .session,
                description: "Every key with its role and state (never the key itself), a form that creates one, and a revoke button for each active key.",
                success: .page("The keys."), problems: [.invalidParameter])
            ) { request, context in
                _ = try QueryValidator(request, allowed: [])
                let session = try context.dashboardSession()
                let body = KeysPage.body(try await dependencies.store.apiKeys(), session: session)
                return DashboardPage.render(title: "API keys", current: "/ui/keys", session: session, body: body)
            },
            APIRoute({
                var operation = APIOperation(
                    .post, "/ui/keys", id: "createKeyFromPage", tag: .dashboard, summary: "Create an API key", role: .admin, authentication: .session,
                    description: "Creates a key and shows it once on the page that answers (never in a URL); a blank or long name is shown next to its field.",
                    success: .page("The new key, shown once."), problems: [.invalidParameter, .unsupportedMediaType, .payloadTooLarge])
                operation.formPageOnProblem = true
                return operation
            }()) { request, context in
                let session = try context.dashboardSession()
                let form = try await DashboardForm.read(request) { dependencies.settings.sessions.isFormToken($0, for: session.token) }
                guard let role = APIKeyRole(rawValue: form.fields["role"] ?? "") else {
                    throw ProblemDetails.invalidParameter("role", "must be one of \(APIKeyRole.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let name = form.fields["name"] ?? ""
                do {
                    let issued = try await issuer.issue(name: name, role: role)
                    return DashboardPage.render(title: "API keys", current: "/ui/keys", session: session, body: KeysPage.created(issued.key, record: issued.record))
                } catch let error as APIKeyNameError {
                    let body = KeysPage.body(try await dependencies.store.apiKeys(), session: session, problem: error.description, name: name, role: role)
                    return DashboardPage.render(title: "API keys", current: "/ui/keys", session: session, body: body, status: .badRequest)
                }
            },
            APIRoute(APIOperation(
                .get, "/ui/keys/{id}/revoke", id: "getKeyRevocation", tag: .dashboard, summary: "Confirm a revocation", role: .admin,
                authentication: .session, description: "What revoking the key does, and the form that does it.",
                parameters: [idParameter], success: .page("The confirmation."), problems: [.invalidParameter, .notFound])
            ) { request, context in
                _ = try QueryValidator(request, allowed: [])
                let session = try context.dashboardSession()
                return DashboardPage.render(title: "Revoke a key", current: "/ui/keys", session: session, body: KeysPage.confirmation(try await key(context), session: session))
            },
            APIRoute(APIOperation(
                .post, "/ui/keys/{id}/revoke", id: "revokeKeyFromPage", tag: .dashboard, summary: "Revoke an API key", role: .admin,
                authentication: .session, description: "Revokes the key as `DELETE /api/v1/apikeys/{id}` does (revoking it again changes nothing) and returns to the keys.",
                parameters: [idParameter], success: .redirect("To the keys."), problems: [.invalidParameter, .notFound, .unsupportedMediaType, .payloadTooLarge])
            ) { request, context in
                let session = try context.dashboardSession()
                _ = try await DashboardForm.read(request) { dependencies.settings.sessions.isFormToken($0, for: session.token) }
                let record = try await key(context)
                _ = try await dependencies.store.revokeAPIKey(id: record.id, at: dependencies.clock.now())
                dependencies.authenticator.invalidateAll()
                return DashboardPage.redirect(to: "/ui/keys")
            },
        ]
    }
}
