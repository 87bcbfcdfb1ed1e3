import TradingCore
import TradingEngine

/// The one store implementation, over SQLite or PostgreSQL through `SQLDatabase`.
public final class SQLStore: Store {
    /// The database underneath.
    public let database: SQLDatabase
    let clock: any TradingClock

    /// Rows per multi-row INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
    static let rowsPerInsert = 500

    /// Creates a store over a database; call `migrate()` before use.
    public init(database: SQLDatabase, clock: any TradingClock) {
        self.database = database
        self.clock = clock
    }

    /// Applies pending migrations; returns the versions applied now.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await database.migrate(Schema.migrations)
    }

    public func close() async throws {
        try await database.close()
    }

    // MARK: StoreHealth

    public var backendName: String { database.dialect.rawValue }
    public var latestSchemaVersion: Int { Schema.latestVersion }

    public func ping() async throws -> Duration {
        let start = ContinuousClock.now
        _ = try await database.query(SQLStatement("SELECT 1"))
        return ContinuousClock.now - start
    }

    public func schemaVersion() async throws -> Int {
        let rows = try await database.query(SQLStatement("SELECT MAX(version) FROM schema_migrations"))
        return Int(try rows.first?.optionalInteger(0) ?? 0)
    }

    public func poolStatistics() -> StorePoolStatistics {
        StorePoolStatistics(maximumConnections: database.maximumConnections, operationsInFlight: database.operationsInFlight)
    }

    // MARK: MarketDataStore

    public func hasAnyBars() async throws -> Bool {
        try await !database.query(SQLStatement("SELECT 1 FROM bar_series WHERE bar_count > 0 LIMIT 1")).isEmpty
    }

    public func importBars(_ batch: BarImportBatch) async throws -> BarImportSummary {
        try await importBars([batch])[0]
    }

    public func importBars(_ batches: [BarImportBatch]) async throws -> [BarImportSummary] {
        let now = clock.now().millisecondsSinceEpoch
        var statements: [SQLStatement] = []
        var summaries: [BarImportSummary] = []
        for batch in batches {
            let plan = try await planImport(batch)
            summaries.append(plan.summary)
            statements += importStatements(batch, plan: plan, now: now)
        }
        try await database.write(statements)
        return summaries
    }

    /// The statements that store one closed bar of a live feed with the step that first used it:
    /// an upsert without the import's planning reads, and the series' summary moved on without
    /// counting its bars (a count reads every bar of the series, which grows with every minute of a
    /// live run) unless the bar is not the newest. The series exists already: the feed's backfill
    /// went through `importBars`, which checks its kind. No import is logged: nothing was imported.
    static func liveBarStatements(symbol: Symbol, timeframe: Timeframe, bar: Bar, now: Int64) -> [SQLStatement] {
        let instrumentID = "(SELECT id FROM instruments WHERE symbol = ?)"
        let symbolValue = SQLValue.text(symbol.rawValue), timeframeValue = SQLValue.text(timeframe.rawValue)
        let openTime = SQLValue.integer(bar.openTime.millisecondsSinceEpoch)
        let series = "instrument_id = bar_series.instrument_id AND timeframe = bar_series.timeframe"
        return [
            upsertBars([StoredBar(bar)], symbol: symbolValue, timeframe: timeframeValue),
            // In SET, the series' columns are read as they were before this update.
            SQLStatement("""
                UPDATE bar_series SET
                    bar_count = CASE WHEN last_open_time IS NULL OR ? > last_open_time THEN bar_count + 1
                                     ELSE (SELECT COUNT(*) FROM bars WHERE \(series)) END,
                    first_open_time = CASE WHEN first_open_time IS NULL OR ? < first_open_time THEN ? ELSE first_open_time END,
                    last_open_time = CASE WHEN last_open_time IS NULL OR ? > last_open_time THEN ? ELSE last_open_time END,
                    history_revision = CASE WHEN last_open_time IS NULL OR ? > last_open_time THEN history_revision ELSE history_revision + 1 END,
                    updated_at = ?, revision = revision + 1
                WHERE instrument_id = \(instrumentID) AND timeframe = ?
                """, [openTime, openTime, openTime, openTime, openTime, openTime, .integer(now), symbolValue, timeframeValue]),
        ]
    }

    /// One statement that inserts the bars of a series, or updates the ones stored at their open times.
    private static func upsertBars(_ bars: ArraySlice<StoredBar>, symbol: SQLValue, timeframe: SQLValue) -> SQLStatement {
        let rowPlaceholder = "((SELECT id FROM instruments WHERE symbol = ?), ?, ?, ?, ?, ?, ?, ?)"
        var binds: [SQLValue] = []
        binds.reserveCapacity(bars.count * 8)
        for bar in bars {
            binds += [symbol, timeframe, .integer(bar.openTime.millisecondsSinceEpoch), .text(bar.open), .text(bar.high),
                      .text(bar.low), .text(bar.close), bar.volume.sqlValue]
        }
        return SQLStatement(
            """
            INSERT INTO bars (instrument_id, timeframe, open_time, open, high, low, close, volume)
            VALUES \(Array(repeating: rowPlaceholder, count: bars.count).joined(separator: ", "))
            ON CONFLICT (instrument_id, timeframe, open_time) DO UPDATE SET
            open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume
            """, binds)
    }

    /// Which bars of a batch are new and which changed, judged against what is stored now.
    private struct ImportPlan {
        var toWrite: [StoredBar] = []
        var summary: BarImportSummary
    }

    private func planImport(_ batch: BarImportBatch) async throws -> ImportPlan {
        let incoming = batch.bars.map(StoredBar.init)
        var plan = ImportPlan(summary: BarImportSummary(symbol: batch.instrument.symbol, timeframe: batch.timeframe,
                                                        received: incoming.count, inserted: 0, updated: 0, unchanged: 0))
        let seriesRows = try await database.query(SQLStatement(
            "SELECT s.kind FROM bar_series s JOIN instruments i ON i.id = s.instrument_id WHERE i.symbol = ? AND s.timeframe = ?",
            [.text(batch.instrument.symbol.rawValue), .text(batch.timeframe.rawValue)]))
        if let storedKind = try seriesRows.first?.text(0), storedKind != batch.kind.rawValue {
            throw StoreError.seriesKindMismatch(symbol: batch.instrument.symbol, timeframe: batch.timeframe,
                                                stored: storedKind, incoming: batch.kind.rawValue)
        }
        guard let first = incoming.first, let last = incoming.last else { return plan }
        var existing: [Int64: StoredBar] = [:]
        if !seriesRows.isEmpty {
            let rows = try await database.query(SQLStatement(
                """
                SELECT b.open_time, b.open, b.high, b.low, b.close, b.volume FROM bars b
                JOIN instruments i ON i.id = b.instrument_id
                WHERE i.symbol = ? AND b.timeframe = ? AND b.open_time >= ? AND b.open_time <= ?
                """,
                [.text(batch.instrument.symbol.rawValue), .text(batch.timeframe.rawValue),
                 .integer(first.openTime.millisecondsSinceEpoch), .integer(last.openTime.millisecondsSinceEpoch)]))
            for row in rows {
                let bar = try Self.storedBar(row)
                existing[bar.openTime.millisecondsSinceEpoch] = bar
            }
        }
        var inserted = 0, updated = 0, unchanged = 0
        for bar in incoming {
            switch existing[bar.openTime.millisecondsSinceEpoch] {
            case nil:
                inserted += 1
                plan.toWrite.append(bar)
            case let stored? where stored != bar:
                updated += 1
                plan.toWrite.append(bar)
            default:
                unchanged += 1
            }
        }
        plan.summary = BarImportSummary(symbol: batch.instrument.symbol, timeframe: batch.timeframe, received: incoming.count,
                                        inserted: inserted, updated: updated, unchanged: unchanged)
        return plan
    }

    private func importStatements(_ batch: BarImportBatch, plan: ImportPlan, now: Int64) -> [SQLStatement] {
        let symbol = SQLValue.text(batch.instrument.symbol.rawValue)
        let timeframe = SQLValue.text(batch.timeframe.rawValue)
        let instrumentID = "(SELECT id FROM instruments WHERE symbol = ?)"
        var statements = [
            SQLStatement(
                "INSERT INTO instruments (symbol, asset_class, quote_currency, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (symbol) DO NOTHING",
                [symbol, .text(batch.instrument.assetClass.rawValue), batch.instrument.quoteCurrency.sqlValue, .integer(now)]),
            SQLStatement(
                """
                INSERT INTO bar_series (instrument_id, timeframe, kind, bar_count, first_open_time, last_open_time, updated_at)
                VALUES (\(instrumentID), ?, ?, 0, NULL, NULL, ?) ON CONFLICT (instrument_id, timeframe) DO NOTHING
                """,
                [symbol, timeframe, .text(batch.kind.rawValue), .integer(now)]),
        ]
        var index = 0
        while index < plan.toWrite.count {
            statements.append(Self.upsertBars(plan.toWrite[index..<min(index + Self.rowsPerInsert, plan.toWrite.count)], symbol: symbol, timeframe: timeframe))
            index += Self.rowsPerInsert
        }
        statements.append(SQLStatement(
            """
            UPDATE bar_series SET
                bar_count = (SELECT COUNT(*) FROM bars WHERE instrument_id = bar_series.instrument_id AND timeframe = bar_series.timeframe),
                first_open_time = (SELECT MIN(open_time) FROM bars WHERE instrument_id = bar_series.instrument_id AND timeframe = bar_series.timeframe),
                last_open_time = (SELECT MAX(open_time) FROM bars WHERE instrument_id = bar_series.instrument_id AND timeframe = bar_series.timeframe),
                history_revision = history_revision + CASE WHEN ? = 1 OR (last_open_time IS NOT NULL AND ? <= last_open_time) THEN 1 ELSE 0 END,
                updated_at = ?, revision = revision + \(plan.toWrite.isEmpty ? 0 : 1)
            WHERE instrument_id = \(instrumentID) AND timeframe = ?
            """, [.integer(plan.summary.updated > 0 ? 1 : 0), .integer(plan.toWrite.map(\.openTime.millisecondsSinceEpoch).min() ?? .max),
                  .integer(now), symbol, timeframe]))
        let summary = plan.summary
        statements.append(SQLStatement(
            """
            INSERT INTO market_data_imports (source, instrument_id, timeframe, received, inserted, updated, unchanged, imported_at)
            VALUES (?, \(instrumentID), ?, ?, ?, ?, ?, ?)
            """,
            [.text(batch.source), symbol, timeframe, .integer(Int64(summary.received)), .integer(Int64(summary.inserted)),
             .integer(Int64(summary.updated)), .integer(Int64(summary.unchanged)), .integer(now)]))
        return statements
    }

    public func instruments() async throws -> [InstrumentSummary] {
        let rows = try await database.query(SQLStatement(
            """
            SELECT i.symbol, i.asset_class, i.quote_currency, s.timeframe, s.kind, s.bar_count, s.first_open_time, s.last_open_time, s.revision,
                s.history_revision
            FROM instruments i LEFT JOIN bar_series s ON s.instrument_id = i.id
            ORDER BY i.symbol
            """))
        var summaries: [InstrumentSummary] = []
        for row in rows {
            let symbolText = try row.text(0)
            guard let symbol = Symbol(symbolText) else { throw StoreError.corruptValue(column: "instruments.symbol", value: symbolText) }
            let instrument = Instrument(symbol: symbol, assetClass: AssetClass(rawValue: try row.text(1)) ?? .unknown,
                                        quoteCurrency: try row.optionalText(2))
            var series: [BarSeriesSummary] = []
            if let timeframeText = try row.optionalText(3) {
                guard let timeframe = Timeframe(rawValue: timeframeText), let kind = BarSeriesKind(rawValue: try row.text(4)) else {
                    throw StoreError.corruptValue(column: "bar_series.timeframe", value: timeframeText)
                }
                series.append(BarSeriesSummary(timeframe: timeframe, kind: kind, barCount: Int(try row.integer(5)),
                                               firstOpenTime: try row.optionalInteger(6).map(Timestamp.init(millisecondsSinceEpoch:)),
                                               lastOpenTime: try row.optionalInteger(7).map(Timestamp.init(millisecondsSinceEpoch:)),
                                               revision: try row.integer(8), historyRevision: try row.integer(9)))
            }
            if let last = summaries.last, last.instrument.symbol == symbol {
                summaries[summaries.count - 1] = InstrumentSummary(instrument: last.instrument,
                                                                   series: (last.series + series).sorted { $0.timeframe < $1.timeframe })
            } else {
                summaries.append(InstrumentSummary(instrument: instrument, series: series))
            }
        }
        return summaries
    }

    public func bars(_ query: BarQuery) async throws -> BarPage {
        let rows = try await database.query(SQLStatement(
            """
            SELECT b.open_time, b.open, b.high, b.low, b.close, b.volume FROM bars b
            WHERE b.instrument_id = (SELECT id FROM instruments WHERE symbol = ?) AND b.timeframe = ?
              AND b.open_time >= ? AND b.open_time < ?
            ORDER BY b.open_time LIMIT ?
            """,
            [.text(query.symbol.rawValue), .text(query.timeframe.rawValue),
             .integer(query.start?.millisecondsSinceEpoch ?? Int64.min), .integer(query.end?.millisecondsSinceEpoch ?? Int64.max),
             .integer(Int64(query.limit) + 1)]))
        var bars: [StoredBar] = []
        bars.reserveCapacity(min(rows.count, query.limit))
        for row in rows.prefix(query.limit) { bars.append(try Self.storedBar(row)) }
        let nextStart = rows.count > query.limit ? try Self.storedBar(rows[query.limit]).openTime : nil
        var exists = !bars.isEmpty
        if !exists {
            exists = try await !database.query(SQLStatement(
                "SELECT 1 FROM bar_series s JOIN instruments i ON i.id = s.instrument_id WHERE i.symbol = ? AND s.timeframe = ?",
                [.text(query.symbol.rawValue), .text(query.timeframe.rawValue)])).isEmpty
        }
        return BarPage(bars: bars, nextStart: nextStart, seriesExists: exists)
    }

    private static func storedBar(_ row: SQLRow) throws -> StoredBar {
        StoredBar(openTime: Timestamp(millisecondsSinceEpoch: try row.integer(0)), open: try row.text(1), high: try row.text(2),
                  low: try row.text(3), close: try row.text(4), volume: try row.optionalText(5))
    }

    // MARK: APIKeyStore

    private static let apiKeyColumns = "id, name, role, key_prefix, key_hash, created_at, revoked_at"

    public func createAPIKey(_ key: NewAPIKey) async throws -> APIKeyRecord {
        let results = try await database.write([SQLStatement(
            "INSERT INTO api_keys (name, role, key_prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING \(Self.apiKeyColumns)",
            [.text(key.name), .text(key.role.rawValue), .text(key.prefix), .text(key.hash), .integer(key.createdAt.millisecondsSinceEpoch)])])
        return try Self.apiKeyRecord(results[0][0])
    }

    public func apiKeys() async throws -> [APIKeyRecord] {
        try await database.query(SQLStatement("SELECT \(Self.apiKeyColumns) FROM api_keys ORDER BY id")).map(Self.apiKeyRecord)
    }

    public func revokeAPIKey(id: Int64, at time: Timestamp) async throws -> APIKeyRecord? {
        // COALESCE keeps the first revocation time when a key is revoked twice.
        let results = try await database.write([SQLStatement(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING \(Self.apiKeyColumns)",
            [.integer(time.millisecondsSinceEpoch), .integer(id)])])
        return try results[0].first.map(Self.apiKeyRecord)
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await database.query(SQLStatement("SELECT \(Self.apiKeyColumns) FROM api_keys WHERE key_hash = ?", [.text(hash)]))
            .first.map(Self.apiKeyRecord)
    }

    public func activeAPIKeyCount(role: APIKeyRole) async throws -> Int {
        let rows = try await database.query(SQLStatement(
            "SELECT COUNT(*) FROM api_keys WHERE role = ? AND revoked_at IS NULL", [.text(role.rawValue)]))
        return Int(try rows.first?.integer(0) ?? 0)
    }

    private static func apiKeyRecord(_ row: SQLRow) throws -> APIKeyRecord {
        let roleText = try row.text(2)
        guard let role = APIKeyRole(rawValue: roleText) else { throw StoreError.corruptValue(column: "api_keys.role", value: roleText) }
        return APIKeyRecord(id: try row.integer(0), name: try row.text(1), role: role, prefix: try row.text(3), hash: try row.text(4),
                            createdAt: Timestamp(millisecondsSinceEpoch: try row.integer(5)),
                            revokedAt: try row.optionalInteger(6).map(Timestamp.init(millisecondsSinceEpoch:)))
    }
}

