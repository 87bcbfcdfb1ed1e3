import Foundation
import GRDB

/// SQLite through GRDB: one file in WAL mode, one writer and a pool of readers.
///
/// The log is copied into the database by a connection of its own, in the background, every
/// `checkpointInterval`: SQLite's automatic checkpoint runs inside the commit that fills the log,
/// so every thousandth page or so a commit — a live step on its way to the exchange — paid for
/// copying the log and syncing the file. The background checkpoint is PASSIVE: it never waits for
/// a lock nor holds up a writer.
public final class SQLiteDatabase: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    public let maximumConnections: Int
    private let pool: DatabasePool
    private let inFlight = InFlightCounter()
    private let checkpointer: DatabaseQueue
    private let checkpoints: Task<Void, Never>

    /// Opens (creating when needed) the database file at a path, creating its folder too.
    ///
    /// - Parameters:
    ///   - path: the database file.
    ///   - readerCount: how many connections may read at once.
    ///   - busyTimeout: how long a writer waits for another process's write lock before failing.
    ///   - checkpointInterval: how often the log is copied into the database in the background.
    public init(path: String, readerCount: Int = 4, busyTimeout: Duration = .seconds(30), checkpointInterval: Duration = .seconds(1)) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            // The folder holds key hashes, orders and the ledger: only its owner may enter it.
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        // SQLite creates its files with the process umask (often world-readable): create the
        // database file owner-only first; the -wal and -shm files take its permissions.
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        var configuration = Configuration()
        configuration.maximumReaderCount = readerCount
        configuration.busyMode = .timeout(TimeInterval(busyTimeout.components.seconds))
        configuration.prepareDatabase { database in
            try database.execute(sql: "PRAGMA foreign_keys = ON")
            // NORMAL is durable in WAL mode across application crashes; only an OS crash or power
            // loss can drop the last transactions.
            try database.execute(sql: "PRAGMA synchronous = NORMAL")
            try database.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        var checkpointing = Configuration()
        checkpointing.busyMode = .timeout(TimeInterval(busyTimeout.components.seconds))
        checkpointing.prepareDatabase { database in try database.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        let checkpointer = try DatabaseQueue(path: path, configuration: checkpointing)
        self.checkpointer = checkpointer
        maximumConnections = readerCount + 1
        checkpoints = Task.detached(priority: .utility) {
            while !Task.isCancelled {
                try? await Task.sleep(for: checkpointInterval)
                guard !Task.isCancelled else { return }
                _ = try? await checkpointer.writeWithoutTransaction { try $0.checkpoint(.passive) }
            }
        }
    }

    deinit {
        checkpoints.cancel()
    }

    public var operationsInFlight: Int { inFlight.value }

    public func query(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await inFlight.track {
            try await pool.read { database in try Self.run(statement, in: database) }
        }
    }

    @discardableResult
    public func write(_ statements: [SQLStatement]) async throws -> [[SQLRow]] {
        try await inFlight.track {
            try await pool.writeWithoutTransaction { database in
                var results: [[SQLRow]] = []
                // IMMEDIATE takes the write lock up front, so two processes wait for each other
                // instead of failing when a read transaction tries to upgrade.
                try database.inTransaction(.immediate) {
                    for statement in statements { results.append(try Self.run(statement, in: database)) }
                    return .commit
                }
                return results
            }
        }
    }

    public func migrate(_ migrations: [Migration]) async throws -> [Int] {
        try await inFlight.track {
            try await pool.writeWithoutTransaction { database in
                var applied: [Int] = []
                try database.inTransaction(.immediate) {
                    try database.execute(sql: migrationTableStatement)
                    let rows = try Self.run(appliedMigrationsQuery, in: database)
                    for migration in try pendingMigrations(migrations, appliedRows: rows) {
                        for statement in migration.statements(for: .sqlite) { try database.execute(sql: statement) }
                        try database.execute(
                            sql: "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                            arguments: [migration.version, migration.name, migration.checksum,
                                        Int64(Date().timeIntervalSince1970 * 1000)])
                        applied.append(migration.version)
                    }
                    return .commit
                }
                return applied
            }
        }
    }

    public func close() async throws {
        checkpoints.cancel()
        // What the log still holds goes into the database before the connections close.
        _ = try? await checkpointer.writeWithoutTransaction { try $0.checkpoint(.passive) }
        try checkpointer.close()
        try pool.close()
    }

    private static func run(_ statement: SQLStatement, in database: Database) throws -> [SQLRow] {
        let prepared = try database.cachedStatement(sql: statement.sql)
        try prepared.setArguments(StatementArguments(statement.binds.map(Self.databaseValue)))
        let cursor = try Row.fetchCursor(prepared)
        let columnCount = prepared.columnCount
        var rows: [SQLRow] = []
        // Read columns straight from the statement at its current row: GRDB's generic `row[i]`
        // decoding costs a metadata lookup per value, the largest cost of the bars route.
        while try cursor.next() != nil {
            var values: [SQLValue] = []
            values.reserveCapacity(columnCount)
            for index in 0..<CInt(columnCount) {
                values.append(Self.sqlValue(DatabaseValue(sqliteStatement: prepared.sqliteStatement, index: index)))
            }
            rows.append(SQLRow(values: values))
        }
        return rows
    }

    private static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let integer): integer.databaseValue
        case .real(let real): real.databaseValue
        case .text(let text): text.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        }
    }

    private static func sqlValue(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let integer): .integer(integer)
        case .double(let real): .real(real)
        case .string(let text): .text(text)
        case .blob(let data): .blob(Array(data))
        }
    }
}
