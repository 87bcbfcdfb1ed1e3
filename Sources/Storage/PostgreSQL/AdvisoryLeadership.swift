import Logging
import PostgresNIO
import Synchronization

/// Leadership through PostgreSQL session-level advisory locks: each lock is taken with
/// `pg_try_advisory_lock` on one pooled connection that is kept, and pinged every second, for as
/// long as the lock is held. If the process dies, the server ends its session and frees the lock
/// at once; if the connection is lost, the holder learns it at the next ping and leads no more.
final class AdvisoryLeadership: Sendable {
    /// One held (or being taken) lock.
    final class Hold: Sendable {
        let alive = Mutex(false)
        let released = Mutex(false)
        let task = Mutex<Task<Void, Never>?>(nil)
    }

    private let holds = Mutex<[String: Hold]>([:])

    /// The lock key of a name: FNV-1a of the name, so every process derives the same key.
    static func key(_ name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "orchestrator-leadership:\(name)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// Whether `holder` holds the named lock now, taking it when it is free.
    func acquire(name: String, holder: String, client: PostgresClient, logger: Logger) async throws -> Bool {
        let id = "\(name)|\(holder)"
        if let hold = holds.withLock({ $0[id] }) {
            if hold.alive.withLock({ $0 }) { return true }
            holds.withLock { _ = $0.removeValue(forKey: id) }
        }
        let hold = Hold()
        let key = Self.key(name)
        let taken: Bool = try await withCheckedThrowingContinuation { (answer: CheckedContinuation<Bool, any Error>) in
            let answered = Mutex(false)
            let respond = { (result: Result<Bool, any Error>) in
                if answered.withLock({ old in defer { old = true }; return !old }) { answer.resume(with: result) }
            }
            let task = Task {
                do {
                    try await client.withConnection { connection in
                        let rows = try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger)
                        var got = false
                        for try await row in rows { got = try row.decode(Bool.self) }
                        guard got else { respond(.success(false)); return }
                        hold.alive.withLock { $0 = true }
                        respond(.success(true))
                        // Held until released; a failed ping means the session (and the lock) is gone.
                        while !hold.released.withLock({ $0 }) {
                            try await Task.sleep(for: .seconds(1))
                            for try await _ in try await connection.query("SELECT 1", logger: logger) {}
                        }
                        for try await _ in try await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger) {}
                    }
                } catch {
                    respond(.failure(error))
                }
                hold.alive.withLock { $0 = false }
            }
            hold.task.withLock { $0 = task }
        }
        if taken { holds.withLock { $0[id] = hold } }
        return taken
    }

    /// Gives the lock up (waits at most about a second for the holding connection to unlock it).
    func release(name: String, holder: String) async {
        guard let hold = holds.withLock({ $0.removeValue(forKey: "\(name)|\(holder)") }) else { return }
        hold.released.withLock { $0 = true }
        await hold.task.withLock({ $0 })?.value
    }

    /// Gives every lock up (at close).
    func releaseAll() async {
        let all = holds.withLock { holds in defer { holds = [:] }; return Array(holds.values) }
        for hold in all {
            hold.released.withLock { $0 = true }
            await hold.task.withLock({ $0 })?.value
        }
    }
}