// MARK: ForecastStore

extension SQLStore: ForecastStore {
    static let forecastColumns = """
        f.id, i.symbol, f.timeframe, f.horizon, f.horizon_ms, f.decision_time, f.data_time, f.target_time, f.reference_close, \
        f.expected_log_return, f.probability_up, f.volatility, f.interval_low, f.interval_high, f.return_model, f.direction_model, \
        f.volatility_model, f.model_version, f.created_at
        """

    public func recordForecasts(_ records: [ForecastRecord]) async throws -> [ForecastRecord] {
        guard !records.isEmpty else { return [] }
        // One transaction; a forecast already stored is left as it was (ON CONFLICT DO NOTHING),
        // so re-asking for the same forecast never duplicates it.
        let statements = records.map(Self.insertForecast)
        let results = try await database.write(statements)
        return zip(records, results).compactMap { record, rows in
            guard let id = try? rows.first?.integer(0) else { return nil }
            return ForecastRecord(id: id, symbol: record.symbol, timeframe: record.timeframe, horizon: record.horizon,
                                  horizonMilliseconds: record.horizonMilliseconds, decisionTime: record.decisionTime, dataTime: record.dataTime,
                                  targetTime: record.targetTime, referenceClose: record.referenceClose, expectedLogReturn: record.expectedLogReturn,
                                  probabilityUp: record.probabilityUp, volatility: record.volatility, intervalLow: record.intervalLow,
                                  intervalHigh: record.intervalHigh, returnModel: record.returnModel, directionModel: record.directionModel,
                                  volatilityModel: record.volatilityModel, modelVersion: record.modelVersion, createdAt: record.createdAt)
        }
    }

