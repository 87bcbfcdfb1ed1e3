import Foundation
import Testing
import Logging
import Storage
import TestSupport
import TradingCore

/// A database back end the conformance suite runs against.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }

    /// SQLite always; PostgreSQL when `scripts/test` started a server.
    static var available: [Backend] {
        TestEnvironment.postgresURL == nil ? [.sqlite] : [.sqlite, .postgresql]
    }
}

/// A fresh, migrated store on one back end: a new SQLite file, or a new PostgreSQL database.
struct StoreFixture {
    let store: SQLStore
    let clock: FixedClock
    let backend: Backend
    private let cleanup: @Sendable () async -> Void
    /// Opens another store on the same database (a second process, as far as the database knows).
    let openAnother: @Sendable () async throws -> SQLStore

    static let logger = Logger(label: "storage-tests")

    static func make(_ backend: Backend, migrate: Bool = true) async throws -> StoreFixture {
        let clock = FixedClock()
        switch backend {
        case .sqlite:
            let directory = try TemporaryDirectory()
            let path = directory.file("test.sqlite")
            let open: @Sendable () async throws -> SQLStore = { SQLStore(database: try SQLiteDatabase(path: path), clock: clock) }
            let store = try await open()
            if migrate { try await store.migrate() }
            return StoreFixture(store: store, clock: clock, backend: backend,
                                cleanup: { try? await store.close(); directory.remove() }, openAnother: open)
        case .postgresql:
            let maintenance = try PostgresConnectionSettings(url: TestEnvironment.postgresURL!)
            let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let admin = PostgresDatabase(settings: maintenance, maximumConnections: 1, logger: logger)
            do {
                _ = try await admin.query(SQLStatement("CREATE DATABASE \(name)"))
            } catch {
                try? await admin.close()
                throw error
            }
            var components = URLComponents(string: TestEnvironment.postgresURL!)!
            components.path = "/" + name
            let settings = try PostgresConnectionSettings(url: components.string!)
            let open: @Sendable () async throws -> SQLStore = {
                SQLStore(database: PostgresDatabase(settings: settings, maximumConnections: 4, logger: logger), clock: clock)
            }
            let store = try await open()
            if migrate { try await store.migrate() }
            return StoreFixture(store: store, clock: clock, backend: backend, cleanup: {
                try? await store.close()
                _ = try? await admin.query(SQLStatement("DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
                try? await admin.close()
            }, openAnother: open)
        }
    }

    func close() async { await cleanup() }
}

/// Runs a test body against a fresh store and always cleans up.
func withStore(_ backend: Backend, migrate: Bool = true, _ body: (StoreFixture) async throws -> Void) async throws {
    let fixture = try await StoreFixture.make(backend, migrate: migrate)
    do {
        try await body(fixture)
        await fixture.close()
    } catch {
        await fixture.close()
        throw error
    }
}

/// Bars for tests: one per hour from a start, closes rising by one.
func hourlyBars(count: Int, startingAt start: String = "2024-01-01T00:00:00Z", base: Int = 100) throws -> [Bar] {
    let origin = Timestamp(iso8601: start)!
    return try (0..<count).map { index in
        let close = Price(FixedDecimal(base + index))
        return try Bar(openTime: origin.adding(milliseconds: Int64(index) * 3_600_000), open: close,
                       high: Price(FixedDecimal(base + index + 1)), low: Price(FixedDecimal(base + index - 1)), close: close,
                       volume: Quantity(FixedDecimal("1.25")!))
    }
}
