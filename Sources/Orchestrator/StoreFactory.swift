import Logging
import Storage
import TradingCore

/// Opens the store the configuration names and brings its schema up to date.
public enum StoreFactory {
    /// Opens SQLite under the data folder, or PostgreSQL when `database.url` is set, and migrates it.
    public static func open(_ configuration: OrchestratorConfiguration, logger: Logger) async throws -> SQLStore {
        let database: any SQLDatabase
        if let url = configuration.databaseURL {
            let settings: PostgresConnectionSettings
            do {
                settings = try PostgresConnectionSettings(url: url)
            } catch {
                throw ConfigurationError(key: "database.url", accepted: "postgres://user:password@host:5432/database[?sslmode=disable|prefer|require]",
                                         problem: error.reason)
            }
            logger.info("opening PostgreSQL", metadata: ["database": .string(settings.description)])
            database = PostgresDatabase(settings: settings, maximumConnections: configuration.databasePoolSize,
                                        minimumConnections: configuration.databasePoolMinimum,
                                        keepAlive: configuration.databaseKeepAliveSeconds > 0 ? .seconds(configuration.databaseKeepAliveSeconds) : nil,
                                        operationTimeout: .seconds(configuration.databaseOperationTimeoutSeconds), logger: logger)
        } else {
            logger.info("opening SQLite", metadata: ["path": .string(configuration.sqlitePath)])
            database = try SQLiteDatabase(path: configuration.sqlitePath)
        }
        let store = SQLStore(database: database, clock: SystemClock())
        do {
            let applied = try await store.migrate()
            if !applied.isEmpty { logger.info("migrated schema", metadata: ["versions": .string(applied.map(String.init).joined(separator: ","))]) }
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }
}
