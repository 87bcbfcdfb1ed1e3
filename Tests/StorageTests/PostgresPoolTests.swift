import Foundation
import Logging
import Storage
import TestSupport
import Testing

/// The pool settings `database.pool_minimum` and `database.keep_alive_seconds` reach postgres-nio's pool.
@Suite("PostgreSQL pool settings")
struct PostgresPoolTests {
    @Test("an idle pool keeps its minimum of connections open (one opened on demand otherwise), with or without keep-alive queries",
          .enabled(if: TestEnvironment.postgresURL != nil),
          .timeLimit(.minutes(1)),
          arguments: [(minimum: 0, keepAlive: Duration?.some(.seconds(30)), open: 1), (minimum: 3, keepAlive: nil, open: 3)])
    func minimumKeptOpen(minimum: Int, keepAlive: Duration?, open: Int) async throws {
        let logger = Logger(label: "pool-test")
        let admin = PostgresDatabase(settings: try PostgresConnectionSettings(url: TestEnvironment.postgresURL!), maximumConnections: 1, logger: logger)
        let name = "pool_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        _ = try await admin.query(SQLStatement("CREATE DATABASE \(name)"))
        var components = URLComponents(string: TestEnvironment.postgresURL!)!
        components.path = "/" + name
        let pool = PostgresDatabase(settings: try PostgresConnectionSettings(url: components.string!), maximumConnections: 5,
                                    minimumConnections: minimum, keepAlive: keepAlive, logger: logger)
        func connections() async throws -> Int64 {
            try await admin.query(SQLStatement("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = ?", [.text(name)])).first!.integer(0)
        }
        do {
            #expect(try await pool.query(SQLStatement("SELECT 1")).first?.integer(0) == 1)
            var seen = try await connections()
            for _ in 0..<100 where seen != Int64(open) {
                try await Task.sleep(for: .milliseconds(100))
                seen = try await connections()
            }
            #expect(seen == Int64(open))
        } catch {
            Issue.record(error)
        }
        try? await pool.close()
        _ = try? await admin.query(SQLStatement("DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        try? await admin.close()
    }
}