    /// The statement storing one forecast (a forecast already stored is kept as it was).
    static func insertForecast(_ record: ForecastRecord) -> SQLStatement {
        SQLStatement("""
            INSERT INTO forecasts (instrument_id, timeframe, horizon, horizon_ms, decision_time, data_time, target_time, reference_close,
                expected_log_return, probability_up, volatility, interval_low, interval_high, return_model, direction_model,
                volatility_model, model_version, created_at)
            SELECT id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM instruments WHERE symbol = ?
            ON CONFLICT DO NOTHING RETURNING id
            """, [
                .text(record.timeframe.rawValue), .text(record.horizon), .integer(record.horizonMilliseconds),
                .integer(record.decisionTime.millisecondsSinceEpoch), .integer(record.dataTime.millisecondsSinceEpoch),
                .integer(record.targetTime.millisecondsSinceEpoch), .text(record.referenceClose), .real(record.expectedLogReturn),
                .real(record.probabilityUp), .real(record.volatility), .real(record.intervalLow), .real(record.intervalHigh),
                .text(record.returnModel), .text(record.directionModel), .text(record.volatilityModel), .text(record.modelVersion),
                .integer(record.createdAt.millisecondsSinceEpoch), .text(record.symbol.rawValue),
            ])
    }

    public func forecasts(symbol: Symbol, limit: Int) async throws -> [ForecastRecord] {
        try await database.query(SQLStatement("""
            SELECT \(Self.forecastColumns) FROM forecasts f JOIN instruments i ON i.id = f.instrument_id
            WHERE i.symbol = ? ORDER BY f.data_time DESC, f.horizon_ms, f.id LIMIT ?
            """, [.text(symbol.rawValue), .integer(Int64(limit))])).map(Self.forecastRecord)
    }

