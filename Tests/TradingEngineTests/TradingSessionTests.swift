import Foundation
import PortfolioOptimizer
import Prediction
import Testing
import TradingCore
import TradingEngine

@Suite("Trading session: steps, checkpoints and halts")
struct TradingSessionTests {
    static let settings = TradingSettings(
        cash: FixedDecimal(100_000), venue: SimulatedVenue(commissionRate: FixedDecimal("0.001")!),
        limits: RiskLimits(maximumPositionWeight: 0.6, maximumGrossExposure: 1, maximumDrawdown: 0.9), decisionInterval: 20, orderPrefix: "paper")

    static func policy() -> ForecastAllocationPolicy { ForecastAllocationPolicy(horizon: Horizon(parsing: "20d")!, refitInterval: 3) }

    /// Runs a session to the end, stopping at `stops` to go through a JSON checkpoint and a fresh
    /// session and policy, as a restarted process does.
    static func run(bars: [Symbol: [Bar]], stoppingAt stops: Set<Int>) throws -> (session: TradingSession<ForecastAllocationPolicy>, steps: [SessionStep]) {
        var session = try TradingSession(bars: bars, timeframe: .oneDay, settings: settings, policy: policy())
        var steps: [SessionStep] = []
        while !session.isFinished {
            if stops.contains(session.nextIndex) {
                let encoded = try JSONEncoder().encode(session.checkpoint)
                let checkpoint = try JSONDecoder().decode(SessionCheckpoint.self, from: encoded)
                session = try TradingSession(bars: bars, timeframe: .oneDay, settings: settings, policy: policy(), resumingFrom: checkpoint)
            }
            steps.append(try session.step())
        }
        return (session, steps)
    }

    @Test("the feedback loop's confidence threshold changes decisions and is kept across a restart")
    func confidenceThreshold() throws {
        let bars = TradingLoopTests.prefix(700)
        func fills(threshold: Double?, byRegime: [String: Double] = [:], stoppingAt stops: Set<Int>) throws -> [BookedFill] {
            var session = try TradingSession(bars: bars, timeframe: .oneDay, settings: Self.settings, policy: Self.policy())
            if let threshold { session.setConfidenceThresholds(ConfidenceThresholds(base: threshold, byRegime: byRegime)) }
            var booked: [BookedFill] = []
            while !session.isFinished {
                if stops.contains(session.nextIndex) {
                    // A restart that does not hand the threshold over again: the checkpoint has it.
                    let checkpoint = try JSONDecoder().decode(SessionCheckpoint.self, from: try JSONEncoder().encode(session.checkpoint))
                    session = try TradingSession(bars: bars, timeframe: .oneDay, settings: Self.settings, policy: Self.policy(), resumingFrom: checkpoint)
                }
                booked += try session.step().fills
            }
            return booked
        }
        let untuned = try fills(threshold: nil, stoppingAt: [])
        // At 0.5 no forecast is confident enough to halve a weight.
        let strict = try fills(threshold: 0.5, stoppingAt: [])
        #expect(untuned != strict)
        #expect(try fills(threshold: 0.5, stoppingAt: [341, 455]) == strict)
        #expect(try fills(threshold: 0, stoppingAt: []) == untuned)
        // Every decision bar has a regime (enough history): regime thresholds of 0.5 act as a base of 0.5.
        #expect(try fills(threshold: 0, byRegime: ["BULL": 0.5, "BEAR": 0.5], stoppingAt: [341]) == strict)
        #expect(ConfidenceThresholds.from([("5d", 0.05, nil), ("5d@BEAR", 0.1, nil), ("20d", 0.2, nil)], horizon: "5d") == ConfidenceThresholds(base: 0.05, byRegime: ["BEAR": 0.1]))
        #expect(ConfidenceThresholds.from([("20d", 0.2, nil)], horizon: "5d") == nil)
    }

    @Test("a session resumed from its checkpoint (between refits, with orders pending) ends exactly as an uninterrupted one")
    func resumeMatchesUninterruptedRun() throws {
        let bars = TradingLoopTests.prefix(700)
        let straight = try Self.run(bars: bars, stoppingAt: [])
        // 341: the bar after a decision at 340, so orders are pending; 455 lies between two refits.
        let resumed = try Self.run(bars: bars, stoppingAt: [341, 455, 600])
        #expect(straight.steps.contains { !$0.fills.isEmpty })
        #expect(resumed.session.ledger.snapshot == straight.session.ledger.snapshot)
        #expect(resumed.steps.flatMap(\.fills) == straight.steps.flatMap(\.fills))
        #expect(resumed.steps.flatMap(\.ledgerEntries) == straight.steps.flatMap(\.ledgerEntries))
        #expect(resumed.steps.map(\.equity) == straight.steps.map(\.equity))
        #expect(resumed.steps.map { $0.forecasts.mapValues { $0.map(\.probabilityUp) } } == straight.steps.map { $0.forecasts.mapValues { $0.map(\.probabilityUp) } })
    }

