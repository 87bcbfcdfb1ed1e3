import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// PostgreSQL through postgres-nio's pooled client.
public final class PostgresDatabase: SQLDatabase {
    public let dialect = SQLDialect.postgresql
    public let maximumConnections: Int
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger
    private let inFlight = InFlightCounter()
    private let leadership: AdvisoryLeadership
    private let deadline: OperationDeadline

    /// A fixed key for the advisory lock that serialises migrations across processes.
    static let migrationLockKey: Int64 = 0x4f52_4348_4d49_4752  // "ORCHMIGR"

    /// Creates a pooled client and starts its connection pool, which keeps `minimumConnections`
    /// open when idle and checks an idle connection every `keepAlive` (nil: never); a query or a
    /// transaction not answered within `operationTimeout` fails with `DatabaseTimeoutError`
    /// instead of waiting on.
    ///
    /// Each connection given back to the pool starts a keep-alive timer and, when it is one opened
    /// on demand (beyond the minimum), an idle timer of 60 s; the next lease cancels them, but a
    /// cancelled `Task.sleep` keeps its memory until its deadline (swiftlang/swift#60441). Under
    /// about 2,700 requests a second an API process held about 215 MB more than before the load;
    /// with no keep-alive and the minimum one below the maximum, 10–27 MB more (docs/benchmarks.md).
    public init(settings: PostgresConnectionSettings, maximumConnections: Int = 10, minimumConnections: Int = 0, keepAlive: Duration? = .seconds(30),
                operationTimeout: Duration = .seconds(30), logger: Logger) {
        deadline = OperationDeadline(limit: operationTimeout)
        let tls: PostgresClient.Configuration.TLS
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        switch settings.tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(unverified)
        case .require: tls = .require(unverified)
        case .verifyFull: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: settings.host, port: settings.port, username: settings.username,
                                                         password: settings.password, database: settings.database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = min(max(0, minimumConnections), maximumConnections - 1)
        configuration.options.keepAliveBehavior = keepAlive.map { PostgresClient.Configuration.Options.KeepAliveBehavior(frequency: $0) }
        configuration.options.connectTimeout = .seconds(10)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        let connectionIDs = Mutex(0)
        let unverifiedTLS = unverified
        leadership = AdvisoryLeadership(logger: logger) {
            let tls: PostgresConnection.Configuration.TLS
            switch settings.tlsMode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: unverifiedTLS))
            case .require: tls = .require(try NIOSSLContext(configuration: unverifiedTLS))
            case .verifyFull: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            var connection = PostgresConnection.Configuration(host: settings.host, port: settings.port, username: settings.username,
                                                              password: settings.password, database: settings.database, tls: tls)
            connection.options.connectTimeout = .seconds(10)
            let id = connectionIDs.withLock { value in value += 1; return value }
            return try await PostgresConnection.connect(configuration: connection, id: id, logger: logger)
        }
        self.logger = logger
        self.maximumConnections = maximumConnections
        runTask = Task { await client.run() }
    }

    public var operationsInFlight: Int { inFlight.value }

    public func query(_ statement: SQLStatement) async throws -> [SQLRow] {
        let query = try Self.postgresQuery(statement)
        let client = client, logger = logger
        return try await inFlight.track {
            try await deadline.run(Self.summary(of: statement)) { try await Self.decode(client.query(query, logger: logger)) }
        }
    }

    @discardableResult
    public func write(_ statements: [SQLStatement]) async throws -> [[SQLRow]] {
        let queries = try statements.map(Self.postgresQuery)
        let client = client, logger = logger
        let operation = "a transaction of \(statements.count) statement(s) starting \(statements.first.map(Self.summary(of:)) ?? "-")"
        return try await inFlight.track {
            try await deadline.run(operation) {
                do {
                    return try await client.withTransaction(logger: logger) { connection in
                        var results: [[SQLRow]] = []
                        for query in queries {
                            results.append(try await Self.decode(connection.query(query, logger: logger)))
                        }
                        return results
                    }
                } catch let error as PostgresTransactionError {
                    throw Self.cause(of: error)
                }
            }
        }
    }

    /// A statement's first words, for an error that says which operation went unanswered (never its values).
    static func summary(of statement: SQLStatement) -> String {
        let words = statement.sql.split(whereSeparator: \.isWhitespace).prefix(6).joined(separator: " ")
        return "`\(words.prefix(60))…`"
    }

    public func migrate(_ migrations: [Migration]) async throws -> [Int] {
        try await inFlight.track {
            try await client.withConnection { connection in
                let lock = SQLStatement("SELECT pg_advisory_lock(?)", [.integer(Self.migrationLockKey)])
                _ = try await Self.decode(connection.query(try Self.postgresQuery(lock), logger: logger))
                do {
                    let applied = try await applyPending(migrations, on: connection)
                    try await unlock(connection)
                    return applied
                } catch {
                    try? await unlock(connection)
                    throw error
                }
            }
        }
    }

    private func unlock(_ connection: PostgresConnection) async throws {
        let unlock = SQLStatement("SELECT pg_advisory_unlock(?)", [.integer(Self.migrationLockKey)])
        _ = try await Self.decode(connection.query(try Self.postgresQuery(unlock), logger: logger))
    }

    private func applyPending(_ migrations: [Migration], on connection: PostgresConnection) async throws -> [Int] {
        _ = try await Self.decode(connection.query(try Self.postgresQuery(SQLStatement(migrationTableStatement)), logger: logger))
        let rows = try await Self.decode(connection.query(try Self.postgresQuery(appliedMigrationsQuery), logger: logger))
        var applied: [Int] = []
        for migration in try pendingMigrations(migrations, appliedRows: rows) {
            let record = SQLStatement(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, (EXTRACT(EPOCH FROM now()) * 1000)::bigint)",
                [.integer(Int64(migration.version)), .text(migration.name), .text(migration.checksum)])
            do {
                try await connection.withTransaction(logger: logger) { transaction in
                    for statement in migration.statements(for: .postgresql) {
                        _ = try await Self.decode(transaction.query(try Self.postgresQuery(SQLStatement(statement)), logger: logger))
                    }
                    _ = try await Self.decode(transaction.query(try Self.postgresQuery(record), logger: logger))
                }
            } catch let error as PostgresTransactionError {
                throw Self.cause(of: error)
            }
            applied.append(migration.version)
        }
        return applied
    }

    /// The server's error inside a transaction failure, not the wrapper that only says which phase failed.
    private static func cause(of error: PostgresTransactionError) -> any Error {
        error.closureError ?? error.commitError ?? error.beginError ?? error
    }

    /// Whether `holder` leads `name` now, by a session-level advisory lock (see `AdvisoryLeadership`).
    public func holdLeadership(name: String, holder: String) async throws -> Bool {
        try await leadership.acquire(name: name, holder: holder)
    }

    /// Gives the leadership up.
    public func releaseLeadership(name: String, holder: String) async {
        await leadership.release(name: name, holder: holder)
    }

    public func close() async throws {
        await leadership.releaseAll()
        runTask.cancel()
        await runTask.value
    }

    /// Rewrites `?` placeholders as `$1, $2, …` and binds the values. Question marks inside quoted
    /// strings or identifiers and in comments are left alone; a count that does not match the
    /// values is a programming error caught before anything is sent.
    static func postgresQuery(_ statement: SQLStatement) throws -> PostgresQuery {
        var sql = ""
        sql.reserveCapacity(statement.sql.utf8.count + 16)
        var number = 0
        var quote: Character? = nil
        var inLineComment = false
        var previous: Character? = nil
        for character in statement.sql {
            if inLineComment {
                if character == "\n" { inLineComment = false }
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "-" && previous == "-" {
                inLineComment = true
            } else if character == "?" {
                number += 1
                sql += "$\(number)"
                previous = character
                continue
            }
            sql.append(character)
            previous = character
        }
        guard number == statement.binds.count else {
            throw SQLStatementError(placeholders: number, values: statement.binds.count)
        }
        var bindings = PostgresBindings(capacity: statement.binds.count)
        for value in statement.binds {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .real(let real): bindings.append(real)
            case .text(let text): bindings.append(text)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    private static func decode(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for try await row in sequence {
            var values: [SQLValue] = []
            values.reserveCapacity(row.count)
            for cell in row {
                values.append(try value(of: cell))
            }
            rows.append(SQLRow(values: values))
        }
        return rows
    }

    private static func value(of cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea:
            var buffer = try cell.decode(ByteBuffer.self)
            return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
        default: return .text(try cell.decode(String.self))
        }
    }
}
