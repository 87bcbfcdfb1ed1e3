import TradingCore
import TradingEngine

// MARK: JobQueue

extension SQLStore: JobQueue {
    private static let jobColumns = """
        id, kind, payload, idempotency_key, priority, run_at, status, attempts, max_attempts, lease_owner, lease_expires_at, last_error, result, \
        created_at, finished_at
        """

    /// The statement queueing a job (a used idempotency key inserts nothing).
    static func insertJob(_ job: NewJob, at time: Timestamp) -> SQLStatement {
        let now = SQLValue.integer(time.millisecondsSinceEpoch)
        return SQLStatement("""
            INSERT INTO jobs (kind, payload, idempotency_key, priority, run_at, status, attempts, max_attempts, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING \(jobColumns)
            """, [.text(job.kind), .text(job.payload), job.idempotencyKey.map(SQLValue.text) ?? .null, .integer(Int64(job.priority)),
                  .integer(job.runAt.millisecondsSinceEpoch), .integer(Int64(job.maximumAttempts)), now, now])
    }

    public func enqueue(_ job: NewJob, at time: Timestamp) async throws -> JobRecord {
        let inserted = try await database.write([Self.insertJob(job, at: time)])
        if let row = inserted.first?.first { return try Self.jobRecord(row) }
        // The key was used: the job enqueued with it is the answer.
        guard let key = job.idempotencyKey,
              let existing = try await database.query(SQLStatement("SELECT \(Self.jobColumns) FROM jobs WHERE idempotency_key = ?", [.text(key)])).first else {
            throw StoreError.corruptValue(column: "jobs.idempotency_key", value: job.idempotencyKey ?? "")
        }
        return try Self.jobRecord(existing)
    }

    public func claimJobs(worker: String, kinds: Set<String>, limit: Int, lease: Duration, at time: Timestamp) async throws -> [JobRecord] {
        guard limit > 0, !kinds.isEmpty else { return [] }
        let now = time.millisecondsSinceEpoch
        let expires = now + lease.wholeMilliseconds
        let kindList = kinds.sorted()
        let placeholders = Array(repeating: "?", count: kindList.count).joined(separator: ", ")
        // PostgreSQL: rows another transaction holds are skipped, so concurrent workers never wait
        // on each other or take the same job. SQLite has one writer at a time, which already
        // serialises claims.
        let locking = database.dialect == .postgresql ? " FOR UPDATE SKIP LOCKED" : ""
        // A job whose worker vanished during its last attempt is dead, not claimable forever.
        let expireDead = SQLStatement("""
            UPDATE jobs SET status = 'dead', last_error = 'the lease expired during the last attempt (the worker was lost)', lease_owner = NULL,
                lease_expires_at = NULL, finished_at = ?, updated_at = ?
            WHERE status = 'running' AND lease_expires_at < ? AND attempts >= max_attempts
            """, [.integer(now), .integer(now), .integer(now)])
        // A job whose worker vanished with attempts left goes back to the queue, keeping its run_at
        // (so it is due at once) and its attempt count; the claim below then takes it like any other.
        let requeueExpired = SQLStatement("""
            UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
            WHERE status = 'running' AND lease_expires_at < ? AND attempts < max_attempts
            """, [.integer(now), .integer(now)])
        let rows = try await database.write([expireDead, requeueExpired, SQLStatement("""
            UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?, started_at = ?
            WHERE id IN (
                SELECT id FROM jobs
                WHERE status = 'queued' AND run_at <= ? AND kind IN (\(placeholders))
                ORDER BY priority DESC, run_at, id LIMIT ?\(locking))
            RETURNING \(Self.jobColumns)
            """, [.text(worker), .integer(expires), .integer(now), .integer(now), .integer(now)] + kindList.map(SQLValue.text) + [.integer(Int64(limit))])])
        return try (rows.last ?? []).map(Self.jobRecord).sorted { ($0.priority, -$0.runAt.millisecondsSinceEpoch, -$0.id) > ($1.priority, -$1.runAt.millisecondsSinceEpoch, -$1.id) }
    }