    @Test("forecasts at the reported horizons come at every close from the first fit with enough history, and never change a decision")
    func reportedHorizonsNeverChangeDecisions() throws {
        let bars = TradingLoopTests.prefix(700)
        let plain = try Self.run(bars: bars, stoppingAt: [])
        // 1h is finer than a daily bar and left out; 200d needs about 350 bars before it can be trained.
        let reported = ["1d", "5d", "200d", "1h", "20d"].map { Horizon(parsing: $0)! }
        var session = try TradingSession(bars: bars, timeframe: .oneDay, settings: Self.settings,
                                         policy: ForecastAllocationPolicy(horizon: Horizon(parsing: "20d")!, refitInterval: 3, reportedHorizons: reported))
        var steps: [SessionStep] = []
        while !session.isFinished { steps.append(try session.step()) }
        #expect(session.ledger.snapshot == plain.session.ledger.snapshot)
        #expect(steps.flatMap(\.fills) == plain.steps.flatMap(\.fills))
        #expect(steps.map { $0.forecasts.mapValues { $0.first!.probabilityUp } } == plain.steps.map { $0.forecasts.mapValues { $0.first!.probabilityUp } })
        let labels = steps.map { step in step.forecasts.values.first.map { $0.map(\.horizon.label) } ?? [] }
        let forecasting = labels.filter { !$0.isEmpty }
        #expect(!forecasting.isEmpty)
        #expect(forecasting.allSatisfy { $0.prefix(3) == ["20d", "1d", "5d"] && !$0.contains("1h") && $0.count <= 4 })
        let firstLong = try #require(labels.firstIndex { $0.contains("200d") })
        #expect(labels[firstLong...].allSatisfy { $0 == ["20d", "1d", "5d", "200d"] })
        #expect(labels.firstIndex { !$0.isEmpty }! < firstLong, "the long horizon joins at a later refit")
        let forecast = try #require(steps.last?.forecasts.values.first?.last)
        #expect(forecast.horizon.label == "200d" && forecast.probabilityUp > 0 && forecast.probabilityUp < 1)
    }

    @Test("a live session that receives its bars one by one trades exactly as a replay of the same bars")
    func appendedBarsMatchReplay() throws {
        let bars = TradingLoopTests.prefix(700)
        let straight = try Self.run(bars: bars, stoppingAt: [])
        var live = try TradingSession(bars: bars.mapValues { Array($0.prefix(400)) }, timeframe: .oneDay, settings: Self.settings, policy: Self.policy())
        live.expectsMoreBars = true
        var steps: [SessionStep] = []
        while steps.count < 700 {
            if live.isFinished { try live.append(bars.mapValues { $0[live.barCount] }) }
            steps.append(try live.step())
        }
        // Every step but the last matches: the replay takes no decision at its last bar, the live session does.
        #expect(steps.dropLast().flatMap(\.fills) == straight.steps.dropLast().flatMap(\.fills))
        #expect(steps.dropLast().map(\.equity) == straight.steps.dropLast().map(\.equity))
        #expect(straight.steps.contains { !$0.fills.isEmpty })
        let first = bars.keys.sorted()[0]
        #expect(throws: TradingSession<ForecastAllocationPolicy>.SessionError.self) { try live.append([first: bars[first]![10]]) }
        #expect(throws: TradingSession<ForecastAllocationPolicy>.SessionError.self) { try live.append(bars.mapValues { $0[10] }) }
    }

