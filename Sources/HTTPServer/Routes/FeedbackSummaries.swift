import Foundation
import TradingCore
import TradingEngine

/// The feedback documents that would otherwise scan up to 100,000 outcomes per request (the
/// status and the default performance view), kept per revision of the learned state: every
/// feedback commit and reset moves the revision on. A request reads the revision (one row) and
/// serves the document of that revision from this process's cache or from the store (computed by
/// any process). While none is computed yet for the current revision, it serves the newest stored
/// document, whose `revision` member says which state it describes, and starts computing the
/// current one in the background: a request never waits for the recomputation that every commit
/// makes due, only when no document of this kind is stored (the very first, or after an upgrade
/// that changed its members). The feedback loop refreshes them after its turns: while a process
/// leads it, the routes leave the current documents to it (see `maximumRevisionsBehind`).
public enum FeedbackSummaries {
    /// A kept document.
    public enum Name: String, Sendable, CaseIterable {
        /// `GET /api/v1/feedback/status`.
        case status
        /// `GET /api/v1/feedback/performance` without filters, with the default window.
        case performance
    }

    /// The leadership of the feedback loop, whose leader refreshes the documents after each turn.
    public static let loopLeadershipName = "feedback-loop"

    /// How many revisions a stored document may be behind the learned state and still be served
    /// without computing the current one, while the feedback loop has a leader (and for at most
    /// `ServerDependencies.feedbackStaleness`'s limit). Every process computing every revision
    /// (each turn commits at least once, and every API process sees the commit before the leader
    /// has refreshed) put up to three 100,000-outcome computations a turn on the machine, in API
    /// processes, in bursts that slowed every route; the leader's refresh is one. The bounds keep
    /// a leader whose turns or refreshes fail from leaving the documents stale for long.
    public static let maximumRevisionsBehind: Int64 = 16

    /// Moved on when a document's members change, so that during an upgrade no build serves a
    /// document another build rendered.
    static let documentVersion = 2

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

    /// Computes a document from the store, stamped with the learned state's `revision` read before
    /// (the document includes every commit up to it, and perhaps later ones).
    static func compute(_ name: Name, _ store: any Store, revision: Int64) async throws -> [UInt8] {
        let document = switch name {
        case .status: try await Representations.feedbackStatus(store)
        case .performance: try await Representations.feedbackPerformance(store, horizon: nil, symbol: nil, model: nil, window: 250)
        }
        return stamped(document, revision: revision).serialized()
    }

    /// `document` with its `revision` member.
    static func stamped(_ document: JSONValue, revision: Int64) -> JSONValue {
        guard case .object(var members) = document else { return document }
        members.append(("revision", .int(Int(revision))))
        return .object(members)
    }

    /// The document at the learned state's current revision, or, while that one is computed in the
    /// background, the newest stored one (see the type's description).
    static func document(_ name: Name, _ dependencies: ServerDependencies) async throws -> [UInt8] {
        let store = dependencies.store
        let revision = try await store.feedbackRevision()
        let key = Key(name: name, revision: revision)
        let cache = dependencies.feedbackDocuments
        if let kept = cache.kept(for: key) { return kept }
        let latest = try await store.latestFeedbackSummary(storedName(name))
        if let latest, latest.revision > revision { return Array(latest.document.utf8) }  // a commit since the revision was read
        let current = latest.flatMap { $0.revision == revision ? Array($0.document.utf8) : nil }
        let computation: @Sendable () async throws -> ([UInt8], bytes: Int) = {
            if let current { return (current, current.count) }
            let bytes = try await compute(name, store, revision: revision)
            // Storing is for the other processes; a failed write (a busy or read-only database) does not fail this read.
            try? await store.storeFeedbackSummary(storedName(name), document: String(decoding: bytes, as: UTF8.self), revision: revision)
            return (bytes, bytes.count)
        }
        guard let latest, current == nil else { return try await cache.value(for: key, compute: computation).0 }
        var leftToTheLoop = false
        if revision - latest.revision <= maximumRevisionsBehind,
           !dependencies.feedbackStaleness.servedBehindTooLong(name, storedRevision: latest.revision) {
            // A lookup that fails counts as no leader: the stored document is still served.
            leftToTheLoop = (try? await store.leaseHolder(name: loopLeadershipName, at: dependencies.clock.now())) != nil
        }
        if !leftToTheLoop { cache.prepare(for: key, compute: computation) }
        return Array(latest.document.utf8)
    }

    /// The status document as a value, as the route serves it (the dashboard's pages: a page load
    /// does not compute it from the outcomes either).
    static func statusValue(_ dependencies: ServerDependencies) async throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(try await document(.status, dependencies)))
    }

    /// A filtered performance view (or another window) at the current revision: computed from the
    /// outcomes once per revision and process, and kept in this process only (the views are many).
    static func performanceView(horizon: String?, symbol: String?, model: String?, window: Int, _ dependencies: ServerDependencies) async throws -> [UInt8] {
        let store = dependencies.store
        let key = Key(name: .performance, revision: try await store.feedbackRevision(), horizon: horizon, symbol: symbol, model: model, window: window)
        return try await dependencies.feedbackDocuments.value(for: key) {
            let document = try await Representations.feedbackPerformance(store, horizon: horizon, symbol: symbol, model: model, window: window)
            let bytes = stamped(document, revision: key.revision).serialized()
            return (bytes, bytes.count)
        }.0
    }

    /// Computes and stores the documents the store lacks for its current revision (after a
    /// feedback turn, so that requests find them).
    public static func refresh(_ store: any Store) async throws {
        let revision = try await store.feedbackRevision()
        for name in Name.allCases where try await store.feedbackSummary(storedName(name), revision: revision) == nil {
            let bytes = try await compute(name, store, revision: revision)
            try await store.storeFeedbackSummary(storedName(name), document: String(decoding: bytes, as: UTF8.self), revision: revision)
        }
    }
}
