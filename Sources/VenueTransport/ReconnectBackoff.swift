import Logging
import TradingCore

/// The delay before a reconnect: doubling from `initial` up to `maximum`, each ±50 % at random so
/// that many clients cut off together do not come back together.
public enum ReconnectBackoff {
    /// The delay before reconnect `attempt` (0: the first after a connection that lasted).
    public static func delay(attempt: Int, initial: Duration, maximum: Duration) -> Duration {
        let base = min(maximum.wholeMilliseconds, initial.wholeMilliseconds << min(attempt, 20))
        return .milliseconds(Int64(Double(base) * Double.random(in: 0.5...1.5)))
    }
}

/// The loop every venue stream runs: connect, and when the connection ends for any reason, say so
/// and connect again after a backoff delay — until the task is cancelled.
public enum ReconnectLoop {
    /// Runs `connect(again)` (one connection; it returns why it ended and whether it was
    /// established — subscribed, listening) again and again until the task is cancelled, telling
    /// `ended` of each ending. `again` is true once a connection was established. The delay doubles
    /// from `initial` up to `maximum` (±50 %); only an established connection that lasted 10 s resets
    /// it, so a refused key or subscription never becomes a storm.
    public static func run(initial: Duration, maximum: Duration, logger: Logger, what: String, isolation: isolated (any Actor)? = #isolation,
                           connect: (_ again: Bool) async -> (reason: String, established: Bool),
                           ended: (_ reason: String) async -> Void) async {
        var attempt = 0
        var everEstablished = false
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let (reason, established) = await connect(everEstablished)
            guard !Task.isCancelled else { break }
            everEstablished = everEstablished || established
            await ended(reason)
            attempt = established && ContinuousClock.now - started >= .seconds(10) ? 0 : attempt + 1
            let delay = ReconnectBackoff.delay(attempt: attempt, initial: initial, maximum: maximum)
            logger.warning("\(what) disconnected; reconnecting", metadata: ["reason": "\(reason)", "delay_ms": "\(delay.wholeMilliseconds)"])
            try? await Task.sleep(for: delay)
        }
    }
}
