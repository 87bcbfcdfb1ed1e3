import TradingCore

/// A job as stored.
public struct JobRecord: Sendable, Hashable {
    /// Where a job is in its life.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case queued
        case running
        case succeeded
        /// Failed after its last attempt: kept with the last error, never retried.
        case dead
        case cancelled
    }

    public let id: Int64
    /// What to do (`backtest`, `supervisor_sweep`, `noop`…).
    public let kind: String
    /// The job's input, JSON text.
    public let payload: String
    /// Enqueueing the same key again returns this job instead of a new one.
    public let idempotencyKey: String?
    /// Higher runs first.
    public let priority: Int
    /// Not before this time.
    public let runAt: Timestamp
    public let status: Status
    public let attempts: Int
    public let maximumAttempts: Int
    /// The worker holding it and until when (a lease past its time can be taken by another worker).
    public let leaseOwner: String?
    public let leaseExpiresAt: Timestamp?
    public let lastError: String?
    /// The result, JSON text, when it succeeded.
    public let result: String?
    public let createdAt: Timestamp
    public let finishedAt: Timestamp?

    /// Creates a record.
    public init(id: Int64, kind: String, payload: String, idempotencyKey: String?, priority: Int, runAt: Timestamp, status: Status, attempts: Int,
                maximumAttempts: Int, leaseOwner: String?, leaseExpiresAt: Timestamp?, lastError: String?, result: String?, createdAt: Timestamp,
                finishedAt: Timestamp?) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.idempotencyKey = idempotencyKey
        self.priority = priority
        self.runAt = runAt
        self.status = status
        self.attempts = attempts
        self.maximumAttempts = maximumAttempts
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.lastError = lastError
        self.result = result
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }
}

/// A new job.
public struct NewJob: Sendable, Hashable {
    public let kind: String
    public let payload: String
    public let idempotencyKey: String?
    public let priority: Int
    public let runAt: Timestamp
    public let maximumAttempts: Int

    /// Creates a job description.
    public init(kind: String, payload: String, idempotencyKey: String? = nil, priority: Int = 0, runAt: Timestamp, maximumAttempts: Int = 5) {
        self.kind = kind
        self.payload = payload
        self.idempotencyKey = idempotencyKey
        self.priority = priority
        self.runAt = runAt
        self.maximumAttempts = maximumAttempts
    }
}

/// The durable job queue: jobs are rows; workers claim them under a lease; a lease that runs out
/// (a crashed worker) makes the job claimable again; failures back off exponentially with jitter
/// and end in `dead` after the last attempt.
public protocol JobQueue: Sendable {
    /// Enqueues a job; with an idempotency key already used, returns the existing job instead.
    func enqueue(_ job: NewJob, at time: Timestamp) async throws -> JobRecord
    /// Claims up to `limit` due jobs (queued and due, or running with an expired lease), highest
    /// priority first, for `worker` until `time + lease`. Two workers never claim the same job.
    func claimJobs(worker: String, kinds: Set<String>, limit: Int, lease: Duration, at time: Timestamp) async throws -> [JobRecord]
    /// Extends the lease of a job this worker holds; false when the lease was lost.
    func renewLease(jobID: Int64, worker: String, until time: Timestamp) async throws -> Bool
    /// Records a failure of a held job: retried after `retryAt`, or `dead` after its last attempt.
    /// Records several successes in one transaction; returns the ids recorded (the others' leases
    /// were lost: another worker runs them).
    func completeJobs(_ completions: [JobCompletion], worker: String, at time: Timestamp) async throws -> Set<Int64>
    func failJob(jobID: Int64, worker: String, error: String, retryAt: Timestamp, at time: Timestamp) async throws -> JobRecord?
    /// Cancels a queued or running job; nil when there is no such job.
    func cancelJob(jobID: Int64, at time: Timestamp) async throws -> JobRecord?
    /// A job by id.
    func job(id: Int64) async throws -> JobRecord?
    /// The newest jobs of a kind, newest first, at most `limit`, only those with ids below `beforeID` when given.
    func jobs(kind: String, beforeID: Int64?, limit: Int) async throws -> [JobRecord]
    /// How many jobs are in each status.
    func jobCounts() async throws -> [JobRecord.Status: Int]
}

/// Exponential backoff with jitter: base × 2^(attempt − 1), capped, times a random factor in [0.75, 1.25].
public enum JobBackoff {
    /// The delay before the next attempt after `attempts` failed ones.
    public static func delay(afterAttempts attempts: Int, base: Duration = .seconds(1), cap: Duration = .seconds(300),
                             random: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(max(attempts - 1, 0), 20)
        let raw = min(base * (1 << exponent), cap)
        return raw * Double.random(in: 0.75...1.25, using: &random)
    }
}

/// A job's success as a worker reports it.
public struct JobCompletion: Sendable, Hashable {
    /// The job.
    public let jobID: Int64
    /// Its result (JSON text).
    public let result: String

    /// Creates a completion.
    public init(jobID: Int64, result: String) {
        self.jobID = jobID
        self.result = result
    }
}

extension JobQueue {
    /// Records one success; false when the worker no longer holds the job's lease.
    public func completeJob(jobID: Int64, worker: String, result: String, at time: Timestamp) async throws -> Bool {
        try await completeJobs([JobCompletion(jobID: jobID, result: result)], worker: worker, at: time).contains(jobID)
    }
}
