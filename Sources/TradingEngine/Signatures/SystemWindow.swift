import FeedbackLoop
import TradingCore

/// What one process saw of one subject in one window of time.
public struct SystemWindow: Sendable, Hashable {
    public let kind: SystemSubjectKind
    /// The route, job kind or venue endpoint.
    public let subject: String
    /// The window's start and length.
    public let start: Timestamp
    public let milliseconds: Int64
    /// Its operations, failures and latencies.
    public let cell: SystemSignatureCell
    /// Operations of the same kind a minute in this process during the window (every subject of
    /// the kind): the load the subject was under.
    public let kindOperationsPerMinute: Double

    /// Creates a window.
    public init(kind: SystemSubjectKind, subject: String, start: Timestamp, milliseconds: Int64, cell: SystemSignatureCell, kindOperationsPerMinute: Double) {
        self.kind = kind
        self.subject = subject
        self.start = start
        self.milliseconds = milliseconds
        self.cell = cell
        self.kindOperationsPerMinute = kindOperationsPerMinute
    }

    /// Its end (exclusive).
    public var end: Timestamp { start.adding(milliseconds: milliseconds) }

    /// The hour of the day (UTC) it started in and its load level.
    public var slot: SystemSignature.Slot {
        let hour = Int((start.millisecondsSinceEpoch / 3_600_000) % 24)
        return SystemSignature.Slot(hour: hour < 0 ? hour + 24 : hour, load: SystemSignature.loadLevel(operationsPerMinute: kindOperationsPerMinute))
    }
}
