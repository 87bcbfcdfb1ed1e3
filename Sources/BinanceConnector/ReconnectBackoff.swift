/// The delay before a reconnect: doubling from `initial` up to `maximum`, each ±50 % at random so
/// that many clients cut off together do not come back together.
enum ReconnectBackoff {
    /// The delay before reconnect `attempt` (0: the first after a connection that lasted).
    static func delay(attempt: Int, initial: Duration, maximum: Duration) -> Duration {
        let base = min(maximum.wholeMilliseconds, initial.wholeMilliseconds << min(attempt, 20))
        return .milliseconds(Int64(Double(base) * Double.random(in: 0.5...1.5)))
    }
}
