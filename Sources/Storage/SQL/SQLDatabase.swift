/// The few operations the store needs from a SQL database; SQLite and PostgreSQL implement it.
///
/// Reads run alone; writes are lists of statements run in one transaction, so a write either
/// happens whole or not at all. The store computes what to write before it writes, which keeps
/// one store implementation for both back ends (GRDB transactions are synchronous closures and
/// cannot await a PostgreSQL round trip, so a shared async transaction body is not possible).
public protocol SQLDatabase: Sendable {
    /// The SQL flavour.
    var dialect: SQLDialect { get }
    /// Runs one query and returns its rows.
    func query(_ statement: SQLStatement) async throws -> [SQLRow]
    /// Runs statements in one transaction and returns each one's rows (for `RETURNING`).
    @discardableResult
    func write(_ statements: [SQLStatement]) async throws -> [[SQLRow]]
    /// Applies the migrations not applied yet, holding a lock so two processes never apply the same one.
    /// Returns the versions applied now.
    func migrate(_ migrations: [Migration]) async throws -> [Int]
    /// The most connections the database opens.
    var maximumConnections: Int { get }
    /// Operations running now.
    var operationsInFlight: Int { get }
    /// Closes every connection.
    func close() async throws
}
