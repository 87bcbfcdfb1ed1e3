import FeedbackLoop
import Foundation
import TradingCore
import TradingEngine

// MARK: FeedbackStore

extension SQLStore: FeedbackStore {
    private static let outcomeColumns = """
        o.forecast_id, i.symbol, f.horizon, f.model_version, f.probability_up, f.data_time, f.target_time, o.realised_close, o.realised_time, \
        o.realised_log_return, o.direction_hit, o.interval_hit, o.brier, o.log_loss, o.squared_error, o.log_score, o.verdict, o.rule, o.signature, \
        o.source, o.scored_at
        """

    public func unscoredForecasts(targetBy time: Timestamp, limit: Int) async throws -> [ForecastRecord] {
        try await database.query(SQLStatement("""
            SELECT \(Self.forecastColumns) FROM forecasts f JOIN instruments i ON i.id = f.instrument_id
            WHERE f.scored = 0 AND f.target_time <= ? ORDER BY f.target_time, f.id LIMIT ?
            """, [.integer(time.millisecondsSinceEpoch), .integer(Int64(limit))])).map(Self.forecastRecord)
    }

    public func forecast(id: Int64) async throws -> ForecastRecord? {
        try await database.query(SQLStatement("""
            SELECT \(Self.forecastColumns) FROM forecasts f JOIN instruments i ON i.id = f.instrument_id WHERE f.id = ?
            """, [.integer(id)])).first.map(Self.forecastRecord)
    }

