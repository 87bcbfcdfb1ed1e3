import Foundation
import Prediction
import Storage
import Testing
import TestSupport
import TradingCore
import TradingEngine

/// Alternates between two mixes every decision, so orders are placed, filled and reversed often.
struct SeesawWeights: AllocationPolicy {
    var decisions = 0
    mutating func targetWeights(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: Double]? {
        decisions += 1
        return decisions % 2 == 1 ? [Symbol("AAA")!: 0.6, Symbol("BBB")!: 0.3] : [Symbol("AAA")!: 0.2, Symbol("BBB")!: 0.7]
    }
    var checkpoint: String { "{\"decisions\":\(decisions)}" }
    mutating func restore(checkpoint: String) throws {
        decisions = Int(checkpoint.filter(\.isNumber))!
    }
}

@Suite("Trading store: steps stored whole, resumed exactly, commands applied once")
struct TradingStoreConformanceTests {
    static func bars() throws -> [Symbol: [Bar]] {
        [Symbol("AAA")!: try hourlyBars(count: 120, base: 100), Symbol("BBB")!: try hourlyBars(count: 120, base: 300).reversed().enumerated().map { index, bar in
            try Bar(openTime: Timestamp(iso8601: "2024-01-01T00:00:00Z")!.adding(milliseconds: Int64(index) * 3_600_000), open: bar.open, high: bar.high,
                    low: bar.low, close: bar.close, volume: bar.volume)
        }]
    }

    static func runner(_ store: SQLStore, account: String, cash: Int = 100_000) throws -> PaperTradingRunner<SeesawWeights> {
        PaperTradingRunner(store: store, account: account, bars: try bars(), timeframe: .oneHour,
                           settings: TradingSettings(cash: FixedDecimal(cash), venue: SimulatedVenue(commissionRate: FixedDecimal("0.001")!),
                                                     limits: RiskLimits(maximumPositionWeight: 0.8, maximumDrawdown: 0.9), decisionInterval: 5,
                                                     orderPrefix: account),
                           pace: .zero, now: { Timestamp(millisecondsSinceEpoch: 0) }, makePolicy: { SeesawWeights() })
    }

