import TradingCore
import TradingEngine

/// The feedback documents that would otherwise scan up to 100,000 outcomes per request (the
/// status and the default performance view), kept per revision of the learned state: every
/// feedback commit and reset moves the revision on, so a kept document is never stale. A request
/// reads the revision (one row) and serves the document from this process's cache, else from the
/// store (computed by any process), else computes it once and stores it for the others. The
/// feedback loop refreshes them after its turns, so requests rarely compute.
public enum FeedbackSummaries {
    /// A kept document.
    public enum Name: String, Sendable, CaseIterable {
        /// `GET /api/v1/feedback/status`.
        case status
        /// `GET /api/v1/feedback/performance` without filters, with the default window.
        case performance
    }

    /// Moved on when a document's members change, so that during an upgrade no build serves a
    /// document another build rendered.
    static let documentVersion = 1

    /// A document at one revision; a filtered performance view has its filters and window.
    struct Key: Hashable, Sendable {
        let name: Name
        var revision: Int64
        var horizon: String?
        var symbol: String?
        var model: String?
        var window: Int?
    }

    /// The name a document is stored under.
    static func storedName(_ name: Name) -> String { "\(name.rawValue)@\(documentVersion)" }

    /// Computes a document from the store.
    static func compute(_ name: Name, _ store: any Store) async throws -> [UInt8] {
        switch name {
        case .status: try await Representations.feedbackStatus(store).serialized()
        case .performance: try await Representations.feedbackPerformance(store, horizon: nil, symbol: nil, model: nil, window: 250).serialized()
        }
    }

    /// The document at the learned state's current revision; requests that arrive while it is
    /// computed wait for that computation.
    static func document(_ name: Name, _ dependencies: ServerDependencies) async throws -> [UInt8] {
        let store = dependencies.store
        let revision = try await store.feedbackRevision()
        return try await dependencies.feedbackDocuments.value(for: Key(name: name, revision: revision)) {
            if let stored = try await store.feedbackSummary(storedName(name), revision: revision) { return (Array(stored.utf8), stored.utf8.count) }
            let bytes = try await compute(name, store)
            // Storing is for the other processes; a failed write (a busy or read-only database) does not fail this read.
            try? await store.storeFeedbackSummary(storedName(name), document: String(decoding: bytes, as: UTF8.self), revision: revision)
            return (bytes, bytes.count)
        }.0
    }

    /// A filtered performance view (or another window) at the current revision: computed from the
    /// outcomes once per revision and process, and kept in this process only (the views are many).
    static func performanceView(horizon: String?, symbol: String?, model: String?, window: Int, _ dependencies: ServerDependencies) async throws -> [UInt8] {
        let store = dependencies.store
        let key = Key(name: .performance, revision: try await store.feedbackRevision(), horizon: horizon, symbol: symbol, model: model, window: window)
        return try await dependencies.feedbackDocuments.value(for: key) {
            let bytes = try await Representations.feedbackPerformance(store, horizon: horizon, symbol: symbol, model: model, window: window).serialized()
            return (bytes, bytes.count)
        }.0
    }

    /// Computes and stores the documents the store lacks for its current revision (after a
    /// feedback turn, so that requests find them).
    public static func refresh(_ store: any Store) async throws {
        let revision = try await store.feedbackRevision()
        for name in Name.allCases where try await store.feedbackSummary(storedName(name), revision: revision) == nil {
            let bytes = try await compute(name, store)
            try await store.storeFeedbackSummary(storedName(name), document: String(decoding: bytes, as: UTF8.self), revision: revision)
        }
    }
}