    @discardableResult
    public func commitFeedback(_ commit: FeedbackCommit, at time: Timestamp) async throws -> Set<Int64> {
        var statements = commit.outcomes.map { stored in
            let outcome = stored.outcome
            return SQLStatement("""
                INSERT INTO forecast_outcomes (forecast_id, realised_close, realised_time, realised_log_return, direction_hit, interval_hit, brier,
                    log_loss, squared_error, log_score, verdict, rule, signature, source, scored_at, detected)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING forecast_id
                """, [
                    .integer(stored.forecastId), .text(stored.realisedClose), .integer(stored.realisedTime.millisecondsSinceEpoch),
                    .real(outcome.realisedLogReturn), .integer(outcome.directionHit ? 1 : 0), .integer(outcome.intervalHit ? 1 : 0), .real(outcome.brier),
                    .real(outcome.logLoss), .real(outcome.squaredError), .real(outcome.logScore), .text(outcome.verdict.rawValue), .text(outcome.rule),
                    .text(stored.signature.description), .text(stored.source.rawValue), .integer(stored.scoredAt.millisecondsSinceEpoch),
                    // A market outcome is fed to its detector in the turn that scores it; an external one
                    // arrives outside the loop and waits for the loop's next turn.
                    .integer(stored.source == .external ? 0 : 1),
                ])
        }
        for decision in commit.decisions {
            let outcome = decision.outcome
            statements.append(SQLStatement("""
                INSERT INTO decision_outcomes (fill_id, account, symbol, horizon_bars, exit_close, exit_time, gross_pnl, fee, net_pnl, return_bps, verdict, scored_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, [.text(decision.fillID), .text(decision.account), .text(decision.symbol.rawValue), .integer(Int64(decision.horizonBars)),
                      .text(decision.exitClose), .integer(decision.exitTime.millisecondsSinceEpoch), .text(outcome.grossPnL.description),
                      .text(outcome.fee.description), .text(outcome.netPnL.description), .real(outcome.returnBasisPoints),
                      .text(outcome.verdict.rawValue), .integer(decision.scoredAt.millisecondsSinceEpoch)]))
        }
        // The flags that keep scored (1) and unscorable (2) forecasts and fills out of the due queries, set in the same
        // transaction (a fill whether this insert or an earlier one stored its outcome).
        statements += Self.flagStatements("forecasts", key: "id", flag: 1, commit.outcomes.map { .integer($0.forecastId) })
        statements += Self.flagStatements("forecasts", key: "id", flag: 2, commit.unscorableForecasts.map { .integer($0) })
        statements += Self.flagStatements("trading_fills", key: "fill_id", flag: 1, commit.decisions.map { .text($0.fillID) })
        statements += Self.flagStatements("forecast_outcomes", key: "forecast_id", column: "detected", flag: 1, commit.detectedOutcomes.map { .integer($0) })
        statements += Self.flagStatements("trading_fills", key: "fill_id", flag: 2, commit.unscorableFills.map { .text($0) }, onlyUnflagged: true)
        for signal in commit.signals {
            statements.append(SQLStatement("""
                INSERT INTO feedback_signals (kind, subject, rule, message, evidence, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, [.text(signal.kind.rawValue), .text(signal.subject), .text(signal.rule), .text(signal.message),
                      .text(Self.evidenceText(signal.evidence)), .integer(signal.time.millisecondsSinceEpoch)]))
        }
        for threshold in commit.thresholds {
            statements.append(SQLStatement("""
                INSERT INTO feedback_thresholds (horizon, threshold, objective, decisions, tuned_through, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (horizon) DO UPDATE SET threshold = excluded.threshold, objective = excluded.objective, decisions = excluded.decisions,
                    tuned_through = excluded.tuned_through, updated_at = excluded.updated_at
                """, [.text(threshold.horizon), .real(threshold.threshold), threshold.objective.map(SQLValue.real) ?? .null,
                      .integer(Int64(threshold.decisions)), threshold.tunedThrough.map { .integer($0.millisecondsSinceEpoch) } ?? .null,
                      .integer(threshold.updatedAt.millisecondsSinceEpoch)]))
        }
        for model in commit.models {
            statements.append(SQLStatement("""
                INSERT INTO feedback_models (name, role, parameters, created_at, promoted_at, fit) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET role = excluded.role, parameters = excluded.parameters,
                    promoted_at = COALESCE(excluded.promoted_at, feedback_models.promoted_at), fit = COALESCE(excluded.fit, feedback_models.fit)
                """, [.text(model.name), .text(model.role.rawValue), .text(model.parameters), .integer(model.createdAt.millisecondsSinceEpoch),
                      model.promotedAt.map { .integer($0.millisecondsSinceEpoch) } ?? .null, model.fit.map(SQLValue.text) ?? .null]))
        }
        for (name, value) in commit.state.sorted(by: { $0.key < $1.key }) {
            statements.append(Self.setState(name, .text(value)))
        }
        statements += Self.predictiveAlertStatements(commit, at: time)
        // Every commit moves the revision on, so a summary computed before it is not served after it.
        statements.append(Self.nextRevision)
        if commit.countsAsCycle {
            statements.append(SQLStatement("""
                INSERT INTO feedback_state (name, value) VALUES ('cycles', '1')
                ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(feedback_state.value AS INTEGER) + 1 AS TEXT)
                """))
            statements.append(Self.setState("last_cycle_at", .text(time.iso8601)))
        }
        let results = try await database.write(statements)
        return Set(try results.prefix(commit.outcomes.count).compactMap { try $0.first?.integer(0) })
    }

    /// Statements setting `column` (`scored` unless named) to `flag` on the rows of `table` whose `key`
    /// is one of `ids`, 500 a statement; `onlyUnflagged` leaves rows flagged already.
    private static func flagStatements(_ table: String, key: String, column: String = "scored", flag: Int, _ ids: [SQLValue],
                                       onlyUnflagged: Bool = false) -> [SQLStatement] {
        stride(from: 0, to: ids.count, by: 500).map { start in
            let chunk = ids[start..<min(start + 500, ids.count)]
            return SQLStatement("""
                UPDATE \(table) SET \(column) = \(flag) WHERE \(key) IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ", ")))\(onlyUnflagged ? " AND \(column) = 0" : "")
                """, Array(chunk))
        }
    }

    /// Moves the learned state's revision on by one.
    private static let nextRevision = SQLStatement("""
        INSERT INTO feedback_state (name, value) VALUES ('revision', '1')
        ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(feedback_state.value AS BIGINT) + 1 AS TEXT)
        """)

    private static func setState(_ name: String, _ value: SQLValue) -> SQLStatement {
        SQLStatement("INSERT INTO feedback_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [.text(name), value])
    }

    /// Evidence as JSON with sorted keys; a value that is not finite is left out (JSON has no NaN).
    static func evidenceText(_ evidence: [String: Double]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(evidence.filter { $0.value.isFinite })) ?? Data("{}".utf8), as: UTF8.self)
    }

