import TradingCore

/// What the feedback loop learned, with the numbers that made it so.
public struct LearningSignal: Sendable, Hashable, Codable {
    /// The four kinds of signal.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A scored outcome the rule judged right.
        case success = "SUCCESS"
        /// A scored outcome the rule judged wrong.
        case failure = "FAILURE"
        /// A periodic re-tuning changed a parameter (a confidence threshold).
        case optimization = "OPTIMIZATION"
        /// The system changed a model (a challenger promoted or a drift acted on).
        case adaptation = "ADAPTATION"
    }

    /// The kind.
    public let kind: Kind
    /// What it is about: `threshold 1h`, `model forecaster-1@…`, `forecast 42`.
    public let subject: String
    /// The rule that decided it.
    public let rule: String
    /// A sentence for people.
    public let message: String
    /// The numbers before and after (or predicted and realised), by name.
    public let evidence: [String: Double]
    /// When it was raised.
    public let time: Timestamp

    /// Creates a signal.
    public init(kind: Kind, subject: String, rule: String, message: String, evidence: [String: Double], time: Timestamp) {
        self.kind = kind
        self.subject = subject
        self.rule = rule
        self.message = message
        self.evidence = evidence
        self.time = time
    }
}
