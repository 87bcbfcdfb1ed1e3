/// What a signature knows of one subject under one condition (an hour of the day × a load level),
/// or what one window saw: how many operations, how many failed, and their latencies.
public struct SystemSignatureCell: Sendable, Hashable {
    /// Operations (a weight once aged).
    public private(set) var weight: Double
    /// Failed operations among them (a weight once aged).
    public private(set) var errors: Double
    /// Their latencies.
    public private(set) var latency: LatencyHistogram

    /// An empty cell.
    public init() {
        weight = 0
        errors = 0
        latency = LatencyHistogram()
    }

    /// A cell from stored parts.
    public init(weight: Double, errors: Double, latency: LatencyHistogram) {
        self.weight = weight
        self.errors = errors
        self.latency = latency
    }

    /// Counts one operation.
    public mutating func add(milliseconds: Double, failed: Bool) {
        weight += 1
        if failed { errors += 1 }
        latency.add(milliseconds: milliseconds)
    }

    /// Adds another cell, its weights scaled by `factor` (its age's discount).
    public mutating func add(_ other: SystemSignatureCell, scaledBy factor: Double = 1) {
        weight += other.weight * factor
        errors += other.errors * factor
        latency.add(other.latency, scaledBy: factor)
    }

    /// The cell with every weight scaled by `factor`.
    public func scaled(by factor: Double) -> SystemSignatureCell {
        var cell = SystemSignatureCell()
        cell.add(self, scaledBy: factor)
        return cell
    }

    /// Failed operations over all of them; nil when empty.
    public var errorRate: Double? { weight > 0 ? errors / weight : nil }

    /// 1 − the error rate; nil when empty.
    public var successRate: Double? { errorRate.map { 1 - $0 } }
}