    static func forecastRecord(_ row: SQLRow) throws -> ForecastRecord {
        let symbolText = try row.text(1), timeframeText = try row.text(2)
        guard let symbol = Symbol(symbolText) else { throw StoreError.corruptValue(column: "instruments.symbol", value: symbolText) }
        guard let timeframe = Timeframe(rawValue: timeframeText) else { throw StoreError.corruptValue(column: "forecasts.timeframe", value: timeframeText) }
        return ForecastRecord(
            id: try row.integer(0), symbol: symbol, timeframe: timeframe, horizon: try row.text(3), horizonMilliseconds: try row.integer(4),
            decisionTime: Timestamp(millisecondsSinceEpoch: try row.integer(5)), dataTime: Timestamp(millisecondsSinceEpoch: try row.integer(6)),
            targetTime: Timestamp(millisecondsSinceEpoch: try row.integer(7)), referenceClose: try row.text(8),
            expectedLogReturn: try row.real(9), probabilityUp: try row.real(10), volatility: try row.real(11), intervalLow: try row.real(12),
            intervalHigh: try row.real(13), returnModel: try row.text(14), directionModel: try row.text(15), volatilityModel: try row.text(16),
            modelVersion: try row.text(17), createdAt: Timestamp(millisecondsSinceEpoch: try row.integer(18)))
    }
}

/// A store operation that cannot be carried out, with a reason for the user.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A close-only file was imported into an OHLCV series or the other way round.
    case seriesKindMismatch(symbol: Symbol, timeframe: Timeframe, stored: String, incoming: String)
    /// A stored value is not one this build can read.
    case corruptValue(column: String, value: String)

    public var description: String {
        switch self {
        case .seriesKindMismatch(let symbol, let timeframe, let stored, let incoming):
            "\(symbol) \(timeframe.rawValue) is stored as \(stored) bars; \(incoming) bars cannot be merged into it"
        case .corruptValue(let column, let value):
            "unreadable stored value in \(column): \(value)"
        }
    }
}