    public func renewLease(jobID: Int64, worker: String, until time: Timestamp) async throws -> Bool {
        let rows = try await database.write([SQLStatement("""
            UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING id
            """, [.integer(time.millisecondsSinceEpoch), .integer(jobID), .text(worker)])])
        return !(rows.first ?? []).isEmpty
    }

    public func completeJobs(_ completions: [JobCompletion], worker: String, at time: Timestamp) async throws -> Set<Int64> {
        guard !completions.isEmpty else { return [] }
        let now = SQLValue.integer(time.millisecondsSinceEpoch)
        let rows = try await database.write(completions.map { completion in
            SQLStatement("""
                UPDATE jobs SET status = 'succeeded', result = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ?
                WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING id
                """, [.text(completion.result), now, now, .integer(completion.jobID), .text(worker)])
        })
        return Set(try rows.compactMap { try $0.first?.integer(0) })
    }

    public func failJob(jobID: Int64, worker: String, error: String, retryAt: Timestamp, at time: Timestamp) async throws -> JobRecord? {
        let now = SQLValue.integer(time.millisecondsSinceEpoch)
        let rows = try await database.write([SQLStatement("""
            UPDATE jobs SET
                status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
                run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE ? END,
                finished_at = CASE WHEN attempts >= max_attempts THEN ? ELSE NULL END,
                last_error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
            WHERE id = ? AND lease_owner = ? AND status = 'running' RETURNING \(Self.jobColumns)
            """, [.integer(retryAt.millisecondsSinceEpoch), now, .text(String(error.prefix(2000))), now, .integer(jobID), .text(worker)])])
        return try rows.first?.first.map(Self.jobRecord)
    }

    public func cancelJob(jobID: Int64, at time: Timestamp) async throws -> JobRecord? {
        let now = SQLValue.integer(time.millisecondsSinceEpoch)
        let rows = try await database.write([SQLStatement("""
            UPDATE jobs SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ?
            WHERE id = ? AND status IN ('queued', 'running') RETURNING \(Self.jobColumns)
            """, [now, now, .integer(jobID)])])
        if let row = rows.first?.first { return try Self.jobRecord(row) }
        return try await job(id: jobID)
    }

    public func job(id: Int64) async throws -> JobRecord? {
        try await database.query(SQLStatement("SELECT \(Self.jobColumns) FROM jobs WHERE id = ?", [.integer(id)])).first.map(Self.jobRecord)
    }

    public func jobs(kind: String, beforeID: Int64?, limit: Int) async throws -> [JobRecord] {
        try await database.query(SQLStatement(
            "SELECT \(Self.jobColumns) FROM jobs WHERE kind = ? AND id < ? ORDER BY id DESC LIMIT ?",
            [.text(kind), .integer(beforeID ?? Int64.max), .integer(Int64(limit))])).map(Self.jobRecord)
    }

    public func jobCounts() async throws -> [JobRecord.Status: Int] {
        var counts: [JobRecord.Status: Int] = [:]
        for row in try await database.query(SQLStatement("SELECT status, COUNT(*) FROM jobs GROUP BY status")) {
            if let status = JobRecord.Status(rawValue: try row.text(0)) { counts[status] = Int(try row.integer(1)) }
        }
        return counts
    }

    private static func jobRecord(_ row: SQLRow) throws -> JobRecord {
        let statusText = try row.text(6)
        guard let status = JobRecord.Status(rawValue: statusText) else { throw StoreError.corruptValue(column: "jobs.status", value: statusText) }
        return JobRecord(
            id: try row.integer(0), kind: try row.text(1), payload: try row.text(2), idempotencyKey: try row.optionalText(3), priority: Int(try row.integer(4)),
            runAt: Timestamp(millisecondsSinceEpoch: try row.integer(5)), status: status, attempts: Int(try row.integer(7)),
            maximumAttempts: Int(try row.integer(8)), leaseOwner: try row.optionalText(9),
            leaseExpiresAt: try row.optionalInteger(10).map { Timestamp(millisecondsSinceEpoch: $0) }, lastError: try row.optionalText(11),
            result: try row.optionalText(12), createdAt: Timestamp(millisecondsSinceEpoch: try row.integer(13)),
            finishedAt: try row.optionalInteger(14).map { Timestamp(millisecondsSinceEpoch: $0) })
    }
}
