import Synchronization

/// How long this process has served a stored feedback document of one revision while the learned
/// state was ahead of it. The routes leave the current document to the feedback loop's leader;
/// this bounds in time what the bound of revisions behind does not: a leader whose turns or
/// refreshes fail while other processes commit (trials judged by workers, a re-tuning), or a
/// lease left by a killed one-off turn. A stored revision only rises and the state never comes back
/// to it, so the first time a document of a revision is served behind is when its staleness began.
final class StaleDocumentWatch: Sendable {
    /// How long a stored document may be served behind the learned state before a route computes the current one.
    let limit: Duration
    private let firstServedBehind = Mutex<[FeedbackSummaries.Name: (stored: Int64, since: ContinuousClock.Instant)]>([:])

    /// A watch allowing `limit` of staleness.
    init(limit: Duration) {
        self.limit = limit
    }

    /// Whether the document `name` stored at `storedRevision`, served behind the learned state now,
    /// has been served so for longer than `limit` (the first call for a stored revision starts the count).
    func servedBehindTooLong(_ name: FeedbackSummaries.Name, storedRevision: Int64, now: ContinuousClock.Instant = .now) -> Bool {
        firstServedBehind.withLock { seen in
            if let entry = seen[name], entry.stored == storedRevision { return now - entry.since > limit }
            seen[name] = (storedRevision, now)
            return false
        }
    }
}
