import Foundation
import HTTPServer
import Logging
import SecuritySupervisor
import ServiceLifecycle
import Storage
import TradingCore
import TradingEngine

/// The feedback loop inside serve and run: a scoring cycle every `interval` (forecasts whose
/// horizon ended are scored, drift detectors fed, drifts raised as alerts, a `model_retraining`
/// job queued per challenger in trial for a worker to judge), metrics updated, and each alert the
/// turn raises (a drift, a P&L anomaly, a predictive alert) posted to the webhook.
struct FeedbackService: Service {
    let store: SQLStore
    let interval: Duration
    let clock: any TradingClock
    let metrics: FeedbackMetrics
    let logger: Logger
    /// Hands each alert the turn raises to the webhook (nil: none configured).
    var deliver: (@Sendable (StoredSecurityAlert) async -> Void)?

    func run() async throws {
        let holder = "service-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let now = clock.now()
                // One process turns the loop at a time; the others wait for it to stop.
                guard let (report, trials, decisions) = try await FeedbackCommands.exclusiveTurn(store, holder: holder, now: now, lease: clock.span(ofWall: interval * 3), keep: true, judge: false,
                                                                                                         deliver: deliver) else {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                    continue
                }
                metrics.record(report, recent: try await store.outcomes(limit: 5000), thresholds: try await store.thresholds())
                // The status and performance documents of the new state, so the routes read them instead of the outcomes.
                do {
                    try await FeedbackSummaries.refresh(store)
                } catch {
                    logger.warning("feedback documents not refreshed; the routes compute them once they are more than \(FeedbackSummaries.maximumRevisionsBehind) revisions or three minutes behind", metadata: ["reason": .string(String(describing: error))])
                }
                // The turn and the documents read up to 100,000 outcomes: their memory goes back at once.
                MemoryTrim.releaseFreeHeap()
                if report.scored > 0 || !report.drifts.isEmpty || !trials.isEmpty || decisions.scored > 0 {
                    logger.info("feedback cycle", metadata: ["scored": .stringConvertible(report.scored), "drifts": .stringConvertible(report.drifts.count),
                                                             "promotions": .stringConvertible(trials.filter(\.verdict.promote).count),
                                                             "decisions": .stringConvertible(decisions.scored)])
                }
            } catch {
                logger.error("feedback cycle failed", metadata: ["reason": .string(String(describing: error))])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        // Another process may lead the loop from its next turn.
        try? await store.releaseLeadership(name: FeedbackCommands.leadershipName, holder: holder)
    }
}
