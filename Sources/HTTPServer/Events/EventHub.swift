import SecuritySupervisor
import TradingCore
import TradingEngine

/// One reader of the store per account for all of a process's event streams: however many
/// clients follow an account, the store is read once every `pollInterval`, and each batch (empty
/// ones too, so that streams can keep their connections alive and their deadlines) goes to every
/// subscriber.
actor EventHub {
    private struct Feed {
        var cursor: ActivityCursor
        var subscribers: [Int: AsyncStream<[ActivityEvent]>.Continuation] = [:]
        var task: Task<Void, Never>?
    }

    private let store: any Store
    private let securityStore: any SecurityAlertStore
    private let pollInterval: Duration
    private var feeds: [String: Feed] = [:]
    private var nextSubscriber = 0

    /// Batches a subscriber may fall behind by before its stream is ended (the client reconnects
    /// with its `Last-Event-ID` and catches up from the store: it never silently misses events).
    static let backlog = 256

    /// A hub reading `store` every `pollInterval` while anyone listens.
    init(store: any Store, securityStore: any SecurityAlertStore, pollInterval: Duration = .milliseconds(250)) {
        self.store = store
        self.securityStore = securityStore
        self.pollInterval = pollInterval
    }

    /// Follows `account`: where the feed stands now, and every batch read after it.
    func subscribe(account: String) async throws -> (cursor: ActivityCursor, batches: AsyncStream<[ActivityEvent]>, subscriber: Int) {
        if feeds[account] == nil {
            let cursor = try await store.latestActivity(account: account)
            if feeds[account] == nil { feeds[account] = Feed(cursor: cursor) }
        }
        // A slow client keeps the newest batches; it never holds the others back.
        let (batches, continuation) = AsyncStream<[ActivityEvent]>.makeStream(bufferingPolicy: .bufferingOldest(Self.backlog))
        nextSubscriber += 1
        let subscriber = nextSubscriber
        feeds[account]?.subscribers[subscriber] = continuation
        if feeds[account]?.task == nil {
            feeds[account]?.task = Task { await self.poll(account) }
        }
        return (feeds[account]!.cursor, batches, subscriber)
    }

    /// Stops following; the last subscriber's leaving stops the reads.
    func unsubscribe(account: String, subscriber: Int) {
        feeds[account]?.subscribers[subscriber]?.finish()
        feeds[account]?.subscribers[subscriber] = nil
        if feeds[account]?.subscribers.isEmpty == true {
            feeds[account]?.task?.cancel()
            feeds[account] = nil
        }
    }

    /// Reads of the store that failed (each retried at the next poll).
    private(set) var failedReads = 0

    /// The number of accounts read and of streams following them.
    var counts: (accounts: Int, subscribers: Int) {
        (feeds.count, feeds.values.reduce(0) { $0 + $1.subscribers.count })
    }

    private func poll(_ account: String) async {
        while !Task.isCancelled, var cursor = feeds[account]?.cursor {
            let read: [ActivityEvent]?
            do {
                read = try await EventRoutes.newEvents(after: &cursor, account: account, store: store, securityStore: securityStore)
            } catch {
                // A failed read sends nothing and moves nothing: the next one tries the same rows again.
                failedReads += 1
                read = nil
            }
            // Cancelled while reading (the last subscriber left, and a new feed may have begun): stop here.
            guard !Task.isCancelled, feeds[account] != nil else { return }
            let events = read ?? []
            if read != nil { feeds[account]?.cursor = cursor }
            for (subscriber, continuation) in feeds[account]?.subscribers ?? [:] {
                // A subscriber that has fallen `backlog` batches behind is ended rather than left to miss events.
                if case .dropped = continuation.yield(events) {
                    continuation.finish()
                    feeds[account]?.subscribers[subscriber] = nil
                }
            }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
