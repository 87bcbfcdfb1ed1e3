import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Storage
import TestSupport
import Testing
import TradingCore
import TradingEngine

/// `orchestrator run` killed with SIGKILL at random moments, then started again, must end with
/// exactly the books of a run that was never interrupted: no fill twice, no order twice, the same
/// ledger to the last digit.
@Suite("Crash safety of orchestrator run", .serialized)
struct CrashSafetyTests {
    static let replay = ["--symbols", "SP500,NASDAQCOMP", "--start", "2000-06-01", "--end", "2004-12-31", "--speed", "0", "--port", "0",
                         "--rebalance-every", "5", "--report-every", "100000"]

    /// A data folder with the two index series imported.
    static func preparedFolder() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for symbol in ["SP500", "NASDAQCOMP"] {
            let file = TestEnvironment.sampleDataDirectory.appendingPathComponent("\(symbol)_1d_1999-01-04_2018-12-31.csv").path
            let imported = try await CommandLineTests.run(["import", file, "--symbol", symbol, "--timeframe", "1d", "--asset-class", "index",
                                                     "--data-dir", directory.path])
            #expect(imported.status == 0, "\(imported.error)")
        }
        return directory
    }

    static let adminKey = "tok_" + String(repeating: "a", count: 43)

    static func start(_ directory: TemporaryDirectory, exitAtEnd: Bool, arguments: [String] = replay, output: Pipe? = nil) throws -> ChildProcess {
        let process = ChildProcess()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["run", "--data-dir", directory.path] + arguments + (exitAtEnd ? ["--exit-at-end"] : [])
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ORCHESTRATOR_") && $0.key != "DATABASE_URL" }
        environment["ORCHESTRATOR_SAMPLE_DATA_IMPORT"] = "false"
        environment["ORCHESTRATOR_AUTH_ADMIN_KEY"] = adminKey
        process.environment = environment
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Everything the account stored, read back through the store.
    struct Books: Equatable {
        let fills: [String]
        let orders: [String]
        let entries: [String]
        let marks: [String]
        let nextIndex: Int
    }

    static func nextIndex(_ directory: TemporaryDirectory) async throws -> Int {
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("orchestrator.sqlite")), clock: FixedClock())
        let index = (try? await store.tradingAccount(name: "paper"))??.nextIndex ?? 0
        try? await store.close()
        return index
    }

    static func books(_ directory: TemporaryDirectory) async throws -> Books {
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("orchestrator.sqlite")), clock: FixedClock())
        return try await withCleanup {
            let fills = try await store.tradingFills(account: "paper", limit: 100_000)
            let orders = try await store.tradingOrders(account: "paper", limit: 100_000)
            let entries = try await store.ledgerEntries(account: "paper", afterSequence: 0, limit: 1_000_000)
            let marks = try await store.equityHistory(account: "paper", limit: 1_000_000)
            return Books(fills: fills.map { "\($0.fillID) \($0.side) \($0.quantity) @ \($0.price) fee \($0.fee) \($0.time)" }.sorted(),
                         orders: orders.map { "\($0.clientOrderID) \($0.side) \($0.quantity) \($0.status) \($0.filledQuantity)" }.sorted(),
                         entries: entries.map { "\($0.sequence) \($0.account) \($0.amount)" },
                         marks: marks.map { "\($0.barIndex) \($0.equity) \($0.state)" },
                         nextIndex: try await store.tradingAccount(name: "paper")?.nextIndex ?? -1)
        } cleanup: {
            try? await store.close()
        }
    }

    @Test("kill -9 at random moments, then a restart: the same fills, orders, ledger and marks as an uninterrupted run")
    func killedRunEndsWithTheSameBooks() async throws {
        let straightFolder = try await Self.preparedFolder()
        let killedFolder = try await Self.preparedFolder()
        defer { straightFolder.remove(); killedFolder.remove() }
        let began = ContinuousClock.now
        let straight = try Self.start(straightFolder, exitAtEnd: true)
        await straight.exited()
        // Kills land anywhere from start-up to the end of a whole run's duration.
        let duration = ContinuousClock.now - began
        let milliseconds = Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        #expect(straight.terminationStatus == 0)
        let expected = try await Self.books(straightFolder)
        #expect(expected.fills.count > 5 && expected.marks.count > 1000)

        var generator = SystemRandomNumberGenerator()
        var killedAt: [Int] = []
        var progressSeen: [Int] = []
        // The killed runs are paced (500 bars/s, one transaction per bar) so that each kill lands
        // mid-replay; the uninterrupted run group-commits at full speed: the books must agree anyway.
        let paced = Self.replay.map { $0 == "0" ? "500" : $0 }
        for _ in 0..<5 {
            let process = try Self.start(killedFolder, exitAtEnd: true, arguments: paced)
            let delay = Int.random(in: 0...max(milliseconds / 2, 1), using: &generator)
            killedAt.append(delay)
            try await Task.sleep(for: .milliseconds(delay))
            // Then as soon as the run has stored a new step (so the kill lands mid-replay), unless it is over.
            let before = progressSeen.last ?? 0
            while process.isRunning, try await Self.nextIndex(killedFolder) <= before { try await Task.sleep(for: .milliseconds(Int.random(in: 1...30))) }
            kill(process.processIdentifier, SIGKILL)
            await process.exited()
            progressSeen.append(try await Self.books(killedFolder).nextIndex)
        }
        let last = try Self.start(killedFolder, exitAtEnd: true)
        await last.exited()
        #expect(last.terminationStatus == 0)
        let resumed = try await Self.books(killedFolder)
        // At least one kill must land mid-replay for the test to mean anything.
        #expect(progressSeen.filter { $0 > 0 && $0 < expected.nextIndex }.count >= 2, "kills after \(killedAt) ms saw bars \(progressSeen)")
        #expect(resumed.nextIndex == expected.nextIndex)
        #expect(resumed.fills == expected.fills, "kills after \(killedAt) ms")
        #expect(resumed.orders == expected.orders)
        #expect(resumed.entries == expected.entries)
        #expect(resumed.marks == expected.marks)
        #expect(Set(resumed.fills).count == resumed.fills.count)
    }

    @Test("while it trades, run serves the account and its metrics; SIGTERM stops it between steps with exit 0")
    func servesWhileTrading() async throws {
        let folder = try await Self.preparedFolder()
        defer { folder.remove() }
        let output = Pipe()
        let arguments = ["--symbols", "SP500,NASDAQCOMP", "--speed", "200", "--port", "0", "--report-every", "20"]
        let process = try Self.start(folder, exitAtEnd: false, arguments: arguments, output: output)
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while !text.contains("bar 21/") && Date() < deadline {
            let chunk = await output.fileHandleForReading.availableDataOffPool()
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("API:") })
        let port = try #require(line.firstMatch(of: /127\.0\.0\.1:(\d+)/)?.output.1)
        #expect(text.contains("Paper trading 'paper'"))
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/portfolio")!)
        request.setValue("Bearer \(Self.adminKey)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let portfolio = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect((portfolio?["bars_processed"] as? Int ?? 0) > 0 && portfolio?["state"] as? String == "ACTIVE")
        let (metrics, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        let exposition = String(decoding: metrics, as: UTF8.self)
        for name in ["orchestrator_trading_equity", "orchestrator_trading_bars_processed_total", "orchestrator_trading_state{state=\"ACTIVE\"} 1"] {
            #expect(exposition.contains(name), "\(name) missing from /metrics")
        }
        process.terminate()
        await process.exited()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let books = try await Self.books(folder)
        #expect(books.nextIndex > 20 && books.marks.count == books.nextIndex, "every processed bar is stored, and only those")
    }
}
