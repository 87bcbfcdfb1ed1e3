import TradingCore
import TradingEngine

// MARK: SchedulerStore

extension SQLStore: SchedulerStore {
    public func acquireLease(name: String, holder: String, until: Timestamp, at time: Timestamp) async throws -> Bool {
        let rows = try await database.write([SQLStatement("""
            INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at < ?
            RETURNING holder
            """, [.text(name), .text(holder), .integer(until.millisecondsSinceEpoch), .integer(time.millisecondsSinceEpoch)])])
        return (try rows.first?.first?.text(0)) == holder
    }

    public func releaseLease(name: String, holder: String) async throws {
        try await database.write([SQLStatement("DELETE FROM leases WHERE name = ? AND holder = ?", [.text(name), .text(holder)])])
    }

    public func acquireLeadership(name: String, holder: String, until: Timestamp, at time: Timestamp) async throws -> Bool {
        guard let postgres = database as? PostgresDatabase else { return try await acquireLease(name: name, holder: holder, until: until, at: time) }
        guard try await postgres.holdLeadership(name: name, holder: holder) else { return false }
        // The lock decides; the row only tells operators (and tests) who leads now.
        try await database.write([SQLStatement("""
            INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            """, [.text(name), .text(holder), .integer(until.millisecondsSinceEpoch)])])
        return true
    }

    public func releaseLeadership(name: String, holder: String) async throws {
        guard let postgres = database as? PostgresDatabase else { return try await releaseLease(name: name, holder: holder) }
        await postgres.releaseLeadership(name: name, holder: holder)
        // The row tells who leads now (`leaseHolder`): nobody, until another process takes the lock.
        // Only informative, and it expires: failing to remove it does not fail the release.
        try? await releaseLease(name: name, holder: holder)
    }

    public func leaseHolder(name: String, at time: Timestamp) async throws -> String? {
        try await database.query(SQLStatement("SELECT holder FROM leases WHERE name = ? AND expires_at >= ?",
                                              [.text(name), .integer(time.millisecondsSinceEpoch)])).first?.text(0)
    }

    public func lastTick(schedule: String) async throws -> Timestamp? {
        try await database.query(SQLStatement("SELECT last_tick FROM schedule_ticks WHERE name = ?", [.text(schedule)])).first
            .map { Timestamp(millisecondsSinceEpoch: try $0.integer(0)) }
    }

    public func fireTick(schedule: String, tick: Timestamp, job: NewJob, at time: Timestamp) async throws {
        try await database.write([
            Self.insertJob(job, at: time),
            SQLStatement("""
                INSERT INTO schedule_ticks (name, last_tick) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET last_tick = excluded.last_tick WHERE schedule_ticks.last_tick < excluded.last_tick
                """, [.text(schedule), .integer(tick.millisecondsSinceEpoch)]),
        ])
    }

    public func startSchedule(_ schedule: String, at tick: Timestamp) async throws {
        try await database.write([SQLStatement("INSERT INTO schedule_ticks (name, last_tick) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                               [.text(schedule), .integer(tick.millisecondsSinceEpoch)])])
    }
}
