import Synchronization

/// Counts operations in progress, for the pool-saturation metric.
final class InFlightCounter: Sendable {
    private let count = Atomic<Int>(0)

    /// The operations running now.
    var value: Int { count.load(ordering: .relaxed) }

    /// Runs an operation while counting it.
    func track<T>(_ operation: () async throws -> T) async rethrows -> T {
        count.add(1, ordering: .relaxed)
        defer { count.subtract(1, ordering: .relaxed) }
        return try await operation()
    }
}
