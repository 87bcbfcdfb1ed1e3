import TradingCore

/// A job to queue on a timetable.
public struct Schedule: Sendable, Hashable {
    /// When it fires.
    public enum Timing: Sendable, Hashable {
        case cron(CronExpression)
        /// Every whole multiple of the interval since the epoch (so every process agrees on the ticks).
        case every(Duration)
    }

    public let name: String
    public let timing: Timing
    public let kind: String
    public let payload: String

    /// Creates a schedule.
    public init(name: String, timing: Timing, kind: String, payload: String = "{}") {
        self.name = name
        self.timing = timing
        self.kind = kind
        self.payload = payload
    }

    /// The latest tick after `last` and at or before `now`, if any (missed ticks collapse into it).
    public func latestDueTick(after last: Timestamp, now: Timestamp) -> Timestamp? {
        switch timing {
        case .every(let interval):
            let step = interval.wholeMilliseconds
            guard step > 0 else { return nil }
            let tick = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch / step * step)
            return tick > last ? tick : nil
        case .cron(let expression):
            guard var next = expression.next(after: last), next <= now else { return nil }
            // Walk to the newest due tick; a long downtime of a per-minute schedule is a few
            // thousand steps, and the cap keeps a pathological one bounded.
            for _ in 0..<1_000_000 {
                guard let following = expression.next(after: next), following <= now else { return next }
                next = following
            }
            return next
        }
    }
}

/// The scheduler: any number of processes run it; the one that leads fires the due ticks as jobs.
/// On PostgreSQL leadership is a session-level advisory lock (the server frees it the moment the
/// leader's session ends, so a killed leader is replaced at the next pass, within a second); on
/// SQLite it is the `scheduler` lease row. A tick's job has the idempotency key
/// `schedule:<name>:<tick>`, so even two processes that both believe they lead (a lease taken over
/// while the old leader was paused) never queue a tick twice; ticks missed while no scheduler ran
/// fire once, not once per miss.
public struct Scheduler: Sendable {
    public let store: any SchedulerStore
    public let holder: String
    public let schedules: [Schedule]
    /// How long a lease-row leadership (SQLite) lasts without renewal: a dead leader is replaced within this time.
    public var lease: Duration = .seconds(15)
    static let leaseName = "scheduler"

    /// Creates a scheduler.
    public init(store: any SchedulerStore, holder: String, schedules: [Schedule]) {
        self.store = store
        self.holder = holder
        self.schedules = schedules
    }

    /// What one pass did.
    public struct Pass: Sendable {
        public let leading: Bool
        /// The ticks fired, by schedule name.
        public let fired: [(schedule: String, tick: Timestamp)]
    }

    /// One pass at `now`: take or renew the lease, and if leading fire every schedule's newest due tick.
    public func tick(at now: Timestamp) async throws -> Pass {
        let until = now.adding(milliseconds: lease.wholeMilliseconds)
        guard try await store.acquireLeadership(name: Self.leaseName, holder: holder, until: until, at: now) else { return Pass(leading: false, fired: []) }
        var fired: [(String, Timestamp)] = []
        for schedule in schedules {
            guard let last = try await store.lastTick(schedule: schedule.name) else {
                // A new schedule starts now: the past is not replayed.
                try await store.startSchedule(schedule.name, at: now)
                continue
            }
            guard let tick = schedule.latestDueTick(after: last, now: now) else { continue }
            let job = NewJob(kind: schedule.kind, payload: schedule.payload, idempotencyKey: "schedule:\(schedule.name):\(tick.millisecondsSinceEpoch)",
                             runAt: tick, maximumAttempts: 3)
            try await store.fireTick(schedule: schedule.name, tick: tick, job: job, at: now)
            fired.append((schedule.name, tick))
        }
        return Pass(leading: true, fired: fired)
    }

    /// Gives leadership up (at shutdown).
    public func resign() async throws {
        try await store.releaseLeadership(name: Self.leaseName, holder: holder)
    }
}
