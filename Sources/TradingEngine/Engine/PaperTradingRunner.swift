import Foundation
import Prediction
import Synchronization
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
    /// The feedback loop's current champions of the run's streams, their models carried to the
    /// given bar time (nil: keep the ones in hand), read with the thresholds at each batch start.
    /// Each forecasts from the bar its `knownAt` allows; a stream without one uses the policy's own fit.
    public var champions: (@Sendable (Timestamp) async -> [ChampionModel]?)?
    /// Called after each stored step.
    public let progress: @Sendable (SessionProgress) -> Void
    /// The time source for record stamps.
    public let now: @Sendable () -> Timestamp
    /// How long an unpaced replay may compute before it commits.
    public var batchDuration: Duration = .milliseconds(100)
    /// Bars of every symbol at one open time, as a live feed closes them: once the stored bars are
    /// processed, the session waits for these and steps on each (nil: the run ends with the replay).
    /// Groups at or before the last bar known are skipped (a restart re-reads them from the store).
    public var liveBars: AsyncStream<LiveBarGroup.Arrival>?

    /// The external venue orders go to (nil: the session's simulator fills them). An order is
    /// stored in flight with the step that placed it and sent once, after that commit; the
    /// venue's execution reports are stored as they come, each in its own transaction. At start
    /// the orders in flight are reconciled with the venue before anything is sent, and only bars
    /// that arrive live (closed at most `maximumDecisionBarAge` ago) take decisions.
    public var venue: (any ExecutionVenue)?
    /// How long an order in flight at a start may stay unknown to the venue before it is concluded
    /// never placed: this much wall time, or less where the trading clock (the venue's, replayed
    /// faster than real time) has moved on by twice as much meanwhile. The order was stamped before
    /// this start, and the venue refuses a request older than its receive window (Binance's 5 s).
    public var unknownOrderGrace: Duration = .seconds(6)
    /// A bar that closed longer ago than this takes no decision on an external venue (nil: twice the timeframe).
    public var maximumDecisionBarAge: Duration?
    /// When the feed hands the live bar opened at a time to the loop, when that is after its close
    /// (a stock's last bar of a session comes at the next open): its age for deciding counts from
    /// there. Nil, or a nil answer: from its close.
    public var barRelease: (@Sendable (Timestamp) async throws -> Timestamp?)?
    /// How often the venue is asked about orders in flight whose reports have not come.
    public var synchronizeInterval: Duration = .seconds(1)
    /// Told what happened on the venue: reconciliations, orders not sent, reports ignored.
    public var venueNotice: @Sendable (String) -> Void = { _ in }
    /// Told what each stored execution report changed (fills and the order), for metrics.
    public var reportStored: @Sendable (SessionEvent) -> Void = { _ in }
    /// Told the outcome of each reconciliation.
    public var reconciled: @Sendable (VenueActivity.Reconciliation) -> Void = { _ in }
    /// Where the loop records its venue activity for status and metrics (nil: not recorded).
    public var activity: VenueActivity?
    /// Asks for a reconciliation while running, with the reason (a feed or account stream that
    /// reconnected may have missed reports): it runs before the next bar or report is handled.
    public var reconciliationRequests: AsyncStream<String>?
    /// Bars of history the session keeps in memory as live bars come (nil: all); at least the policy's history window.
    public var historyRetention: Int?
    /// Orders handed to the send task and not answered yet: a reconciliation while running leaves them to their answer.
    private let beingSent = OrdersBeingSent()

    /// One thing a live run waits for.
    private enum LiveEvent: Sendable {
        case bars(LiveBarGroup.Arrival)
        case report(ExecutionReport)
        case tick
        case reconcile(String)
    }

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
            // An account's books belong to one venue: paper books cannot go on on a real account, nor the reverse.
            + (venue.map { ", venue \($0.name)" } ?? "")
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
        session.historyRetention = historyRetention
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // A live run waits on one stream: the feed's bars, and with a venue its reports and a tick.
        let (events, eventInput) = AsyncStream<LiveEvent>.makeStream()
        var forwarders: [Task<Void, Never>] = []
        defer {
            forwarders.forEach { $0.cancel() }
            eventInput.finish()
        }
        if let venue {
            session.externalExecution = true
            session.ordersEnabled = false
            session.instrumentRules = try await venue.instrumentRules(for: session.symbols)
            // Subscribed before anything is sent or asked, so no report is missed.
            let reports = await venue.executionReports()
            let interval = synchronizeInterval
            forwarders.append(Task { for await report in reports { eventInput.yield(.report(report)) } })
            forwarders.append(Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    eventInput.yield(.tick)
                }
            })
            try await reconcile(&session, with: venue, stored: stored, encoder: encoder)
            if let requests = reconciliationRequests {
                forwarders.append(Task { for await reason in requests { eventInput.yield(.reconcile(reason)) } })
            }
        }
        if let liveBars {
            forwarders.append(Task {
                for await group in liveBars { eventInput.yield(.bars(group)) }
                eventInput.finish()
            })
        }
        let maximumAge = maximumDecisionBarAge.map { Int64($0.milliseconds) } ?? 2 * timeframe.milliseconds
        var lastSynchronize = ContinuousClock.now
        var preparedForLiveBars = false
        /// When the live bar being stepped reached the loop, and when the feed completed its group
        /// before it crossed to the loop (for the decision path's latency).
        var barArrived: (loop: ContinuousClock.Instant, feed: ContinuousClock.Instant)?
        /// The live bars appended and not yet stepped: stored with the step that processes them.
        var arrivedBars: LiveBarGroup?
        var steps = 0
        var batch: [TradingStepCommit] = []
        var batchStarted = ContinuousClock.now
        var reported: [SessionProgress] = []
        var inFlight: Task<Void, any Error>?
        var appliedCommands: Set<Int64> = []
        var live = liveBars != nil ? events.makeAsyncIterator() : nil
        session.expectsMoreBars = live != nil
        while steps < maximumSteps && !Task.isCancelled && !stopRequested() {
            if session.isFinished {
                // A replay ends here; a live run waits for the next bars (every step so far is committed).
                guard live != nil else { break }
                try await inFlight?.value
                // Caught up: fit now (no bar is waiting) and refit in the background from here on, so a refit never delays a live decision.
                if !preparedForLiveBars {
                    try session.prepareForLiveBars()
                    preparedForLiveBars = true
                }
                guard let event = await live?.next() else { break }
                switch event {
                case .bars(let arrival):
                    let next = arrival.bars
                    guard let time = next.values.first?.openTime, time > session.lastOpenTime else { continue }
                    try session.append(next)
                    arrivedBars = LiveBarGroup(timeframe: timeframe, bars: next)
                    barArrived = (loop: ContinuousClock.now, feed: arrival.completed)
                    // On a venue, only a bar that closed just now decides: a healed old bar's prices are gone.
                    if venue != nil {
                        let closed = time.adding(milliseconds: timeframe.milliseconds)
                        let released = (try? await barRelease?(time)).flatMap { $0 }.map { max($0, closed) } ?? closed
                        session.ordersEnabled = now().millisecondsSinceEpoch - released.millisecondsSinceEpoch <= maximumAge
                    }
                    batchStarted = ContinuousClock.now
                case .report(let report):
                    let event = try session.apply(report)
                    await activity?.didApply(report, event: event)
                    await activity?.setInFlight(session.ordersInFlight.count)
                    if let reason = event.ignoredBecause, event.alerts.isEmpty, report.kind != .accepted { venueNotice("report ignored: \(reason)") }
                    if let commit = try reportCommit(event, session: session, time: report.time, encoder: encoder) {
                        try await store.commitTradingSteps([commit])
                        reportStored(event)
                    }
                case .reconcile(let reason):
                    // Nothing is sent while it runs: the loop handles no bar until it has finished.
                    if let venue {
                        venueNotice("reconciling: \(reason)")
                        do {
                            try await reconcile(&session, with: venue, stored: stored, encoder: encoder)
                        } catch is CancellationError {
                            throw CancellationError()
                        } catch {
                            venueNotice("the reconciliation failed (\(error)); it runs again at the next reconnect or start")
                        }
                    }
                case .tick:
                    // The REST path of reports: asked off the trading path, at most once an interval.
                    if let venue, !session.ordersInFlight.isEmpty, ContinuousClock.now - lastSynchronize >= synchronizeInterval {
                        lastSynchronize = ContinuousClock.now
                        let notice = venueNotice
                        Task {
                            do { try await venue.synchronize() } catch { notice("asking the venue about orders in flight failed: \(error)") }
                        }
                    }
                }
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
                if let handed = await champions?(commandTime) { session.setChampions(handed) }
            }
            let commandAlerts = session.takeAlerts()
            let step = try session.step()
            let stepped = ContinuousClock.now
            steps += 1
            var stepCommit = commit(step, nextIndex: session.nextIndex, extraOrders: extraOrders, commandAlerts: commandAlerts, applied: applied)
            stepCommit.liveBars = arrivedBars
            arrivedBars = nil
            batch.append(stepCommit)
            reported.append(session.progress(after: step))
            let due = pace > .zero || session.isFinished || steps >= maximumSteps || ContinuousClock.now - batchStarted >= batchDuration
            guard due else { continue }
            // The batch is written while the next one is computed (one write in flight, in order):
            // waiting for the previous write first keeps every batch after the one before it.
            try await inFlight?.value
            let commits = try withCheckpoint(batch, session, encoder)
            let store = store, done = reported, progress = progress, venue = venue, notice = venueNotice, activity = activity, beingSent = beingSent
            await activity?.setInFlight(session.ordersInFlight.count)
            let arrived = barArrived
            barArrived = nil
            inFlight = Task {
                // With orders for the venue, the forecasts wait until the orders are on their way:
                // they are observations, not books (a crash in between loses that step's forecasts only).
                var commits = commits
                let orders = venue == nil ? [] : commits.flatMap(\.orders).filter { $0.status == .accepted }
                var forecasts: [ForecastRecord] = []
                if !orders.isEmpty {
                    for index in commits.indices {
                        forecasts += commits[index].forecasts
                        commits[index].forecasts = []
                    }
                }
                try await store.commitTradingSteps(commits)
                let stored = ContinuousClock.now
                // Stored first, sent after: a crash in between leaves an order in flight that the next start reconciles.
                // The orders go before the progress is reported (console, metrics): nothing else on their way.
                if let venue, !orders.isEmpty {
                    Self.send(orders, to: venue, reports: eventInput, activity: activity, beingSent: beingSent, notice: notice)
                    if let arrived {
                        let handed = ContinuousClock.now
                        await activity?.didDecide(step: stepped - arrived.loop, stored: stored - arrived.loop, sending: handed - arrived.loop,
                                                  fromFeed: handed - arrived.feed)
                    }
                }
                if !forecasts.isEmpty {
                    try await store.commitTradingSteps([TradingStepCommit(account: commits[0].account, equity: nil, nextIndex: 0, checkpoint: nil, orders: [],
                                                                          fills: [], ledgerEntries: [], alerts: [], forecasts: forecasts, appliedCommandIDs: [])])
                }
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

    /// Sends stored orders (sells first, so their proceeds come first) in a task of their own: the
    /// trading path never waits on the venue. An order the venue refuses, or that cannot be sent,
    /// comes back as a rejected report; an unknown outcome is left to `synchronize()`.
    private static func send(_ orders: [StoredOrder], to venue: any ExecutionVenue, reports: AsyncStream<LiveEvent>.Continuation,
                             activity: VenueActivity?, beingSent: OrdersBeingSent, notice: @escaping @Sendable (String) -> Void) {
        beingSent.insert(orders.map(\.clientOrderID))
        Task {
            for order in orders.sorted(by: { ($0.side == .sell ? 0 : 1, $0.clientOrderID) < ($1.side == .sell ? 0 : 1, $1.clientOrderID) }) {
                let request = VenueOrderRequest(clientOrderID: order.clientOrderID, symbol: order.symbol, side: order.side, quantity: order.quantity)
                var refusal: String?
                var outcome: VenueSubmission?
                do {
                    outcome = try await venue.submit(request)
                    switch outcome {
                    case .accepted, nil: break
                    case .rejected(let reason): refusal = reason
                    case .unknown(let reason): notice("\(order.clientOrderID): outcome unknown (\(reason)); it is resolved by query, never resent")
                    }
                } catch {
                    // A call that failed before the order was written (rate limit, ban, unreachable): nothing was placed.
                    refusal = "not sent: \(error)"
                }
                await activity?.didSend(order.clientOrderID, outcome: outcome)
                beingSent.remove(order.clientOrderID)
                if let refusal {
                    notice("\(order.clientOrderID) refused: \(refusal)")
                    reports.yield(.report(ExecutionReport(kind: .rejected, clientOrderID: order.clientOrderID, venueOrderID: nil, symbol: order.symbol,
                                                          side: order.side, quantity: order.quantity, cumulativeQuantity: .zero, reason: refusal,
                                                          time: order.updatedAt)))
                }
            }
        }
    }

    /// The record of what one report changed (nil when it changed nothing).
    private func reportCommit(_ event: SessionEvent, session: TradingSession<Policy>, time: Timestamp, encoder: JSONEncoder) throws -> TradingStepCommit? {
        guard event.order != nil || !event.alerts.isEmpty else { return nil }
        return try unmarkedCommit(session, orders: event.order.map { [StoredOrder($0, at: time)] } ?? [], fills: event.fills,
                                  ledgerEntries: event.ledgerEntries, alerts: event.alerts, encoder: encoder)
    }

    /// What changed between two bars (a report, a reconciliation): no mark, the session's checkpoint as it stands.
    private func unmarkedCommit(_ session: TradingSession<Policy>, orders: [StoredOrder], fills: [BookedFill], ledgerEntries: [Ledger.Entry],
                                alerts: [RiskEngine.Alert], encoder: JSONEncoder) throws -> TradingStepCommit {
        TradingStepCommit(account: account, equity: nil, nextIndex: session.nextIndex,
                          checkpoint: String(decoding: try encoder.encode(session.checkpoint), as: UTF8.self), orders: orders, fills: fills,
                          ledgerEntries: ledgerEntries, alerts: alerts.map(StoredAlert.init), forecasts: [], appliedCommandIDs: [])
    }

    /// Reconciles the books with the venue before anything is sent: each order in flight is looked
    /// up by its client order id and its trades booked (never sent again; unknown after the grace
    /// period, it was never placed), the venue's trades and open orders of this account that the
    /// store lacks are alerted, and a balance below what the books hold moves the session to
    /// REDUCING. Everything it changes is stored in one transaction.
    private func reconcile(_ session: inout TradingSession<Policy>, with venue: any ExecutionVenue, stored: TradingAccountRecord,
                           encoder: JSONEncoder) async throws {
        let time = now()
        var commits: [TradingStepCommit] = []
        var alerts: [RiskEngine.Alert] = []
        var found = 0, neverPlaced = 0, booked = 0
        // Orders still being sent are left to their answer: looking them up now could find them not placed yet.
        let inFlight = session.ordersInFlight.filter { !beingSent.contains($0.clientOrderID) }
        var venueFills: [Symbol: [VenueFill]] = [:]
        let earliest = inFlight.map(\.createdAt).min().map { $0.adding(milliseconds: -60_000) }
        func fills(of symbol: Symbol) async throws -> [VenueFill] {
            if let known = venueFills[symbol] { return known }
            let since = min(earliest ?? time, Timestamp(millisecondsSinceEpoch: max(stored.createdAt.millisecondsSinceEpoch, time.millisecondsSinceEpoch - 86_400_000)))
            let list = try await venue.fills(symbol: symbol, since: since)
            venueFills[symbol] = list
            return list
        }
        func apply(_ report: ExecutionReport) async throws {
            let event = try session.apply(report)
            await activity?.didApply(report, event: event)
            booked += event.fills.count
            if let commit = try reportCommit(event, session: session, time: report.time, encoder: encoder) { commits.append(commit) }
        }
        var states: [String: VenueOrderState] = [:]
        for order in inFlight { states[order.clientOrderID] = try await venue.order(clientOrderID: order.clientOrderID, symbol: order.symbol) }
        if inFlight.contains(where: { states[$0.clientOrderID] == nil }) {
            // Sent just before a crash, an order may still arrive within the venue's receive window,
            // which runs on the venue's clock: at 500x its seconds pass in milliseconds, and waiting
            // 6 s of wall time held a restart for 6 s (the soak test's kill with orders in flight).
            let wallDeadline = ContinuousClock.now + unknownOrderGrace
            let venueDeadline = time.adding(milliseconds: 2 * unknownOrderGrace.wholeMilliseconds)
            while ContinuousClock.now < wallDeadline && now() < venueDeadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            for order in inFlight where states[order.clientOrderID] == nil {
                states[order.clientOrderID] = try await venue.order(clientOrderID: order.clientOrderID, symbol: order.symbol)
            }
        }
        for order in inFlight {
            guard let state = states[order.clientOrderID] else {
                neverPlaced += 1
                try await apply(ExecutionReport(kind: .rejected, clientOrderID: order.clientOrderID, venueOrderID: nil, symbol: order.symbol, side: order.side,
                                          quantity: order.quantity.value, cumulativeQuantity: .zero,
                                          reason: "never placed: unknown to the venue at the restart's reconciliation", time: time))
                continue
            }
            found += 1
            var cumulative = FixedDecimal.zero
            for fill in try await fills(of: order.symbol) where fill.clientOrderID == order.clientOrderID {
                cumulative = cumulative + fill.quantity
                try await apply(ExecutionReport(kind: cumulative >= order.quantity.value ? .fill : .partialFill, clientOrderID: order.clientOrderID,
                                          venueOrderID: state.venueOrderID, symbol: order.symbol, side: order.side, quantity: order.quantity.value,
                                          cumulativeQuantity: cumulative, fill: fill, time: fill.time))
            }
            if let terminal = ExecutionReport.Kind(ending: state.status) {
                try await apply(ExecutionReport(kind: terminal, clientOrderID: order.clientOrderID, venueOrderID: state.venueOrderID, symbol: order.symbol,
                                          side: order.side, quantity: order.quantity.value, cumulativeQuantity: state.filledQuantity,
                                          reason: "\(terminal.rawValue) on the venue", time: state.updatedAt))
            }
        }
        // What the venue has of this account that the books lack.
        let prefix = "\(settings.orderPrefix)-"
        let bookedIDs = Set(try await store.tradingFills(account: account, limit: 100_000).map(\.fillID) + commits.flatMap(\.fills).map(\.fillID))
        let stillInFlight = Set(session.ordersInFlight.map(\.clientOrderID))
        var problems: [String] = []
        var unbooked: [String] = []
        for symbol in session.symbols {
            for fill in try await fills(of: symbol) where fill.clientOrderID.hasPrefix(prefix) && !stillInFlight.contains(fill.clientOrderID)
                && !bookedIDs.contains("\(fill.clientOrderID)-\(fill.tradeID)") {
                unbooked.append("\(fill.clientOrderID)-\(fill.tradeID)")
            }
        }
        if !unbooked.isEmpty {
            alerts.append(RiskEngine.Alert(level: .critical, rule: "unbooked_fill",
                                           message: "the venue has \(unbooked.count) trade(s) of orders no longer in flight that the books lack: \(unbooked.prefix(10).joined(separator: ", "))",
                                           time: time))
        }
        let unknownOpen = try await venue.openOrders(symbols: session.symbols).map(\.clientOrderID)
            .filter { $0.hasPrefix(prefix) && !stillInFlight.contains($0) }
        if !unknownOpen.isEmpty {
            alerts.append(RiskEngine.Alert(level: .warning, rule: "unknown_open_order",
                                           message: "the venue has open orders of this account that the books do not know (left working): \(unknownOpen.joined(separator: ", "))",
                                           time: time))
        }
        // The venue must hold at least what the books do, less what the orders still in flight may have spent.
        var mismatches: [String] = []
        let balances = try await venue.balances()
        var spendable: [String: FixedDecimal] = [:]
        for order in session.ordersInFlight {
            guard let rules = session.instrumentRules[order.symbol] else { continue }
            let left = order.quantity.value - order.filledQuantity.value
            if order.side == .sell {
                spendable[rules.baseAsset] = (spendable[rules.baseAsset] ?? .zero) + left
            } else if let price = session.marks[order.symbol] {
                // A market buy may fill above the last close: twice its notional covers any fill the gate would let through.
                spendable[rules.quoteAsset] = (spendable[rules.quoteAsset] ?? .zero) + (try left.multiplied(by: price)) + (try left.multiplied(by: price))
            }
        }
        if let quote = session.instrumentRules.values.first?.quoteAsset {
            let held = balances[quote]?.total ?? .zero
            if held + (spendable[quote] ?? .zero) < session.ledger.cash {
                mismatches.append("\(quote): the venue holds \(held), the books \(session.ledger.cash)")
            }
        }
        for (symbol, position) in session.ledger.positions.sorted(by: { $0.key < $1.key }) {
            guard let base = session.instrumentRules[symbol]?.baseAsset else { continue }
            let held = balances[base]?.total ?? .zero
            if held + (spendable[base] ?? .zero) < position.quantity {
                mismatches.append("\(base): the venue holds \(held), the books \(position.quantity)")
            }
        }
        if !mismatches.isEmpty {
            session.reduce(reason: "balance mismatch at reconciliation: \(mismatches.joined(separator: "; "))", at: time)
            alerts.append(RiskEngine.Alert(level: .critical, rule: "balance_mismatch", message: mismatches.joined(separator: "; "), time: time))
        }
        alerts += session.takeAlerts()
        if !alerts.isEmpty {
            commits.append(try unmarkedCommit(session, orders: [], fills: [], ledgerEntries: [], alerts: alerts, encoder: encoder))
        }
        try await store.commitTradingSteps(commits)
        problems += mismatches.map { "balance mismatch: \($0) (trading REDUCING)" }
        problems += unknownOpen.map { "open order the books do not know: \($0)" }
        problems += unbooked.map { "trade the books lack: \($0)" }
        let result = VenueActivity.Reconciliation(time: time, ordersInFlight: inFlight.count, ordersFound: found, ordersNeverPlaced: neverPlaced,
                                                  fillsBooked: booked, problems: problems)
        await activity?.didReconcile(result)
        await activity?.setInFlight(session.ordersInFlight.count)
        reconciled(result)
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
        let forecasts = step.forecasts.sorted { $0.key < $1.key }.flatMap { symbol, forecasts in
            forecasts.map { ForecastRecord($0, symbol: symbol, timeframe: timeframe, referenceClose: step.marks[symbol]!.description, createdAt: stamp) }
        }
        return TradingStepCommit(
            account: account,
            equity: EquityPoint(time: step.closeTime, barIndex: step.index, equity: step.equity, cash: step.cash, grossExposure: step.grossExposure,
                                state: step.state),
            nextIndex: nextIndex, checkpoint: nil,
            orders: orderIDs.map { orders[$0]! }, fills: step.fills, ledgerEntries: step.ledgerEntries,
            alerts: (commandAlerts + step.alerts).map(StoredAlert.init),
            forecasts: forecasts, appliedCommandIDs: applied)
    }
}

/// The client order ids handed to a send task and not answered yet.
final class OrdersBeingSent: Sendable {
    private let ids = Mutex<Set<String>>([])

    func insert(_ list: [String]) { ids.withLock { $0.formUnion(list) } }
    func remove(_ id: String) { _ = ids.withLock { $0.remove(id) } }
    func contains(_ id: String) -> Bool { ids.withLock { $0.contains(id) } }
}
