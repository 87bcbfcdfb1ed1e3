import Foundation
import HTTPServer
import Logging
import Storage
import TradingCore
import TradingEngine

/// The one-shot commands (`migrate`, `import`, `apikey …`, `version`), each returning its result
/// as JSON (the stable form) plus a table for people.
public enum AdministrationCommands {
    /// A command's result in both forms.
    public struct Output: Sendable {
        /// The stable JSON form.
        public let json: JSONValue
        /// Column titles of the table form.
        public let columns: [String]
        /// Rows of the table form.
        public let rows: [[String]]
        /// A line printed after the table (table format only).
        public let footer: String?

        /// Creates an output.
        public init(json: JSONValue, columns: [String], rows: [[String]], footer: String?) {
            self.json = json
            self.columns = columns
            self.rows = rows
            self.footer = footer
        }
    }

    /// Applies pending migrations.
    public static func migrate(_ configuration: OrchestratorConfiguration, logger: Logger) async throws -> Output {
        try await withStore(configuration, logger: logger) { store in
            // Opening the store migrates it; report the result.
            let version = try await store.schemaVersion()
            return Output(json: ["backend": .string(store.backendName), "schema_version": .int(version),
                                 "latest_schema_version": .int(store.latestSchemaVersion)],
                          columns: ["backend", "schema_version", "latest_schema_version"],
                          rows: [[store.backendName, String(version), String(store.latestSchemaVersion)]], footer: nil)
        }
    }

    /// Imports one CSV file.
    public static func importFile(_ request: MarketDataImporter.Request, configuration: OrchestratorConfiguration,
                                  logger: Logger) async throws -> Output {
        try await withStore(configuration, logger: logger) { store in
            let summaries = try await MarketDataImporter(store: store).importFile(request)
            return Output(json: ["file": .string(request.path), "series": .array(summaries.map(Representations.importSummary))],
                          columns: ["symbol", "timeframe", "received", "inserted", "updated", "unchanged"],
                          rows: summaries.map { [$0.symbol.rawValue, $0.timeframe.rawValue, String($0.received), String($0.inserted),
                                                 String($0.updated), String($0.unchanged)] },
                          footer: nil)
        }
    }

    /// Creates an API key; the key is the last line of the output.
    public static func createKey(name: String, role: APIKeyRole, configuration: OrchestratorConfiguration, logger: Logger) async throws -> (Output, key: String) {
        try await withStore(configuration, logger: logger) { store in
            let issued = try await APIKeyIssuer(store: store, clock: SystemClock()).issue(name: name, role: role)
            return (keyOutput([issued.record], json: Representations.createdAPIKey(issued.record, key: issued.key)), issued.key)
        }
    }

    /// Lists API keys (never the keys themselves).
    public static func listKeys(_ configuration: OrchestratorConfiguration, logger: Logger) async throws -> Output {
        try await withStore(configuration, logger: logger) { store in
            let keys = try await store.apiKeys()
            return keyOutput(keys, json: ["api_keys": .array(keys.map(Representations.apiKey))])
        }
    }

    /// Revokes an API key by id.
    public static func revokeKey(id: Int64, configuration: OrchestratorConfiguration, logger: Logger) async throws -> Output {
        try await withStore(configuration, logger: logger) { store in
            guard let record = try await store.revokeAPIKey(id: id, at: SystemClock().now()) else {
                throw NotFoundError(description: "no API key has id \(id)")
            }
            return keyOutput([record], json: Representations.apiKey(record))
        }
    }

    /// The build's version.
    public static func version() -> Output {
        Output(json: ["version": .string(ProductVersion.current), "schema_version": .int(Schema.latestVersion)],
               columns: ["version", "schema_version"], rows: [[ProductVersion.current, String(Schema.latestVersion)]], footer: nil)
    }

    private static func keyOutput(_ records: [APIKeyRecord], json: JSONValue) -> Output {
        Output(json: json, columns: ["id", "name", "role", "prefix", "created_at", "revoked_at"],
               rows: records.map { [String($0.id), $0.name, $0.role.rawValue, $0.prefix, $0.createdAt.iso8601, $0.revokedAt?.iso8601 ?? "-"] },
               footer: nil)
    }

    static func withStore<T>(_ configuration: OrchestratorConfiguration, logger: Logger,
                                     _ body: (SQLStore) async throws -> T) async throws -> T {
        let store = try await StoreFactory.open(configuration, logger: logger)
        do {
            let result = try await body(store)
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }
}

/// A thing the user named does not exist.
public struct NotFoundError: Error, Sendable, CustomStringConvertible {
    public let description: String
}
