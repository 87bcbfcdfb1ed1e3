import Foundation
import Logging
import PostgresNIO
import Storage
import TestSupport
import Testing

/// The vendored postgres-nio's fix (Vendor/postgres-nio/PATCHES.md): a server that goes away while
/// a query's rows wait for the consumer's demand fails that query; it does not stop the process.
@Suite("PostgreSQL row streams")
struct PostgresRowStreamTests {
    @Test("a query whose rows wait for demand fails with an error, and the process lives, when the server ends the connection",
          .enabled(if: TestEnvironment.postgresURL != nil),
          .timeLimit(.minutes(1)))
    func serverGoneWhileRowsWaitForDemand() async throws {
        let logger = Logger(label: "row-stream-test")
        let settings = try PostgresConnectionSettings(url: TestEnvironment.postgresURL!)
        let admin = PostgresDatabase(settings: settings, maximumConnections: 1, logger: logger)
        let configuration = PostgresConnection.Configuration(host: settings.host, port: settings.port, username: settings.username,
                                                             password: settings.password, database: settings.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            var backend: Int32?
            for try await pid in try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self) { backend = pid }
            // About 40 MB of rows: far more than the socket buffers hold, so the server's backend
            // blocks writing while the consumer, having read one row, asks for no more.
            let rows = try await connection.query("SELECT repeat('x', 200) FROM generate_series(1, 200000)", logger: logger)
            var iterator = rows.makeAsyncIterator()
            #expect(try await iterator.next() != nil)
            try await Task.sleep(for: .milliseconds(300))
            // Terminated while blocked on its socket, the backend closes the connection without
            // an error message (as `pg_ctl restart -m fast` does): end of file with rows unread.
            _ = try await admin.query(SQLStatement("SELECT pg_terminate_backend(CAST(? AS integer))", [.integer(Int64(try #require(backend)))]))
            try await Task.sleep(for: .milliseconds(300))
            var read = 1
            await #expect(throws: (any Error).self) {
                while try await iterator.next() != nil { read += 1 }
            }
            #expect(read < 200_000, "the query ended before its last row")
        } catch {
            Issue.record(error, "\(String(reflecting: error))")
        }
        try? await connection.close()
        try? await admin.close()
    }
}
