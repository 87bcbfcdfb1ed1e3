import Hummingbird
import TradingCore
import TradingEngine

/// Liveness, readiness and metrics.
enum OperationsRoutes {
    static func register(health: some RouterMethods<APIRequestContext>, metrics router: some RouterMethods<APIRequestContext>,
                         dependencies: ServerDependencies) {
        health.get("/health/live") { _, _ in
            JSONResponse.make(["status": "ok"])
        }
        health.get("/health/ready") { _, _ in
            try await readiness(dependencies)
        }
        router.get("/metrics") { _, _ in
            JSONResponse.make(bytes: dependencies.metrics.render(pool: dependencies.store.poolStatistics()),
                              contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

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
