import FeedbackLoop
import Synchronization
import TradingCore

/// Counts what this process does, by subject, in windows of fixed length: every API answer, job
/// run and venue request is one `record` (a dictionary update under a lock, nothing stored); the
/// signature service takes the finished windows.
///
/// Windows are aligned to the epoch (a 300 s window starts at :00, :05, …), so windows of two
/// processes cover the same minutes. The subjects of a kind are capped: past the cap, new ones
/// count as `other` (route templates, job kinds and endpoints are bounded; the cap guards memory).
public final class SystemObservations: Sendable {
    private struct Key: Hashable {
        let kind: SystemSubjectKind
        let subject: String
        let detail: String?

        /// The subject's name: `subject detail` (joined only when a window closes, not per operation).
        var name: String { detail.map { "\(subject) \($0)" } ?? subject }
    }

    private struct State {
        var windowStart: Int64?
        var open: [Key: SystemSignatureCell] = [:]
        var subjectsByKind: [SystemSubjectKind: Int] = [:]
        var closed: [SystemWindow] = []
    }

    /// The windows' length.
    public let windowMilliseconds: Int64
    /// The most subjects of one kind a window keeps apart.
    public static let maximumSubjectsPerKind = 500
    /// The most finished windows kept for the service (a stuck service loses the oldest).
    public static let maximumClosedWindows = 20_000
    private let clock: @Sendable () -> Timestamp
    private let state = Mutex(State())
    /// When counting began: the first window is covered only from then (its load is its
    /// operations over the minutes counted, not over the whole window).
    private let started: Int64

    /// Counts in windows of `windowSeconds`, timed by `clock` (the wall clock in production).
    public init(windowSeconds: Int, clock: @escaping @Sendable () -> Timestamp) {
        windowMilliseconds = Int64(max(windowSeconds, 1)) * 1_000
        self.clock = clock
        started = clock().millisecondsSinceEpoch
    }

    /// Counts one operation that took `duration`, now. The subject is `subject`, or `subject
    /// detail` with a detail (`GET` and `/api/v1/status`: an API answer builds no string).
    public func record(_ kind: SystemSubjectKind, subject: String, detail: String? = nil, duration: Duration, failed: Bool) {
        let milliseconds = Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
        record(kind, subject: subject, detail: detail, milliseconds: milliseconds, failed: failed, at: clock())
    }

    /// Counts one operation that took `milliseconds` and ended at `time`.
    public func record(_ kind: SystemSubjectKind, subject: String, detail: String? = nil, milliseconds: Double, failed: Bool, at time: Timestamp) {
        let start = alignedStart(time)
        state.withLock { state in
            roll(&state, to: start)
            var key = Key(kind: kind, subject: subject, detail: detail)
            if state.open[key] == nil {
                if state.subjectsByKind[kind, default: 0] >= Self.maximumSubjectsPerKind {
                    key = Key(kind: kind, subject: "other", detail: nil)
                } else {
                    state.subjectsByKind[kind, default: 0] += 1
                }
            }
            state.open[key, default: SystemSignatureCell()].add(milliseconds: milliseconds, failed: failed)
        }
    }

    /// The windows finished by now, oldest first, handed over once.
    public func takeClosedWindows() -> [SystemWindow] {
        let start = alignedStart(clock())
        return state.withLock { state in
            roll(&state, to: start)
            defer { state.closed.removeAll() }
            return state.closed
        }
    }

    private func alignedStart(_ time: Timestamp) -> Int64 {
        let milliseconds = time.millisecondsSinceEpoch
        return milliseconds - ((milliseconds % windowMilliseconds) + windowMilliseconds) % windowMilliseconds
    }

    /// Closes the open window when `start` is a later one. A time before the open window (a
    /// clock stepped back) counts in the open window.
    private func roll(_ state: inout State, to start: Int64) {
        guard let current = state.windowStart else { state.windowStart = start; return }
        guard start > current else { return }
        let covered = min(windowMilliseconds, max(current + windowMilliseconds - max(started, current), 1_000))
        let minutes = Double(covered) / 60_000
        var perKind: [SystemSubjectKind: Double] = [:]
        for (key, cell) in state.open { perKind[key.kind, default: 0] += cell.weight }
        // By name: `GET` with `/a` and `GET /a` recorded whole are one subject.
        var named: [Key: SystemSignatureCell] = [:]
        for (key, cell) in state.open { named[Key(kind: key.kind, subject: key.name, detail: nil), default: SystemSignatureCell()].add(cell) }
        let windows = named.sorted { ($0.key.kind, $0.key.subject) < ($1.key.kind, $1.key.subject) }.map { key, cell in
            SystemWindow(kind: key.kind, subject: key.subject, start: Timestamp(millisecondsSinceEpoch: current), milliseconds: windowMilliseconds,
                         cell: cell, kindOperationsPerMinute: perKind[key.kind, default: 0] / minutes)
        }
        state.closed.append(contentsOf: windows)
        if state.closed.count > Self.maximumClosedWindows { state.closed.removeFirst(state.closed.count - Self.maximumClosedWindows) }
        state.open.removeAll(keepingCapacity: true)
        state.subjectsByKind.removeAll(keepingCapacity: true)
        state.windowStart = start
    }
}
