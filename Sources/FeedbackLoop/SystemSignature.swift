import Foundation

/// How one subject of the system (an API route, a job kind, a venue endpoint) behaves: its
/// operations, failures and latencies by hour of the day (UTC) and load, the "system signature"
/// beside the market signatures. Windows of the subject are judged against it.
public struct SystemSignature: Sendable {
    /// A condition: the hour of the day (UTC, 0–23) and the load level of the process.
    public struct Slot: Sendable, Hashable, Comparable {
        /// The hour of the day, UTC.
        public let hour: Int
        /// The load level (`SystemSignature.loadLevel`).
        public let load: Int

        /// Creates a slot.
        public init(hour: Int, load: Int) {
            self.hour = hour
            self.load = load
        }

        public static func < (lhs: Slot, rhs: Slot) -> Bool { (lhs.hour, lhs.load) < (rhs.hour, rhs.load) }
    }

    /// What a window was compared with: its own slot; its hour at a load one level off; its hour
    /// at any load; its load at any hour; or everything known.
    public enum Basis: String, Sendable, Hashable {
        case hourAndLoad = "hour_and_load"
        case hourAndNearLoad = "hour_and_near_load"
        case hour
        case load
        case all
    }

    /// The cells by slot.
    public private(set) var cells: [Slot: SystemSignatureCell]

    /// A signature of `cells`.
    public init(cells: [Slot: SystemSignatureCell] = [:]) {
        self.cells = cells
    }

    /// Adds a cell to a slot, scaled by `factor` (its age's discount).
    public mutating func add(_ cell: SystemSignatureCell, at slot: Slot, scaledBy factor: Double = 1) {
        cells[slot, default: SystemSignatureCell()].add(cell, scaledBy: factor)
    }

    /// Every cell together.
    public var overall: SystemSignatureCell { merged { _ in true } }

    /// The cells of each hour, whatever the load.
    public var byHour: [Int: SystemSignatureCell] { cells.reduce(into: [:]) { $0[$1.key.hour, default: SystemSignatureCell()].add($1.value) } }

    /// The cells of each load level, whatever the hour.
    public var byLoad: [Int: SystemSignatureCell] { cells.reduce(into: [:]) { $0[$1.key.load, default: SystemSignatureCell()].add($1.value) } }

    /// What a window in `slot` is compared with: the first of these that holds `minimumWeight` —
    /// the slot itself; its hour at the loads one level off (a load level is a doubling: the next
    /// one is the nearest condition); its hour at any load; its load at any hour; everything. The
    /// hour comes before the load because a daily pattern (a nightly batch, a busy market open) is
    /// what a load level alone does not know. Nil while even everything holds less (the signature
    /// is still being learned).
    public func reference(for slot: Slot, minimumWeight: Double) -> (cell: SystemSignatureCell, basis: Basis)? {
        if let own = cells[slot], own.weight >= minimumWeight { return (own, .hourAndLoad) }
        let candidates: [(Basis, (Slot) -> Bool)] = [
            (.hourAndNearLoad, { $0.hour == slot.hour && abs($0.load - slot.load) <= 1 }),
            (.hour, { $0.hour == slot.hour }),
            (.load, { $0.load == slot.load }),
            (.all, { _ in true }),
        ]
        for (basis, include) in candidates {
            let cell = merged(include)
            if cell.weight >= minimumWeight { return (cell, basis) }
        }
        return nil
    }

    private func merged(_ include: (Slot) -> Bool) -> SystemSignatureCell {
        cells.reduce(into: SystemSignatureCell()) { if include($1.key) { $0.add($1.value) } }
    }

    /// The load level of a process doing `operationsPerMinute` of a kind: 0 below 1 a minute,
    /// then L for [2^(L−1), 2^L) a minute. Levels double, so a level means the same load at 3 a
    /// minute (jobs) as at 3,000 (API routes).
    public static func loadLevel(operationsPerMinute: Double) -> Int {
        guard operationsPerMinute >= 1 else { return 0 }
        return Int(log2(operationsPerMinute).rounded(.down)) + 1
    }

    /// The operations a minute of a load level: from (inclusive) and to (exclusive).
    public static func loadRange(level: Int) -> (from: Double, to: Double) {
        level <= 0 ? (0, 1) : (pow(2, Double(level - 1)), pow(2, Double(level)))
    }
}
