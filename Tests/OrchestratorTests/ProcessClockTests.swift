import BinanceStub
import Foundation
import Logging
@testable import Orchestrator
import Synchronization
import Testing
import TradingCore

@Suite("The clock of serve, worker and scheduler")
struct ProcessClockTests {
    @Test("--clock binance: the process reads the exchange's accelerated time and pace, ten days from the wall clock, with a service to keep reading it")
    func binanceClock() async throws {
        let tenDaysAgo = Int64(Date().timeIntervalSince1970 * 1_000) - 10 * 86_400_000
        let (btc, eth) = LiveRunTests.history(now: tenDaysAgo, minutesAgo: 0)
        let marketClock = BinanceStubMarketClock(origin: tenDaysAgo, scale: 60)
        let (_, server) = try await LiveRunTests.startExchange(btc: btc, eth: eth, clock: { marketClock.now() })
        defer { server.stop() }
        marketClock.start()
        let configuration = try await ConfigurationLoader.load(overrides: ["venues.binance.rest_url": "http://127.0.0.1:\(server.port)"],
                                                                environment: [:], configFile: nil)
        let announced = Announcements()
        let (clock, keeper) = try await ProcessClock.binance.start(configuration, logger: Logger(label: "test")) { announced.add($0) }
        #expect(keeper != nil, "a service keeps the clock on the exchange's time")
        // Measured over a second of readings whose round trips vary on a loaded machine: near 60, far from this machine's 1.
        #expect((30...120).contains(clock.rate), "the clock measured the exchange's pace: \(clock.rate)")
        // Ten days from the wall clock; within 10 minutes of the exchange's (10 s of this machine's time at 60x: a
        // reading's round trip on the loaded machine of a full test run has put it more than 1 s off).
        #expect(abs(clock.now().millisecondsSinceEpoch - marketClock.now()) < 600_000, "the process's time is the exchange's")
        #expect(announced.lines.first?.hasPrefix("On Binance's clock: ") == true, "\(announced.lines)")
        // A lease of 30 s renewed by this machine's timer lasts 30 s of the machine's time on it.
        #expect(clock.span(ofWall: .seconds(30)) > .seconds(900))
    }

    @Test("--clock system: this machine's clock, nothing to keep")
    func systemClock() async throws {
        let configuration = try await ConfigurationLoader.load(overrides: [:], environment: [:], configFile: nil)
        let (clock, keeper) = try await ProcessClock.system.start(configuration, logger: Logger(label: "test")) { _ in }
        #expect(keeper == nil && clock.rate == 1 && clock.span(ofWall: .seconds(30)) == .seconds(30))
        #expect(abs(clock.now().millisecondsSinceEpoch - Int64(Date().timeIntervalSince1970 * 1_000)) < 5_000)
    }

    /// The lines a start announced.
    final class Announcements: Sendable {
        private let stored = Mutex<[String]>([])
        func add(_ line: String) { stored.withLock { $0.append(line) } }
        var lines: [String] { stored.withLock { $0 } }
    }
}
