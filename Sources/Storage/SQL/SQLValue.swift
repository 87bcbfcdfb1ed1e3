/// A value bound to or read from SQL, in the types both SQLite and PostgreSQL hold the same way.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// One statement and its bound values; `?` marks each parameter in both dialects.
public struct SQLStatement: Sendable {
    /// The SQL text with `?` placeholders.
    public let sql: String
    /// The values, one per placeholder.
    public let binds: [SQLValue]

    /// Creates a statement.
    public init(_ sql: String, _ binds: [SQLValue] = []) {
        self.sql = sql
        self.binds = binds
    }
}

/// One result row, read by column position.
public struct SQLRow: Sendable {
    /// The values in select-list order.
    public let values: [SQLValue]

    /// Creates a row.
    public init(values: [SQLValue]) { self.values = values }

    /// The integer at a column, or nil when it is NULL.
    public func optionalInteger(_ index: Int) throws(SQLDecodingError) -> Int64? {
        switch values[index] {
        case .null: return nil
        case .integer(let value): return value
        default: throw SQLDecodingError(column: index, expected: "integer", found: values[index])
        }
    }

    /// The integer at a column.
    public func integer(_ index: Int) throws(SQLDecodingError) -> Int64 {
        guard let value = try optionalInteger(index) else { throw SQLDecodingError(column: index, expected: "integer", found: .null) }
        return value
    }

    /// A floating-point column (an integer is widened, as SQLite may store 1.0 as 1).
    public func real(_ index: Int) throws(SQLDecodingError) -> Double {
        guard let value = try optionalReal(index) else { throw SQLDecodingError(column: index, expected: "real", found: .null) }
        return value
    }

    /// A floating-point column, or nil when it is NULL.
    public func optionalReal(_ index: Int) throws(SQLDecodingError) -> Double? {
        switch values[index] {
        case .null: return nil
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: throw SQLDecodingError(column: index, expected: "real", found: values[index])
        }
    }

    /// The text at a column, or nil when it is NULL.
    public func optionalText(_ index: Int) throws(SQLDecodingError) -> String? {
        switch values[index] {
        case .null: return nil
        case .text(let value): return value
        default: throw SQLDecodingError(column: index, expected: "text", found: values[index])
        }
    }

    /// The text at a column.
    public func text(_ index: Int) throws(SQLDecodingError) -> String {
        guard let value = try optionalText(index) else { throw SQLDecodingError(column: index, expected: "text", found: .null) }
        return value
    }
}

/// A column held a value of an unexpected type: a schema and code mismatch.
public struct SQLDecodingError: Error, Sendable, CustomStringConvertible {
    /// The column position.
    public let column: Int
    /// The type the code expected.
    public let expected: String
    /// What the row held.
    public let found: SQLValue

    public var description: String { "column \(column): expected \(expected), found \(found)" }
}

/// The SQL flavour a database speaks, for the few statements that differ.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgresql
}

extension Optional where Wrapped == String {
    /// The text, or NULL.
    var sqlValue: SQLValue { map(SQLValue.text) ?? .null }
}

extension Optional where Wrapped == Int64 {
    /// The integer, or NULL.
    var sqlValue: SQLValue { map(SQLValue.integer) ?? .null }
}

/// A statement whose placeholders do not match its values: a bug in the calling code.
public struct SQLStatementError: Error, Sendable, CustomStringConvertible {
    /// `?` placeholders found.
    public let placeholders: Int
    /// Values given.
    public let values: Int
    public var description: String { "statement has \(placeholders) placeholders but \(values) values" }
}
