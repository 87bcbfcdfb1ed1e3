import Foundation
import Hummingbird
import SecuritySupervisor
import TradingCore
import TradingEngine

/// The security supervisor under `/api/v1/supervisor`: the last sweep's checks and score with its
/// breakdown, and the alerts (viewer); acknowledging an alert (trader); a sweep now (admin).
enum SecurityRoutes: RouteGroup {
    /// The newest sweep, or a 404 that says when sweeps run.
    static func latest(_ store: any SecurityAlertStore) async throws -> StoredSweep {
        guard let sweep = try await store.latestSweep() else {
            throw ProblemDetails(.notFound, detail: "no security sweep has run yet: serve and run sweep every security.check_interval_seconds (60 by default)")
        }
        return sweep
    }

    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        let store = dependencies.securityStore
        return [
            APIRoute(APIOperation(
                .get, "/api/v1/supervisor/health", id: "getSupervisorHealth", tag: .supervisor, summary: "Health checks of the last sweep", role: .viewer,
                description: "Each check of the newest sweep: status OK, DEGRADED or FAILED, value, threshold, message, duration; the worst status and the sweep's wall time. 404 until a sweep has run.",
                success: .json("The checks.", Schema.ref("SupervisorHealth")), problems: [.invalidParameter, .notFound])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                return JSONResponse.make(bytes: Array(try await latest(store).health.utf8))
            },
            APIRoute(APIOperation(
                .get, "/api/v1/supervisor/security", id: "getSupervisorSecurity", tag: .supervisor, summary: "Security score and breakdown", role: .viewer,
                description: """
                    The security score (0–100) of the newest sweep with every deduction and its reason, the vulnerability scan's \
                    summary and the open alerts by level. 404 until a sweep has run.
                    """,
                success: .json("The sweep.", Schema.ref("SecuritySweep")), problems: [.invalidParameter, .notFound])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                return JSONResponse.make(bytes: Array(try await latest(store).security.utf8))
            },
            APIRoute(APIOperation(
                .post, "/api/v1/supervisor/scan", id: "runSupervisorSweep", tag: .supervisor, summary: "Sweep now", role: .admin,
                description: "Runs a sweep now (checks, vulnerability scan, score, alerts) and returns both documents. 503 when this process runs no supervisor.",
                success: .json("The sweep.", ["type": "object", "properties": ["health": Schema.ref("SupervisorHealth"), "security": Schema.ref("SecuritySweep")]]),
                problems: [.invalidParameter, .notReady])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                guard let runSweep = dependencies.runSweep else {
                    throw ProblemDetails(.notReady, detail: "this process runs no security supervisor (security.check_interval_seconds is 0)")
                }
                let sweep = try await runSweep()
                // Both documents, as the two GET routes serve them.
                return JSONResponse.make(bytes: Array("{\"health\": \(sweep.health), \"security\": \(sweep.security)}".utf8))
            },
            APIRoute(APIOperation(
                .get, "/api/v1/supervisor/alerts", id: "getSupervisorAlerts", tag: .supervisor, summary: "Supervisor alerts, newest first", role: .viewer,
                description: "Open alerts (or all with include_resolved=true): one per condition, with first and last seen, count, acknowledgement and resolution.",
                parameters: [Schema.query("include_resolved", "Also resolved alerts (default false).", Schema.boolean), Schema.limitQuery],
                success: .json("The alerts.", Schema.ref("SecurityAlertList")), problems: [.invalidParameter])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["include_resolved", "limit"])
                let includeResolved = try query.parsed("include_resolved", accepted: "true or false") { Bool($0) } ?? false
                let limit = try query.parsed("limit", accepted: "an integer from 1 to 1000") { Int($0).flatMap { (1...1000).contains($0) ? $0 : nil } } ?? 100
                let alerts = try await store.securityAlerts(includeResolved: includeResolved, limit: limit)
                return JSONResponse.make(["alerts": .array(alerts.map(Representations.securityAlert))])
            },
            APIRoute(APIOperation(
                .post, "/api/v1/supervisor/alerts/{id}/ack", id: "acknowledgeSupervisorAlert", tag: .supervisor, summary: "Acknowledge an alert",
                role: .trader, description: "Records who acknowledged the alert and when; it stays open until its condition clears.",
                parameters: [Schema.idPath("The alert id.")],
                success: .json("The alert.", Schema.ref("SecurityAlert")), problems: [.invalidParameter, .notFound])
            ) { request, context in
                _ = try QueryValidator(request, allowed: [])
                guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
                    throw ProblemDetails.invalidParameter("id", "must be a positive integer")
                }
                let who = context.principal.map { "api key \($0.keyID) (\($0.name))" } ?? "unknown"
                guard let alert = try await store.acknowledgeAlert(id: id, by: who, at: dependencies.clock.now()) else {
                    throw ProblemDetails(.notFound, detail: "no alert has id \(id)")
                }
                return JSONResponse.make(Representations.securityAlert(alert))
            },
        ]
    }

    /// The schemas of these routes' bodies.
    static let schemas: [(String, JSONValue)] = {
        let status = Schema.enumeration(HealthCheckResult.Status.self)
        return [
            ("SecurityAlert", Schema.object([
                ("id", Schema.identifier), ("fingerprint", Schema.string), ("level", Schema.enumeration(AlertLevel.self)),
                ("source", Schema.enumeration(AlertSource.self)), ("title", Schema.string),
                ("message", Schema.string), ("first_seen", Schema.dateTime), ("last_seen", Schema.dateTime), ("count", Schema.integer),
                ("acknowledged_at", Schema.nullableDateTime), ("acknowledged_by", Schema.nullableString), ("resolved_at", Schema.nullableDateTime),
                ("host", ["type": "string", "description": "The host that last observed the alert (empty when not named)."]),
                ("role", ["type": "string", "description": "The role of the process that last observed it (api:8080, run:8080, worker)."]),
            ])),
            ("SecurityAlertList", Schema.object([("alerts", Schema.array(Schema.ref("SecurityAlert")))])),
            ("SupervisorHealth", Schema.object([
                ("time", Schema.dateTime), ("status", status), ("elapsed_ms", Schema.number),
                ("checks", Schema.array(Schema.object([
                    ("name", Schema.string), ("status", status), ("value", ["type": ["number", "null"]]), ("threshold", Schema.string),
                    ("message", Schema.string), ("elapsed_ms", Schema.number),
                ]))),
            ])),
            ("SecuritySweep", Schema.object([
                ("time", Schema.dateTime), ("score", ["type": "integer", "minimum": 0, "maximum": 100]),
                // meaning, remedy, the database's age, not_scanned and observer came later than the
                // rest (CHANGELOG): a sweep stored before has none of them.
                ("deductions", Schema.array(Schema.object([
                    ("reason", Schema.string), ("points", Schema.integer),
                    ("meaning", ["type": "string", "description": "What the problem means for this installation."]),
                    ("remedy", ["type": "string", "description": "The command or change that removes the deduction."]),
                ], required: ["reason", "points"]))),
                ("scan", Schema.object([("packages_scanned", Schema.integer), ("database_records", Schema.integer),
                                        ("database_problems", Schema.array(Schema.string)),
                                        ("database_path", Schema.nullableString), ("database_newest_record", Schema.nullableDateTime),
                                        ("database_age_days", ["type": ["number", "null"], "description": "Days since the newest record's modification."]),
                                        ("not_scanned", ["type": "array", "items": Schema.string, "description": "What could not be inventoried, and why."]),
                                        ("findings", ["type": "object", "additionalProperties": ["type": "integer"]])],
                                       required: ["packages_scanned", "database_records", "database_problems", "findings"])),
                ("open_alerts", ["type": "object", "additionalProperties": ["type": "integer"], "description": "Open alerts by level."]),
                ("observer", Schema.object([("host", Schema.string), ("role", Schema.string),
                                            ("leader", ["type": "boolean", "description": "Whether this sweep's process owned the shared alerts."])],
                                           description: "The process whose sweep this is.")),
            ], required: ["time", "score", "deductions", "scan", "open_alerts"])),
        ]
    }()
}

extension Representations {
    /// One supervisor alert.
    public static func securityAlert(_ alert: StoredSecurityAlert) -> JSONValue {
        [
            "id": .integer(alert.id),
            "fingerprint": .string(alert.fingerprint),
            "level": .string(alert.level.rawValue),
            "source": .string(alert.source.rawValue),
            "title": .string(alert.title),
            "message": .string(alert.message),
            "first_seen": .string(alert.firstSeen.iso8601),
            "last_seen": .string(alert.lastSeen.iso8601),
            "count": .int(alert.count),
            "acknowledged_at": alert.acknowledgedAt.map { .string($0.iso8601) } ?? .null,
            "acknowledged_by": alert.acknowledgedBy.map(JSONValue.string) ?? .null,
            "resolved_at": alert.resolvedAt.map { .string($0.iso8601) } ?? .null,
            "host": .string(alert.host),
            "role": .string(alert.role),
        ]
    }
}