    public func outcomeCounts() async throws -> [LearningSignal.Kind: Int] {
        var counts: [LearningSignal.Kind: Int] = [:]
        for row in try await database.query(SQLStatement("SELECT verdict, COUNT(*) FROM forecast_outcomes GROUP BY verdict")) {
            if let kind = LearningSignal.Kind(rawValue: try row.text(0)) { counts[kind] = Int(try row.integer(1)) }
        }
        return counts
    }

    public func outcomes(limit: Int) async throws -> [StoredOutcome] {
        try await outcomes(limit: limit, perQuery: Self.outcomesPerPage)
    }

    /// The newest `limit` outcomes, read `perQuery` at a time.
    public func outcomes(limit: Int, perQuery: Int) async throws -> [StoredOutcome] {
        var outcomes: [StoredOutcome] = []
        try await forEachOutcomePage(newest: limit, symbol: nil, verdict: nil, oldestFirst: false, perQuery: perQuery) { outcomes += $0 }
        return outcomes
    }

    public func forEachOutcomePage(newest limit: Int, symbol: Symbol?, verdict: LearningSignal.Kind?, oldestFirst: Bool,
                                   _ body: ([StoredOutcome]) async throws -> Void) async throws {
        try await forEachOutcomePage(newest: limit, symbol: symbol, verdict: verdict, oldestFirst: oldestFirst, perQuery: Self.outcomesPerPage, body)
    }

