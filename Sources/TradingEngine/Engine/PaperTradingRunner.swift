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
/// loses nothing. The step's mark has a unique (account, close time) key, so two runners on one
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
    /// Called after each stored step.
    public let progress: @Sendable (SessionStep, TradingSession<Policy>) -> Void
    /// The time source for record stamps.
    public let now: @Sendable () -> Timestamp

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
                progress: @escaping @Sendable (SessionStep, TradingSession<Policy>) -> Void = { _, _ in }) {
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
        let count = bars.values.first?.count ?? 0
        return "\(symbols) \(timeframe.rawValue) from \(first) (\(count) bars), cash \(settings.cash), commission \(settings.venue.commissionRate), "
            + "slippage \(settings.venue.slippageBasisPoints) bp, every \(settings.decisionInterval) bars"
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
        while !session.isFinished && steps < maximumSteps && !Task.isCancelled && !stopRequested() {
            // Commands first: a halt stops this very step's decision.
            var extraOrders: [Order] = []
            var applied: [Int64] = []
            let commandTime = session.lastCloseTime ?? bars[session.symbols[0]]![0].openTime
            for command in try await store.pendingTradingCommands(account: account) {
                switch command.kind {
                case .halt: extraOrders += try session.halt(reason: command.reason, flatten: command.flatten, at: commandTime)
                case .resume: session.resume(at: commandTime)
                }
                if let id = command.id { applied.append(id) }
            }
            let commandAlerts = session.takeAlerts()
            let step = try session.step()
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
            let commit = TradingStepCommit(
                account: account,
                equity: EquityPoint(time: step.closeTime, barIndex: step.index, equity: step.equity, cash: step.cash, grossExposure: step.grossExposure,
                                    state: step.state),
                nextIndex: session.nextIndex, checkpoint: String(decoding: try encoder.encode(session.checkpoint), as: UTF8.self),
                orders: orderIDs.map { orders[$0]! }, fills: step.fills, ledgerEntries: step.ledgerEntries,
                alerts: (commandAlerts + step.alerts).map { StoredAlert(level: $0.level, rule: $0.rule, message: $0.message, time: $0.time) },
                forecasts: forecasts, appliedCommandIDs: applied)
            try await store.commitTradingStep(commit)
            steps += 1
            progress(step, session)
            if pace > .zero && !session.isFinished { try? await Task.sleep(for: pace) }
        }
        return session
    }
}