    @Test("a live session with a history window forgets older bars and trades exactly as one that keeps them all, across a restart too")
    func forgettingBarsChangesNoDecision() throws {
        let bars = TradingLoopTests.prefix(700)
        let windowed = { ForecastAllocationPolicy(horizon: Horizon(parsing: "20d")!, refitInterval: 3, historyWindow: 400) }
        func live(retention: Int?, restartingAt restart: Int? = nil) throws -> (steps: [SessionStep], inMemory: [Int]) {
            var session = try TradingSession(bars: bars.mapValues { Array($0.prefix(400)) }, timeframe: .oneDay, settings: Self.settings, policy: windowed())
            session.expectsMoreBars = true
            session.historyRetention = retention
            var steps: [SessionStep] = [], inMemory: [Int] = []
            while steps.count < 700 {
                if session.nextIndex == restart {
                    // A restarted process loads every stored bar and resumes from the checkpoint.
                    let checkpoint = try JSONDecoder().decode(SessionCheckpoint.self, from: try JSONEncoder().encode(session.checkpoint))
                    session = try TradingSession(bars: bars.mapValues { Array($0.prefix(session.barCount)) }, timeframe: .oneDay, settings: Self.settings,
                                                 policy: windowed(), resumingFrom: checkpoint)
                    session.expectsMoreBars = true
                    session.historyRetention = retention
                }
                if session.isFinished { try session.append(bars.mapValues { $0[session.barCount] }) }
                steps.append(try session.step())
                inMemory.append(session.barsInMemory)
            }
            return (steps, inMemory)
        }
        let keeping = try live(retention: nil)
        let forgetting = try live(retention: 480)
        let restarted = try live(retention: 480, restartingAt: 610)
        #expect(keeping.steps.contains { !$0.fills.isEmpty })
        #expect(keeping.inMemory.last == 700 && forgetting.inMemory.max()! <= 480 + 120 + 1, "\(forgetting.inMemory.max()!)")
        for other in [forgetting.steps, restarted.steps] {
            #expect(other.flatMap(\.fills) == keeping.steps.flatMap(\.fills))
            #expect(other.map(\.equity) == keeping.steps.map(\.equity))
            #expect(other.map { $0.forecasts.mapValues { $0.map(\.probabilityUp) } } == keeping.steps.map { $0.forecasts.mapValues { $0.map(\.probabilityUp) } })
        }
    }

    @Test("after every step the books balance, cash + marked positions = equity, and each fill's id is new")
    func invariantsAfterEveryStep() throws {
        var session = try TradingSession(bars: TradingLoopTests.prefix(500), timeframe: .oneDay, settings: Self.settings,
                                         policy: FixedWeights(weights: [Symbol("SP500")!: 0.5, Symbol("NASDAQCOMP")!: 0.45]))
        var fillIDs: Set<String> = []
        var balance = FixedDecimal.zero
        var sequences: [Int] = []
        while !session.isFinished {
            let step = try session.step()
            balance = step.ledgerEntries.reduce(balance) { $0 + $1.amount }
            sequences += step.ledgerEntries.map(\.sequence)
            for fill in step.fills { #expect(fillIDs.insert(fill.fillID).inserted) }
            var marked = session.ledger.cash
            for (symbol, position) in session.ledger.positions { marked = marked + (try position.quantity.multiplied(by: step.marks[symbol]!)) }
            #expect(marked == step.equity)
            // Every step's lines sum to zero: the books balance after each one.
            #expect(balance == .zero)
        }
        // The steps hand out every ledger line once, the deposit first, numbered without gaps.
        #expect(sequences == Array(1...sequences.count))
        #expect(fillIDs.count > 2)
    }

    @Test("halt with flatten closes every position at the next open and no decision follows until resume")
    func haltAndFlatten() throws {
        var session = try TradingSession(bars: TradingLoopTests.prefix(200), timeframe: .oneDay, settings: Self.settings,
                                         policy: FixedWeights(weights: [Symbol("SP500")!: 0.5, Symbol("NASDAQCOMP")!: 0.45]))
        for _ in 0..<10 { _ = try session.step() }
        #expect(!session.ledger.positions.isEmpty)
        let flatten = try session.halt(reason: "operator", flatten: true, at: session.lastCloseTime!)
        #expect(flatten.count == 2 && flatten.allSatisfy { $0.status == .accepted })
        #expect(session.takeAlerts().map(\.rule) == ["manual_halt"])
        let next = try session.step()
        #expect(next.fills.count == 2)
        #expect(session.ledger.positions.isEmpty)
        for _ in 0..<25 { #expect(try !session.step().decided) }
        session.resume(at: session.lastCloseTime!)
        var decided = false
        for _ in 0..<25 { decided = try session.step().decided || decided }
        #expect(decided)
        #expect(!session.ledger.positions.isEmpty)
    }

    @Test("a checkpoint from other data is refused with the reason")
    func checkpointFromOtherDataIsRefused() throws {
        var session = try TradingSession(bars: TradingLoopTests.prefix(100), timeframe: .oneDay, settings: Self.settings, policy: Self.policy())
        for _ in 0..<10 { _ = try session.step() }
        let shifted = TradingLoopTests.daily.mapValues { Array($0.dropFirst(3).prefix(100)) }
        #expect(throws: TradingLoop.LoopError.self) {
            try TradingSession(bars: shifted, timeframe: .oneDay, settings: Self.settings, policy: Self.policy(), resumingFrom: session.checkpoint)
        }
    }
}
