import Foundation
import Prediction
import TradingCore

/// Drives a `TradingSession` on a clock and stores every step, so a paper run survives a crash.
///
/// Each step, in order: the operator's pending commands (halt, resume) are applied, the session
/// processes the next bar, and everything the step changed — orders, fills, ledger lines, the
/// equity mark, alerts, forecasts, the applied commands and the checkpoint — is written in one
/// transaction. A crash before the commit loses the step, which the next start runs again from
/// the stored checkpoint with the same data and the same deterministic venue; a crash after it
/// loses nothing. Paced runs commit every step. An unpaced replay commits the steps of up to
/// `batchDuration` in one transaction (group commit: the same all-or-nothing, fewer commits),
/// and reads the operator's commands once per batch. The step's mark has a unique (account, close time) key, so two runners on one
/// account can never store the same step twice: the second one's commit fails whole.
public struct PaperTradingRunner<Policy: AllocationPolicy>: Sendable {
    /// Where the account lives.
    public let store: any TradingStore
    public let account: String
    public let bars: [Symbol: [Bar]]
    public let timeframe: Timeframe
    public let settings: TradingSettings
    public let makePolicy: @Sendable () -> Policy
    /// Wall-clock time between steps (zero: as fast as the machine goes).
    public let pace: Duration
    /// The feedback loop's confidence thresholds for the policy's horizon known by the given bar
    /// time (nil: none), read with the trading commands at the start of each batch. A replay must
    /// not use a threshold tuned on outcomes that lie after the bar it is at.
    public var confidenceThresholds: (@Sendable (Timestamp) async throws -> ConfidenceThresholds?)?
    /// Called after each stored step.
    public let progress: @Sendable (SessionProgress) -> Void
    /// The time source for record stamps.
    public let now: @Sendable () -> Timestamp
    /// How long an unpaced replay may compute before it commits.
    public var batchDuration: Duration = .milliseconds(100)
    /// Bars of every symbol at one open time, as a live feed closes them: once the stored bars are
    /// processed, the session waits for these and steps on each (nil: the run ends with the replay).
    /// Groups at or before the last bar known are skipped (a restart re-reads them from the store).
    public var liveBars: AsyncStream<[Symbol: Bar]>?

    /// Why a run cannot start.
    public enum RunnerError: Error, Sendable, CustomStringConvertible {
        case accountMismatch(account: String, stored: String, requested: String)
        case corruptCheckpoint(account: String, reason: String)

        public var description: String {
            switch self {
            case .accountMismatch(let account, let stored, let requested):
                "the account '\(account)' trades \(stored), not \(requested); use another --account, or the same data and settings"
            case .corruptCheckpoint(let account, let reason):
                "the stored checkpoint of '\(account)' cannot be read: \(reason)"
            }
        }
    }

    /// Creates a runner.
    public init(store: any TradingStore, account: String, bars: [Symbol: [Bar]], timeframe: Timeframe, settings: TradingSettings,
                pace: Duration, now: @escaping @Sendable () -> Timestamp, makePolicy: @escaping @Sendable () -> Policy,
                progress: @escaping @Sendable (SessionProgress) -> Void = { _ in }) {
        self.store = store
        self.account = account
        self.bars = bars
        self.timeframe = timeframe
        self.settings = settings
        self.pace = pace
        self.now = now
        self.makePolicy = makePolicy
        self.progress = progress
    }

    /// What the account trades, as one line: a restart with other data or settings is refused.
    public var fingerprint: String {
        let symbols = bars.keys.sorted().map(\.rawValue).joined(separator: ",")
        let first = bars.values.first?.first?.openTime.iso8601 ?? "-"
        // Not the bar count: bars appended later extend the replay; the checkpoint checks the bars already used.
        return "\(symbols) \(timeframe.rawValue) from \(first), cash \(settings.cash), commission \(settings.venue.commissionRate), "
            + "slippage \(settings.venue.slippageBasisPoints) bp, decisions every \(settings.decisionInterval) bars, \(makePolicy().settingsDescription)"
    }

