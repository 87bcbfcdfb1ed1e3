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
        let (batches, continuation) = AsyncStream<[ActivityEvent]>.makeStream(bufferingPolicy: .bufferingNewest(1024))
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

    /// The number of accounts read and of streams following them.
    var counts: (accounts: Int, subscribers: Int) {
        (feeds.count, feeds.values.reduce(0) { $0 + $1.subscribers.count })
    }

    private func poll(_ account: String) async {
        while !Task.isCancelled, var cursor = feeds[account]?.cursor {
            let events = (try? await EventRoutes.newEvents(after: &cursor, account: account, store: store, securityStore: securityStore)) ?? []
            guard feeds[account] != nil else { return }
            feeds[account]?.cursor = cursor
            for continuation in (feeds[account]?.subscribers ?? [:]).values { continuation.yield(events) }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
