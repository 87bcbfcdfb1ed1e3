import FeedbackLoop
import Foundation
import TradingCore

/// One stored cell of a system signature: what one process (`observer`) saw of a subject in one
/// slot (hour of the day × load level), with the time its weights are aged from.
public struct StoredSignatureCell: Sendable, Hashable {
    public let kind: SystemSubjectKind
    /// The route, job kind or venue endpoint.
    public let subject: String
    /// The process that observed it (`host/role`): each process writes only its own cells.
    public let observer: String
    public let slot: SystemSignature.Slot
    public let cell: SystemSignatureCell
    /// When the weights were last aged (or added to).
    public let updatedAt: Timestamp

    /// Creates a stored cell.
    public init(kind: SystemSubjectKind, subject: String, observer: String, slot: SystemSignature.Slot, cell: SystemSignatureCell, updatedAt: Timestamp) {
        self.kind = kind
        self.subject = subject
        self.observer = observer
        self.slot = slot
        self.cell = cell
        self.updatedAt = updatedAt
    }

    /// The cell aged to `time`: every weight halved per `halfLifeMilliseconds` since `updatedAt`.
    public func cell(agedTo time: Timestamp, halfLifeMilliseconds: Int64) -> SystemSignatureCell {
        cell.scaled(by: Self.ageFactor(from: updatedAt, to: time, halfLifeMilliseconds: halfLifeMilliseconds))
    }

    /// The discount of weights kept from `start` to `end`: 0.5 per half-life (1 for no time or a
    /// clock that went back).
    public static func ageFactor(from start: Timestamp, to end: Timestamp, halfLifeMilliseconds: Int64) -> Double {
        let elapsed = end.millisecondsSinceEpoch - start.millisecondsSinceEpoch
        guard elapsed > 0, halfLifeMilliseconds > 0 else { return 1 }
        return pow(0.5, Double(elapsed) / Double(halfLifeMilliseconds))
    }
}

/// Where system signatures are kept: cells by kind, subject, observer and slot.
public protocol SystemSignatureStore: Sendable {
    /// Every stored cell (of one kind when given).
    func systemSignatureCells(kind: SystemSubjectKind?) async throws -> [StoredSignatureCell]
    /// Writes cells in one transaction, each replacing the stored one of its kind, subject, observer and slot.
    func saveSystemSignatureCells(_ cells: [StoredSignatureCell]) async throws
    /// Forgets the cells last updated before `time` (their weight has aged to nothing), or every
    /// cell when nil (a deployment whose behaviour changed on purpose); returns how many.
    func deleteSystemSignatureCells(updatedBefore time: Timestamp?) async throws -> Int
}
