import Hummingbird
import TradingCore
import TradingEngine

/// Liveness, readiness and metrics: open, or behind the viewer role when the settings close them.
enum OperationsRoutes: RouteGroup {
    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        let healthRole: APIKeyRole? = dependencies.settings.openHealth ? nil : .viewer
        let metricsRole: APIKeyRole? = dependencies.settings.openMetrics ? nil : .viewer
        return [
            APIRoute(APIOperation(
                .get, "/health/live", id: "getLiveness", tag: .operations, summary: "Liveness", role: healthRole,
                description: "200 while the process serves requests.",
                success: .json("The process is alive.", Schema.ref("Liveness")), problems: [])
            ) { _, _ in
                JSONResponse.make(["status": "ok"])
            },
            APIRoute(APIOperation(
                .get, "/health/ready", id: "getReadiness", tag: .operations, summary: "Readiness", role: healthRole,
                description: "200 when the database answers and its schema is current; 503 naming the failing part otherwise.",
                success: .json("Ready.", Schema.ref("Readiness")), problems: [.notReady])
            ) { _, _ in
                try await readiness(dependencies)
            },
            APIRoute(APIOperation(
                .get, "/metrics", id: "getMetrics", tag: .operations, summary: "Prometheus metrics", role: metricsRole,
                description: "Prometheus text format: HTTP requests and latency by route and status, process memory, database pool.",
                success: .text("Metrics in the Prometheus text exposition format.", contentType: "text/plain"), problems: [])
            ) { _, _ in
                JSONResponse.make(bytes: dependencies.metrics.render(pool: dependencies.store.poolStatistics()),
                                  contentType: "text/plain; version=0.0.4; charset=utf-8")
            },
        ]
    }

    /// The schemas of these routes' bodies.
    static let schemas: [(String, JSONValue)] = [
        ("Liveness", Schema.object([("status", Schema.strings(["ok"]))])),
        ("Readiness", Schema.object([
            ("status", Schema.strings(["ready"])),
            ("checks", ["type": "object", "additionalProperties": ["type": "object"]]),
        ])),
    ]

    /// 200 when the database answers and its schema is current; 503 naming the failing part otherwise.
    static func readiness(_ dependencies: ServerDependencies) async throws -> Response {
        let store = dependencies.store
        var checks: [(String, JSONValue)] = []
        var failing: [String] = []
        do {
            let latency = try await store.ping()
            let version = try await store.schemaVersion()
            let current = version == store.latestSchemaVersion
            if !current { failing.append("database schema") }
            checks.append(("database", [
                "status": .string(current ? "pass" : "fail"),
                "backend": .string(store.backendName),
                "latency_ms": .number(latency.milliseconds),
                "schema_version": .int(version),
                "latest_schema_version": .int(store.latestSchemaVersion),
            ]))
        } catch {
            failing.append("database")
            // The kind of failure only: driver messages can carry host names and user names.
            checks.append(("database", ["status": "fail", "backend": .string(store.backendName), "error": .string(String(describing: type(of: error)))]))
        }
        if failing.isEmpty {
            return JSONResponse.make(["status": "ready", "checks": .object(checks)])
        }
        throw ProblemDetails(.notReady, detail: "failing: \(failing.joined(separator: ", "))",
                             extensions: [("status", "not_ready"), ("checks", .object(checks))])
    }
}