    /// `forEachOutcomePage(newest:symbol:verdict:oldestFirst:_:)` with pages of `perQuery` outcomes.
    /// A query's rows are held whole until it ends: 100,000 outcomes (what the feedback documents
    /// read) took about 115 MB at once in an API process, and 33 MB even as pages gathered into one
    /// array, every minute the status document was rebuilt.
    public func forEachOutcomePage(newest limit: Int, symbol: Symbol? = nil, verdict: LearningSignal.Kind? = nil, oldestFirst: Bool, perQuery: Int,
                                   _ body: ([StoredOutcome]) async throws -> Void) async throws {
        guard limit > 0 else { return }
        let from = "FROM forecast_outcomes o JOIN forecasts f ON f.id = o.forecast_id JOIN instruments i ON i.id = f.instrument_id"
        // The filters, then the page's position: both in every query, the bound's included.
        var filters: [String] = [], filterValues: [SQLValue] = []
        if let symbol {
            filters.append("i.symbol = ?")
            filterValues.append(.text(symbol.rawValue))
        }
        if let verdict {
            filters.append("o.verdict = ?")
            filterValues.append(.text(verdict.rawValue))
        }
        func whereClause(_ conditions: [String]) -> String { conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ") }
        var bound: [SQLValue]?
        if oldestFirst {
            // Oldest first starts after the outcome just older than the newest `limit` (at the
            // oldest when there is none).
            bound = try await database.query(SQLStatement("""
                SELECT f.data_time, f.id \(from) \(whereClause(filters)) ORDER BY f.data_time DESC, f.id DESC LIMIT 1 OFFSET ?
                """, filterValues + [.integer(Int64(limit))])).first.map { [.integer(try $0.integer(0)), .integer(try $0.integer(1))] }
        }
        let direction = oldestFirst ? "ASC" : "DESC", comparison = oldestFirst ? ">" : "<"
        var read = 0, interner = TextInterner()
        while read < limit {
            let page = min(max(1, perQuery), limit - read)
            let conditions = filters + (bound == nil ? [] : ["(f.data_time, f.id) \(comparison) (?, ?)"])
            let rows = try await database.query(SQLStatement("""
                SELECT \(Self.outcomeColumns) \(from) \(whereClause(conditions)) ORDER BY f.data_time \(direction), f.id \(direction) LIMIT ?
                """, filterValues + (bound ?? []) + [.integer(Int64(page))]))
            let outcomes = try rows.map { try Self.storedOutcome($0, &interner) }
            read += outcomes.count
            if !outcomes.isEmpty { try await body(outcomes) }
            guard outcomes.count == page, let last = outcomes.last else { break }
            bound = [.integer(last.dataTime.millisecondsSinceEpoch), .integer(last.forecastId)]
        }
    }

    /// The outcomes read per query by `outcomes(limit:)`.
    public static let outcomesPerPage = 5_000

    public func modelFit(name: String) async throws -> String? {
        try await database.query(SQLStatement("SELECT fit FROM feedback_models WHERE name = ?", [.text(name)])).first?.optionalText(0)
    }

    public func undetectedOutcomes(limit: Int) async throws -> [(outcome: StoredOutcome, timeframe: String)] {
        var interner = TextInterner()
        return try await database.query(SQLStatement("""
            SELECT \(Self.outcomeColumns), f.timeframe FROM forecast_outcomes o JOIN forecasts f ON f.id = o.forecast_id JOIN instruments i ON i.id = f.instrument_id
            WHERE o.detected = 0 ORDER BY f.data_time, o.forecast_id LIMIT ?
            """, [.integer(Int64(limit))])).map { row in (try Self.storedOutcome(row, &interner), interner(try row.text(21))) }
    }

    /// An outcome of `outcomeColumns`, its repeated texts shared through `interner`.
    private static func storedOutcome(_ row: SQLRow, _ interner: inout TextInterner) throws -> StoredOutcome {
        let symbolText = try row.text(1), verdictText = try row.text(16), signatureText = try row.text(18), sourceText = try row.text(19)
        guard let source = StoredOutcome.Source(rawValue: sourceText) else { throw StoreError.corruptValue(column: "forecast_outcomes.source", value: sourceText) }
        guard let symbol = Symbol(symbolText) else { throw StoreError.corruptValue(column: "instruments.symbol", value: symbolText) }
        guard let verdict = LearningSignal.Kind(rawValue: verdictText) else { throw StoreError.corruptValue(column: "forecast_outcomes.verdict", value: verdictText) }
        let parts = signatureText.split(separator: "/").map(String.init)
        guard parts.count == 3 else { throw StoreError.corruptValue(column: "forecast_outcomes.signature", value: signatureText) }
        let outcome = ForecastOutcome(
            realisedLogReturn: try row.real(9), directionHit: try row.integer(10) == 1, intervalHit: try row.integer(11) == 1, brier: try row.real(12),
            logLoss: try row.real(13), squaredError: try row.real(14), logScore: try row.real(15), verdict: verdict, rule: interner(try row.text(17)))
        return StoredOutcome(
            forecastId: try row.integer(0), symbol: symbol, horizon: try row.text(2), model: interner(try row.text(3)), probabilityUp: try row.real(4),
            dataTime: Timestamp(millisecondsSinceEpoch: try row.integer(5)), targetTime: Timestamp(millisecondsSinceEpoch: try row.integer(6)),
            realisedClose: try row.text(7), realisedTime: Timestamp(millisecondsSinceEpoch: try row.integer(8)), outcome: outcome,
            signature: MarketSignature(regime: parts[0], volatility: parts[1], trend: parts[2]), source: source,
            scoredAt: Timestamp(millisecondsSinceEpoch: try row.integer(20)))
    }

    public func unscoredFills(limit: Int) async throws -> [UnscoredFill] {
        try await database.query(SQLStatement("""
            SELECT f.fill_id, f.client_order_id, f.symbol, f.side, f.quantity, f.price, f.fee, f.filled_at, f.account, a.fingerprint
            FROM trading_fills f JOIN trading_accounts a ON a.name = f.account
            WHERE f.scored = 0
            ORDER BY f.filled_at, f.fill_id LIMIT ?
            """, [.integer(Int64(limit))])).map { row in
            UnscoredFill(account: try row.text(8), fingerprint: try row.text(9), fill: BookedFill(
                fillID: try row.text(0), clientOrderID: try row.text(1), symbol: try Self.symbol(row, 2), side: try Self.side(row, 3),
                quantity: try Self.decimal(row, 4, "trading_fills.quantity"), price: try Self.decimal(row, 5, "trading_fills.price"),
                fee: try Self.decimal(row, 6, "trading_fills.fee"), time: Timestamp(millisecondsSinceEpoch: try row.integer(7))))
        }
    }

    public func decisionOutcomes(limit: Int) async throws -> [StoredDecisionOutcome] {
        try await database.query(SQLStatement("""
            SELECT fill_id, account, symbol, horizon_bars, exit_close, exit_time, gross_pnl, fee, net_pnl, return_bps, verdict, scored_at
            FROM decision_outcomes ORDER BY exit_time DESC, fill_id DESC LIMIT ?
            """, [.integer(Int64(limit))])).map { row in
            let verdictText = try row.text(10)
            guard let verdict = LearningSignal.Kind(rawValue: verdictText) else { throw StoreError.corruptValue(column: "decision_outcomes.verdict", value: verdictText) }
            return StoredDecisionOutcome(
                fillID: try row.text(0), account: try row.text(1), symbol: try Self.symbol(row, 2), horizonBars: Int(try row.integer(3)),
                exitClose: try row.text(4), exitTime: Timestamp(millisecondsSinceEpoch: try row.integer(5)),
                outcome: DecisionOutcome(grossPnL: try Self.decimal(row, 6, "decision_outcomes.gross_pnl"), fee: try Self.decimal(row, 7, "decision_outcomes.fee"),
                                         netPnL: try Self.decimal(row, 8, "decision_outcomes.net_pnl"), returnBasisPoints: try row.real(9), verdict: verdict),
                scoredAt: Timestamp(millisecondsSinceEpoch: try row.integer(11)))
        }
    }

    public func learningSignals(limit: Int) async throws -> [LearningSignal] {
        try await database.query(SQLStatement("""
            SELECT kind, subject, rule, message, evidence, created_at FROM feedback_signals ORDER BY created_at DESC, id DESC LIMIT ?
            """, [.integer(Int64(limit))])).map(Self.learningSignal)
    }

    /// A signal of `SELECT kind, subject, rule, message, evidence, created_at`.
    static func learningSignal(_ row: SQLRow) throws -> LearningSignal {
        let kindText = try row.text(0)
        guard let kind = LearningSignal.Kind(rawValue: kindText) else { throw StoreError.corruptValue(column: "feedback_signals.kind", value: kindText) }
        let evidence = (try? JSONDecoder().decode([String: Double].self, from: Data(try row.text(4).utf8))) ?? [:]
        return LearningSignal(kind: kind, subject: try row.text(1), rule: try row.text(2), message: try row.text(3), evidence: evidence,
                              time: Timestamp(millisecondsSinceEpoch: try row.integer(5)))
    }

    public func thresholds() async throws -> [StoredThreshold] {
        try await database.query(SQLStatement("""
            SELECT horizon, threshold, objective, decisions, tuned_through, updated_at FROM feedback_thresholds ORDER BY horizon
            """)).map { row in
            StoredThreshold(horizon: try row.text(0), threshold: try row.real(1), objective: try row.optionalReal(2), decisions: Int(try row.integer(3)),
                            tunedThrough: try row.optionalInteger(4).map { Timestamp(millisecondsSinceEpoch: $0) },
                            updatedAt: Timestamp(millisecondsSinceEpoch: try row.integer(5)))
        }
    }

    public func modelVersions() async throws -> [ModelVersionRecord] {
        try await database.query(SQLStatement("SELECT name, role, parameters, created_at, promoted_at FROM feedback_models ORDER BY created_at DESC, name")).map { row in
            let roleText = try row.text(1)
            guard let role = ModelVersionRecord.Role(rawValue: roleText) else { throw StoreError.corruptValue(column: "feedback_models.role", value: roleText) }
            return ModelVersionRecord(name: try row.text(0), role: role, parameters: try row.text(2),
                               createdAt: Timestamp(millisecondsSinceEpoch: try row.integer(3)),
                               promotedAt: try row.optionalInteger(4).map { Timestamp(millisecondsSinceEpoch: $0) })
        }
    }

    public func feedbackState() async throws -> [String: String] {
        Dictionary(try await database.query(SQLStatement("SELECT name, value FROM feedback_state")).map { (try $0.text(0), try $0.text(1)) },
                   uniquingKeysWith: { a, _ in a })
    }

    public func resetLearnedState() async throws -> LearnedStateReset {
        let tables = ["forecast_outcomes", "decision_outcomes", "feedback_signals", "feedback_thresholds", "feedback_models"]
        // The revision survives the reset and moves on, so no summary of the old state is ever served as the new one's.
        let results = try await database.write(tables.map { SQLStatement("DELETE FROM \($0) RETURNING 1") } + [
            SQLStatement("DELETE FROM feedback_state WHERE name <> 'revision' RETURNING 1"),
            SQLStatement("DELETE FROM feedback_summaries"),
            Self.nextRevision,
            SQLStatement("UPDATE forecasts SET scored = 0 WHERE scored <> 0"),
            SQLStatement("UPDATE trading_fills SET scored = 0 WHERE scored <> 0"),
            // Their scores are learned too, and the turn's place in the forecasts (a state) is gone with the rest.
            SQLStatement("DELETE FROM predictive_alerts"),
        ])
        return LearnedStateReset(outcomes: results[0].count, decisions: results[1].count, signals: results[2].count, thresholds: results[3].count,
                                 models: results[4].count, state: results[5].count)
    }

    public func feedbackRevision() async throws -> Int64 {
        let text = try await database.query(SQLStatement("SELECT value FROM feedback_state WHERE name = 'revision'")).first?.text(0)
        guard let revision = text.map({ Int64($0) }) ?? 0 else { throw StoreError.corruptValue(column: "feedback_state.revision", value: text ?? "") }
        return revision
    }

    public func feedbackSummary(_ name: String, revision: Int64) async throws -> String? {
        try await database.query(SQLStatement("SELECT document FROM feedback_summaries WHERE name = ? AND revision = ?",
                                              [.text(name), .integer(revision)])).first?.text(0)
    }

    public func latestFeedbackSummary(_ name: String) async throws -> (revision: Int64, document: String)? {
        // One row per name: a newer document replaces the older one.
        guard let row = try await database.query(SQLStatement("SELECT revision, document FROM feedback_summaries WHERE name = ?",
                                                              [.text(name)])).first else { return nil }
        return (try row.integer(0), try row.text(1))
    }

    public func storeFeedbackSummary(_ name: String, document: String, revision: Int64) async throws {
        // Kept only while the state is still at `revision`: a commit since would make it stale.
        _ = try await database.write([SQLStatement("""
            INSERT INTO feedback_summaries (name, revision, document)
            SELECT ?, ?, ? WHERE COALESCE((SELECT CAST(value AS BIGINT) FROM feedback_state WHERE name = 'revision'), 0) = ?
            ON CONFLICT (name) DO UPDATE SET revision = excluded.revision, document = excluded.document
            """, [.text(name), .integer(revision), .text(document), .integer(revision)])])
    }
}
