import Foundation
import Storage
import Testing
import TestSupport

@Suite("SQLite: the log is copied into the database in the background, never by a commit")
struct SQLiteCheckpointTests {
    /// Writes about 6 MB in 50 transactions (more than the 1,000 pages at which SQLite's own checkpoint would run) and returns the database file's size right after, and
    /// the largest size seen within `wait`.
    static func write(checkpointInterval: Duration, wait: Duration) async throws -> (afterWrites: Int, later: Int) {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.file("checkpoint.sqlite")
        let database = try SQLiteDatabase(path: path, checkpointInterval: checkpointInterval)
        try await database.write([SQLStatement("CREATE TABLE payloads (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")])
        let body = String(repeating: "x", count: 4_000)
        for batch in 0..<50 {
            try await database.write((0..<30).map { SQLStatement("INSERT INTO payloads (id, body) VALUES (?, ?)", [.integer(Int64(batch * 30 + $0)), .text(body)]) })
        }
        func size() -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
        let afterWrites = size()
        var later = afterWrites
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline && later < 5_000_000 {
            try await Task.sleep(for: .milliseconds(50))
            later = max(later, size())
        }
        let rows = try await database.query(SQLStatement("SELECT COUNT(*) FROM payloads"))
        #expect(try rows.first?.integer(0) == 1_500)
        try await database.close()
        return (afterWrites, later)
    }

    @Test("the commits leave the log alone: with no background checkpoint due, the database file does not grow")
    func commitsDoNotCheckpoint() async throws {
        let sizes = try await Self.write(checkpointInterval: .seconds(3_600), wait: .milliseconds(500))
        #expect(sizes.later < 1_000_000, "\(sizes)")
    }

    @Test("the background checkpoint copies the log into the database file within its interval")
    func backgroundCheckpoint() async throws {
        let sizes = try await Self.write(checkpointInterval: .milliseconds(200), wait: .seconds(10))
        #expect(sizes.later >= 5_000_000, "\(sizes)")
    }
}
