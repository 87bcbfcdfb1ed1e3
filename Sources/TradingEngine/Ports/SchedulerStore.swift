import TradingCore

/// What the scheduler keeps in the store: a leadership lease and each schedule's last fired tick.
public protocol SchedulerStore: Sendable {
    /// Takes or renews the named lease for `holder` until `until`; true when `holder` holds it now.
    /// Another holder's lease is taken only once it has expired.
    func acquireLease(name: String, holder: String, until: Timestamp, at time: Timestamp) async throws -> Bool
    /// Gives the lease up (at shutdown), so another process takes over at once.
    func releaseLease(name: String, holder: String) async throws
    /// Leadership for the scheduler: a PostgreSQL store holds a session advisory lock (taken over
    /// the moment the holder's session ends); others use the lease above.
    func acquireLeadership(name: String, holder: String, until: Timestamp, at time: Timestamp) async throws -> Bool
    /// Gives the leadership up.
    func releaseLeadership(name: String, holder: String) async throws
    /// Who holds the named lease or leadership at `time`: nil when nobody does or its term has
    /// ended (a holder killed without giving it up holds it until then).
    func leaseHolder(name: String, at time: Timestamp) async throws -> String?
    /// The last tick fired for a schedule.
    func lastTick(schedule: String) async throws -> Timestamp?
    /// In one transaction: enqueues the tick's job (its idempotency key makes a tick fire at most
    /// once, whoever fires it) and records the tick as the schedule's last.
    func fireTick(schedule: String, tick: Timestamp, job: NewJob, at time: Timestamp) async throws
    /// Records a schedule's starting point without firing anything.
    func startSchedule(_ schedule: String, at tick: Timestamp) async throws
}
