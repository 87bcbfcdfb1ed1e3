import Logging
import ServiceLifecycle
import TradingCore

/// Runs a `SystemSignatureKeeper` pass just after each window of its observations ends.
struct SystemSignatureService: Service {
    let keeper: SystemSignatureKeeper
    let windowMilliseconds: Int64
    let clock: @Sendable () -> Timestamp
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Two seconds past the boundary: the window's last operations have been counted.
            let now = clock().millisecondsSinceEpoch
            let wait = windowMilliseconds - ((now % windowMilliseconds) + windowMilliseconds) % windowMilliseconds + 2_000
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(wait)) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { break }
            do {
                try await keeper.pass(now: clock())
            } catch {
                logger.error("system signature pass failed; its windows are kept for the next", metadata: ["reason": .string(String(describing: error))])
            }
        }
    }
}