    @Test("live bars stored with a step extend the series and its summary; a repeated or an older bar keeps the count exact", arguments: Backend.available)
    func liveBarsStoredWithTheStep(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let symbol = Symbol("AAA")!, other = Symbol("BBB")!
            let history = try hourlyBars(count: 30)
            let (stored, later) = (Array(history[5..<20]), Array(history[20...]))
            for name in [symbol, other] {
                _ = try await fixture.store.importBars(BarImportBatch(instrument: Instrument(symbol: name, assetClass: .crypto, quoteCurrency: nil),
                                                                      timeframe: .oneHour, kind: .ohlcv, bars: stored, source: "backfill"))
            }
            _ = try await fixture.store.openTradingAccount(name: "live", fingerprint: "f", at: Timestamp(millisecondsSinceEpoch: 0))
            func commit(_ bars: [Symbol: Bar]) async throws {
                var step = TradingStepCommit(account: "live", equity: nil, nextIndex: 0, checkpoint: nil, orders: [], fills: [], ledgerEntries: [], alerts: [],
                                             forecasts: [], appliedCommandIDs: [])
                step.liveBars = LiveBarGroup(timeframe: .oneHour, bars: bars)
                try await fixture.store.commitTradingSteps([step])
            }
            func historyRevision(_ name: Symbol) async throws -> Int64? {
                try await fixture.store.instruments().first { $0.instrument.symbol == name }?.series.first?.historyRevision
            }
            let before = try await historyRevision(symbol)
            for bar in later { try await commit([symbol: bar, other: bar]) }
            // Bars after the newest leave the history as it was.
            #expect(try await historyRevision(symbol) == before)
            // A bar stored again (a restart) and a bar older than the series' first (a healed gap): the history may have changed.
            let otherBefore = try await historyRevision(other)
            try await commit([symbol: later[3], other: history[0]])
            #expect(try await historyRevision(symbol) != before)
            #expect(try await historyRevision(other) != otherBefore)
            for (name, expected) in [(symbol, stored + later), (other, [history[0]] + stored + later)] {
                #expect(try await fixture.store.allBars(symbol: name, timeframe: .oneHour) == expected)
                let summary = try #require(try await fixture.store.instruments().first { $0.instrument.symbol == name }?.series.first)
                #expect(summary.barCount == expected.count && summary.firstOpenTime == expected.first?.openTime && summary.lastOpenTime == expected.last?.openTime,
                        "\(summary)")
            }
        }
    }

    @Test("order changes come back in the order written, each order once in its newest state, per account", arguments: Backend.available)
    func orderChangesInOrder(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            try await Self.runner(fixture.store, account: "first").run(maximumSteps: 60)
            try await Self.runner(fixture.store, account: "second").run(maximumSteps: 30)
            let orders = try await fixture.store.tradingOrders(account: "first", limit: 1000)
            let changes = try await fixture.store.tradingOrderChanges(account: "first", afterSequence: 0, limit: 1000)
            #expect(!orders.isEmpty && changes.count == orders.count && Set(changes.map(\.order.clientOrderID)) == Set(orders.map(\.clientOrderID)))
            #expect(changes.map(\.sequence) == changes.map(\.sequence).sorted() && Set(changes.map(\.sequence)).count == changes.count)
            // Each order's newest state; paging after a number returns the rest.
            let byID = Dictionary(uniqueKeysWithValues: orders.map { ($0.clientOrderID, $0) })
            #expect(changes.allSatisfy { byID[$0.order.clientOrderID]?.status == $0.order.status && byID[$0.order.clientOrderID]?.filledQuantity == $0.order.filledQuantity })
            let tail = try await fixture.store.tradingOrderChanges(account: "first", afterSequence: changes[2].sequence, limit: 1000)
            #expect(tail.map(\.sequence) == Array(changes.dropFirst(3)).map(\.sequence))
            let latest = try await fixture.store.latestActivity(account: "first")
            #expect(latest.orderSequence == changes.last?.sequence)
            #expect(try await fixture.store.tradingOrderChanges(account: "second", afterSequence: 0, limit: 1000).count
                    == (try await fixture.store.tradingOrders(account: "second", limit: 1000)).count)
        }
    }

    @Test("a run stopped three times and resumed stores the same fills, ledger and marks as one that never stopped", arguments: Backend.available)
    func resumedRunMatchesStraightRun(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let straight = try await Self.runner(fixture.store, account: "straight").run()
            for _ in 0..<3 { try await Self.runner(fixture.store, account: "stopped").run(maximumSteps: 31) }
            let resumed = try await Self.runner(fixture.store, account: "stopped").run()
            #expect(resumed.ledger.snapshot.cash == straight.ledger.snapshot.cash)
            #expect(resumed.ledger.snapshot.positions == straight.ledger.snapshot.positions)
            let straightFills = try await fixture.store.tradingFills(account: "straight", limit: 1000)
            let stoppedFills = try await fixture.store.tradingFills(account: "stopped", limit: 1000)
            #expect(straightFills.count > 10)
            #expect(stoppedFills.map(\.price) == straightFills.map(\.price) && stoppedFills.map(\.quantity) == straightFills.map(\.quantity))
            let straightMarks = try await fixture.store.equityHistory(account: "straight", limit: 1000)
            let stoppedMarks = try await fixture.store.equityHistory(account: "stopped", limit: 1000)
            #expect(stoppedMarks.count == 120 && stoppedMarks.map(\.equity) == straightMarks.map(\.equity))
            // The stored ledger replays to the checkpoint's balances and sums to zero.
            let entries = try await fixture.store.ledgerEntries(account: "stopped", afterSequence: 0, limit: 100_000)
            #expect(entries.map(\.sequence) == Array(1...entries.count))
            #expect(entries.reduce(FixedDecimal.zero) { $0 + $1.amount } == .zero)
            #expect(entries.filter { $0.account == "cash" }.reduce(FixedDecimal.zero) { $0 + $1.amount } == resumed.ledger.cash)
            // Every filled order is stored filled, with exactly one fill.
            let orders = try await fixture.store.tradingOrders(account: "stopped", limit: 1000)
            #expect(Set(orders.filter { $0.status == .filled }.map(\.clientOrderID)) == Set(stoppedFills.map(\.clientOrderID)))
            #expect(try await fixture.store.tradingAccount(name: "stopped")?.nextIndex == 120)
        }
    }

    @Test("a step committed twice fails the second time and stores nothing of it", arguments: Backend.available)
    func stepIsStoredOnce(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            try await Self.runner(fixture.store, account: "once").run(maximumSteps: 12)
            let entriesBefore = try await fixture.store.ledgerEntries(account: "once", afterSequence: 0, limit: 1000)
            let last = try #require(try await fixture.store.equityHistory(account: "once", limit: 1).first)
            let replay = TradingStepCommit(account: "once", equity: last, nextIndex: 12, checkpoint: "{}", orders: [], fills: [],
                                           ledgerEntries: [Ledger.Entry(sequence: 9_999, time: last.time, account: "cash", amount: FixedDecimal(1), memo: "x")],
                                           alerts: [], forecasts: [], appliedCommandIDs: [])
            await #expect(throws: (any Error).self) { try await fixture.store.commitTradingSteps([replay]) }
            #expect(try await fixture.store.ledgerEntries(account: "once", afterSequence: 0, limit: 1000) == entriesBefore)
            #expect(try await fixture.store.tradingAccount(name: "once")?.checkpoint != "{}")
        }
    }

    @Test("a halt with flatten is applied once at the next step: positions close, no decision follows, resume trades again", arguments: Backend.available)
    func haltAndResumeCommands(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            try await Self.runner(fixture.store, account: "ops").run(maximumSteps: 20)
            _ = try await fixture.store.requestTradingCommand(TradingCommand(id: nil, account: "ops", kind: .halt, flatten: true, reason: "operator",
                                                                             requestedAt: Timestamp(millisecondsSinceEpoch: 0), appliedAt: nil))
            #expect(try await fixture.store.pendingTradingCommands(account: "ops").count == 1)
            let halted = try await Self.runner(fixture.store, account: "ops").run(maximumSteps: 15)
            #expect(halted.gate.state == .halted && halted.ledger.positions.isEmpty)
            #expect(try await fixture.store.pendingTradingCommands(account: "ops").isEmpty)
            #expect(try await fixture.store.tradingAlerts(account: "ops", limit: 10).contains { $0.rule == "manual_halt" })
            _ = try await fixture.store.requestTradingCommand(TradingCommand(id: nil, account: "ops", kind: .resume, flatten: false, reason: "operator",
                                                                             requestedAt: Timestamp(millisecondsSinceEpoch: 0), appliedAt: nil))
            let resumed = try await Self.runner(fixture.store, account: "ops").run(maximumSteps: 10)
            #expect(resumed.gate.state == .active && !resumed.ledger.positions.isEmpty)
        }
    }

    @Test("a command sent twice with one idempotency key is stored once; another key stores another", arguments: Backend.available)
    func idempotentCommands(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let halt = TradingCommand(id: nil, account: "ops", kind: .halt, flatten: true, reason: "operator",
                                      requestedAt: Timestamp(millisecondsSinceEpoch: 1000), appliedAt: nil)
            let first = try await fixture.store.requestTradingCommand(halt, idempotencyKey: "click-1")
            // The second press of the button, even with other contents, returns the first command.
            let again = try await fixture.store.requestTradingCommand(
                TradingCommand(id: nil, account: "ops", kind: .resume, flatten: false, reason: "again", requestedAt: Timestamp(millisecondsSinceEpoch: 2000), appliedAt: nil),
                idempotencyKey: "click-1")
            #expect(!first.repeated && again.repeated && again.command == first.command)
            #expect(try await fixture.store.pendingTradingCommands(account: "ops").map(\.kind) == [.halt])
            let other = try await fixture.store.requestTradingCommand(halt, idempotencyKey: "click-2")
            #expect(!other.repeated && other.command.id != first.command.id)
            #expect(try await fixture.store.pendingTradingCommands(account: "ops").count == 2)
        }
    }

    @Test("an account is refused to a run with other settings, naming both", arguments: Backend.available)
    func otherSettingsAreRefused(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            try await Self.runner(fixture.store, account: "a").run(maximumSteps: 2)
            await #expect(throws: PaperTradingRunner<SeesawWeights>.RunnerError.self) {
                try await Self.runner(fixture.store, account: "a", cash: 5_000).run(maximumSteps: 2)
            }
        }
    }
}