    /// Opens or resumes the account and steps until the replay ends, `maximumSteps` are done,
    /// `stopRequested` says so (checked between steps, so a step is never cut) or the task is
    /// cancelled; returns the session as it stands.
    @discardableResult
    public func run(maximumSteps: Int = .max, stopRequested: @Sendable () -> Bool = { false }) async throws -> TradingSession<Policy> {
        let stored = try await store.openTradingAccount(name: account, fingerprint: fingerprint, at: now())
        guard stored.fingerprint == fingerprint else {
            throw RunnerError.accountMismatch(account: account, stored: stored.fingerprint, requested: fingerprint)
        }
        var checkpoint: SessionCheckpoint?
        if let text = stored.checkpoint {
            do {
                checkpoint = try JSONDecoder().decode(SessionCheckpoint.self, from: Data(text.utf8))
            } catch {
                throw RunnerError.corruptCheckpoint(account: account, reason: String(describing: error))
            }
        }
        var session = try TradingSession(bars: bars, timeframe: timeframe, settings: settings, policy: makePolicy(), resumingFrom: checkpoint)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var steps = 0
        var batch: [TradingStepCommit] = []
        var batchStarted = ContinuousClock.now
        var reported: [SessionProgress] = []
        var inFlight: Task<Void, any Error>?
        var appliedCommands: Set<Int64> = []
        var live = liveBars?.makeAsyncIterator()
        session.expectsMoreBars = live != nil
        while steps < maximumSteps && !Task.isCancelled && !stopRequested() {
            if session.isFinished {
                // A replay ends here; a live run waits for the next bars (every step so far is committed).
                guard live != nil else { break }
                try await inFlight?.value
                guard let next = await live?.next() else { break }
                if let time = next.values.first?.openTime, time <= session.lastOpenTime { continue }
                try session.append(next)
                batchStarted = ContinuousClock.now
                continue
            }
            // Commands first: a halt stops this very step's decision.
            var extraOrders: [Order] = []
            var applied: [Int64] = []
            if batch.isEmpty {
                let commandTime = session.lastCloseTime ?? bars[session.symbols[0]]![0].openTime
                // A command applied in a batch still being written may read as pending: skip it by id.
                for command in try await store.pendingTradingCommands(account: account) where !(command.id.map(appliedCommands.contains) ?? false) {
                    switch command.kind {
                    case .halt: extraOrders += try session.halt(reason: command.reason, flatten: command.flatten, at: commandTime)
                    case .reduce: session.reduce(reason: command.reason, at: commandTime)
                    case .resume: session.resume(at: commandTime)
                    }
                    if let id = command.id {
                        applied.append(id)
                        appliedCommands.insert(id)
                    }
                }
                if let thresholds = try await confidenceThresholds?(commandTime) { session.setConfidenceThresholds(thresholds) }
            }
            let commandAlerts = session.takeAlerts()
            let step = try session.step()
            steps += 1
            batch.append(commit(step, nextIndex: session.nextIndex, extraOrders: extraOrders, commandAlerts: commandAlerts, applied: applied))
            reported.append(session.progress(after: step))
            let due = pace > .zero || session.isFinished || steps >= maximumSteps || ContinuousClock.now - batchStarted >= batchDuration
            guard due else { continue }
            // The batch is written while the next one is computed (one write in flight, in order):
            // waiting for the previous write first keeps every batch after the one before it.
            try await inFlight?.value
            let commits = try withCheckpoint(batch, session, encoder)
            let store = store, done = reported, progress = progress
            inFlight = Task {
                try await store.commitTradingSteps(commits)
                done.forEach(progress)
            }
            batch = []
            reported = []
            if pace > .zero && !session.isFinished {
                try await inFlight?.value
                try? await Task.sleep(for: pace)
            }
            batchStarted = ContinuousClock.now
        }
        try await inFlight?.value
        // Stopped between commits (cancelled or asked to stop): store what was computed.
        if !batch.isEmpty {
            try await store.commitTradingSteps(withCheckpoint(batch, session, encoder))
            reported.forEach(progress)
        }
        return session
    }

    /// The batch with the session's checkpoint on its last step (the state after the whole batch).
    private func withCheckpoint(_ batch: [TradingStepCommit], _ session: TradingSession<Policy>, _ encoder: JSONEncoder) throws -> [TradingStepCommit] {
        var batch = batch
        batch[batch.count - 1].checkpoint = String(decoding: try encoder.encode(session.checkpoint), as: UTF8.self)
        return batch
    }

    /// The record of one step (its checkpoint is added if it ends a batch).
    private func commit(_ step: SessionStep, nextIndex: Int, extraOrders: [Order], commandAlerts: [RiskEngine.Alert],
                        applied: [Int64]) -> TradingStepCommit {
        let stamp = now()
        // An order placed by a command and filled in the step is stored once, as it ends the step.
        var orders: [String: StoredOrder] = [:]
        var orderIDs: [String] = []
        for order in extraOrders + step.orders {
            if orders.updateValue(StoredOrder(order, at: step.closeTime), forKey: order.clientOrderID) == nil { orderIDs.append(order.clientOrderID) }
        }
        let forecasts = step.forecasts.sorted { $0.key < $1.key }.map { symbol, forecast in
            ForecastRecord(forecast, symbol: symbol, timeframe: timeframe, referenceClose: step.marks[symbol]!.description, createdAt: stamp)
        }
        return TradingStepCommit(
            account: account,
            equity: EquityPoint(time: step.closeTime, barIndex: step.index, equity: step.equity, cash: step.cash, grossExposure: step.grossExposure,
                                state: step.state),
            nextIndex: nextIndex, checkpoint: nil,
            orders: orderIDs.map { orders[$0]! }, fills: step.fills, ledgerEntries: step.ledgerEntries,
            alerts: (commandAlerts + step.alerts).map { StoredAlert(level: $0.level, rule: $0.rule, message: $0.message, time: $0.time) },
            forecasts: forecasts, appliedCommandIDs: applied)
    }
}
