import Foundation
import Hummingbird
import SecuritySupervisor
import TradingCore
import TradingEngine

/// The security supervisor under `/api/v1/supervisor`: the last sweep's checks and score with its
/// breakdown, and the alerts (viewer); acknowledging an alert (trader); a sweep now (admin).
enum SecurityRoutes {
    /// The newest sweep, or a 404 that says when sweeps run.
    static func latest(_ store: any SecurityAlertStore) async throws -> StoredSweep {
        guard let sweep = try await store.latestSweep() else {
            throw ProblemDetails(.notFound, detail: "no security sweep has run yet: serve and run sweep every security.check_interval_seconds (60 by default)")
        }
        return sweep
    }

    static func register(viewer: some RouterMethods<APIRequestContext>, trader: some RouterMethods<APIRequestContext>, admin: some RouterMethods<APIRequestContext>,
                         dependencies: ServerDependencies) {
        let store = dependencies.securityStore
        viewer.get("/supervisor/health") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            return JSONResponse.make(bytes: Array(try await latest(store).health.utf8))
        }
        viewer.get("/supervisor/security") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            return JSONResponse.make(bytes: Array(try await latest(store).security.utf8))
        }
        admin.post("/supervisor/scan") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            guard let runSweep = dependencies.runSweep else {
                throw ProblemDetails(.notReady, detail: "this process runs no security supervisor (security.check_interval_seconds is 0)")
            }
            let sweep = try await runSweep()
            // Both documents, as the two GET routes serve them.
            return JSONResponse.make(bytes: Array("{\"health\": \(sweep.health), \"security\": \(sweep.security)}".utf8))
        }
        viewer.get("/supervisor/alerts") { request, _ in
            let query = try QueryValidator(request, allowed: ["include_resolved", "limit"])
            let includeResolved = try query.parsed("include_resolved", accepted: "true or false") { Bool($0) } ?? false
            let limit = try query.parsed("limit", accepted: "an integer from 1 to 1000") { Int($0).flatMap { (1...1000).contains($0) ? $0 : nil } } ?? 100
            let alerts = try await store.securityAlerts(includeResolved: includeResolved, limit: limit)
            return JSONResponse.make(["alerts": .array(alerts.map(Representations.securityAlert))])
        }
        trader.post("/supervisor/alerts/{id}/ack") { request, context in
            _ = try QueryValidator(request, allowed: [])
            guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
                throw ProblemDetails.invalidParameter("id", "must be a positive integer")
            }
            let who = context.principal.map { "api key \($0.keyID) (\($0.name))" } ?? "unknown"
            guard let alert = try await store.acknowledgeAlert(id: id, by: who, at: dependencies.clock.now()) else {
                throw ProblemDetails(.notFound, detail: "no alert has id \(id)")
            }
            return JSONResponse.make(Representations.securityAlert(alert))
        }
    }
}

extension Representations {
    /// One supervisor alert.
    public static func securityAlert(_ alert: StoredSecurityAlert) -> JSONValue {
        [
            "id": .integer(alert.id),
            "fingerprint": .string(alert.fingerprint),
            "level": .string(alert.level.rawValue),
            "source": .string(alert.source),
            "title": .string(alert.title),
            "message": .string(alert.message),
            "first_seen": .string(alert.firstSeen.iso8601),
            "last_seen": .string(alert.lastSeen.iso8601),
            "count": .int(alert.count),
            "acknowledged_at": alert.acknowledgedAt.map { .string($0.iso8601) } ?? .null,
            "acknowledged_by": alert.acknowledgedBy.map(JSONValue.string) ?? .null,
            "resolved_at": alert.resolvedAt.map { .string($0.iso8601) } ?? .null,
        ]
    }
}
