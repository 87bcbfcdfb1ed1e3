import Foundation

/// What the stub programs (`binance-stub`, `alpaca-stub`) share: their console lines and usage
/// errors, the seeded random-walk market, and the bar-to-order latency of their summary.
public struct StubProgram: Sendable {
    /// The program's name, in its usage errors.
    public let name: String

    /// The helpers of the program called `name`.
    public init(name: String) {
        self.name = name
    }

    /// A usage error on standard error, and exit status 64.
    public func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("\(name): \(message)\n".utf8))
        exit(64)
    }

    /// Writes a line to standard output at once (a script waits for these lines).
    public func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// The text as a number, or the usage error.
    public func number<Value: LosslessStringConvertible>(_ text: String, _ message: String) -> Value {
        guard let value = Value(text) else { fail(message) }
        return value
    }

    /// A seeded random walk from 10,000 moving up to ±0.2 % a bar (SplitMix64), each bar's high and
    /// low 0.05 % beyond its open and close: a market that trades whatever the strategy.
    public static func randomWalk(seed: UInt64, count: Int) -> [(open: Double, high: Double, low: Double, close: Double)] {
        var state = seed
        func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        var price = 10_000.0
        return (0..<count).map { _ in
            let open = price
            price *= 1 + (next() * 2 - 1) * 0.002
            return (open, max(open, price) * 1.0005, min(open, price) * 0.9995, price)
        }
    }

    /// Each bar's latency, from its last message handed to the connections (`barSent`, uptime
    /// nanoseconds) to the first order request after it and before the next bar; the bars that
    /// ordered and the nearest-rank p50, p99 and maximum in milliseconds.
    public static func barToOrder(barSent: [UInt64], arrivals: [UInt64]) -> (bars: Int, milliseconds: [String: Any]) {
        var latencies: [Double] = []
        for (index, sent) in barSent.enumerated() {
            let next = index + 1 < barSent.count ? barSent[index + 1] : UInt64.max
            if let first = arrivals.first(where: { $0 >= sent && $0 < next }) { latencies.append(Double(first - sent) / 1e6) }
        }
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double? {
            sorted.isEmpty ? nil : sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
        }
        return (latencies.count, ["p50": percentile(0.5) as Any, "p99": percentile(0.99) as Any, "max": sorted.last as Any])
    }
}
