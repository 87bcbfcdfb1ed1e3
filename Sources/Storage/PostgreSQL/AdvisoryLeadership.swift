import Logging
import NIOCore
import PostgresNIO
import Synchronization
import TradingCore

/// A leadership query that got no answer within its time limit.
struct LeadershipTimeout: Error, CustomStringConvertible {
    var description: String { "the database did not answer the leadership check within 5 s" }
}

/// Leadership through PostgreSQL session-level advisory locks: each lock is taken with
/// `pg_try_advisory_lock` on a connection of its own, outside the pool (so leading never takes a
/// pooled connection away), and checked with a ping at every renewal. If the process dies, the
/// server ends its session and frees the lock at once. Any failure or a ping that does not answer
/// within 5 s closes that connection — which frees the lock on the server too — and the holder
/// leads no more until it takes the lock again.
final class AdvisoryLeadership: Sendable {
    /// A held lock and the connection holding it.
    struct Hold: Sendable {
        let connection: PostgresConnection
        let key: Int64
    }

    private let holds = Mutex<[String: Hold]>([:])
    private let connect: @Sendable () async throws -> PostgresConnection
    private let logger: Logger

    /// Creates the registry; `connect` opens a new connection outside the pool.
    init(logger: Logger, connect: @escaping @Sendable () async throws -> PostgresConnection) {
        self.logger = logger
        self.connect = connect
    }

    /// The lock key of a name: FNV-1a of the name, so every process derives the same key.
    static func key(_ name: String) -> Int64 {
        Int64(bitPattern: FNV1a.hash64("orchestrator-leadership:\(name)".utf8))
    }

    /// Whether `holder` holds the named lock now, taking it when it is free.
    func acquire(name: String, holder: String) async throws -> Bool {
        let id = "\(name)|\(holder)"
        if let hold = holds.withLock({ $0[id] }) {
            do {
                _ = try await Self.scalar(hold.connection, "SELECT 1", logger: logger)
                return true
            } catch {
                // The session may be gone (and the lock with it): never lead on a doubt.
                holds.withLock { _ = $0.removeValue(forKey: id) }
                try? await hold.connection.close()
                logger.warning("leadership connection lost", metadata: ["lock": .string(name), "reason": .string(String(describing: error))])
                return false
            }
        }
        let key = Self.key(name)
        let connection = try await connect()
        do {
            guard try await Self.scalar(connection, "SELECT pg_try_advisory_lock(\(key))", logger: logger) else {
                try? await connection.close()
                return false
            }
            holds.withLock { $0[id] = Hold(connection: connection, key: key) }
            return true
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Gives the lock up: unlocks (closing the connection frees it anyway) and closes the connection.
    func release(name: String, holder: String) async {
        guard let hold = holds.withLock({ $0.removeValue(forKey: "\(name)|\(holder)") }) else { return }
        await end(hold)
    }

    /// Gives every lock up (at close).
    func releaseAll() async {
        for hold in holds.withLock({ holds in defer { holds = [:] }; return Array(holds.values) }) { await end(hold) }
    }

    private func end(_ hold: Hold) async {
        _ = try? await Self.scalar(hold.connection, "SELECT pg_advisory_unlock(\(hold.key))", logger: logger)
        try? await hold.connection.close()
    }

    /// Runs a query returning one boolean (or anything, for a ping) with a 5 s limit: on time-out
    /// the connection is closed, which fails the query, so nothing waits for a dead peer.
    static func scalar(_ connection: PostgresConnection, _ sql: String, logger: Logger) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool?.self) { group in
            group.addTask {
                var value = true
                for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                    value = (try? row.decode(Bool.self)) ?? true
                }
                return value
            }
            group.addTask {
                try await Task.sleep(for: .seconds(5))
                try? await connection.close()
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let value = result { return value }
                throw LeadershipTimeout()
            }
            return false
        }
    }
}
