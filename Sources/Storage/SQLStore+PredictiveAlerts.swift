import FeedbackLoop
import TradingCore
import TradingEngine

extension SQLStore {
    public func forecasts(idAfter id: Int64?, limit: Int) async throws -> [ForecastRecord] {
        try await database.query(SQLStatement("""
            SELECT \(Self.forecastColumns) FROM forecasts f JOIN instruments i ON i.id = f.instrument_id
            WHERE f.id > ? ORDER BY f.id LIMIT ?
            """, [.integer(id ?? 0), .integer(Int64(limit))])).map(Self.forecastRecord)
    }

    public func openPredictiveAlerts() async throws -> [StoredPredictiveAlert] {
        try await database.query(SQLStatement("""
            SELECT \(Self.predictiveAlertColumns) FROM predictive_alerts a JOIN instruments i ON i.id = a.instrument_id WHERE a.is_open = 1 ORDER BY a.id
            """)).map(Self.predictiveAlert)
    }

    public func duePredictiveAlerts(targetBy time: Timestamp, limit: Int) async throws -> [StoredPredictiveAlert] {
        try await database.query(SQLStatement("""
            SELECT \(Self.predictiveAlertColumns) FROM predictive_alerts a JOIN instruments i ON i.id = a.instrument_id
            WHERE a.scored_at IS NULL AND a.target_time <= ? ORDER BY a.target_time, a.id LIMIT ?
            """, [.integer(time.millisecondsSinceEpoch), .integer(Int64(limit))])).map(Self.predictiveAlert)
    }

    public func predictiveAlerts(limit: Int) async throws -> [StoredPredictiveAlert] {
        try await database.query(SQLStatement("""
            SELECT \(Self.predictiveAlertColumns) FROM predictive_alerts a JOIN instruments i ON i.id = a.instrument_id
            ORDER BY a.raised_at DESC, a.id DESC LIMIT ?
            """, [.integer(Int64(limit))])).map(Self.predictiveAlert)
    }

    public func predictiveAlertSummaries() async throws -> [PredictiveAlertSummary] {
        let rows = try await database.query(SQLStatement("""
            SELECT kind, COUNT(*), COUNT(hit), COALESCE(SUM(hit), 0), AVG(base_rate) FROM predictive_alerts GROUP BY kind
            """))
        var summaries: [PredictiveAlertRules.Kind: PredictiveAlertSummary] = [:]
        for row in rows {
            let text = try row.text(0)
            guard let kind = PredictiveAlertRules.Kind(rawValue: text) else { throw StoreError.corruptValue(column: "predictive_alerts.kind", value: text) }
            summaries[kind] = PredictiveAlertSummary(kind: kind, raised: Int(try row.integer(1)), scored: Int(try row.integer(2)), hits: Int(try row.integer(3)),
                                                     meanBaseRate: try row.optionalReal(4))
        }
        // Every kind, in the rules' order, with zeros where none was raised.
        return PredictiveAlertRules.Kind.allCases.map { summaries[$0] ?? PredictiveAlertSummary(kind: $0, raised: 0, scored: 0, hits: 0, meanBaseRate: nil) }
    }

    /// The statements writing a commit's predictive alerts: new ones, sightings, closings, verdicts.
    static func predictiveAlertStatements(_ commit: FeedbackCommit, at time: Timestamp) -> [SQLStatement] {
        var statements = commit.raisedAlerts.map { alert in
            SQLStatement("""
                INSERT INTO predictive_alerts (kind, instrument_id, timeframe, horizon, horizon_bars, raised_at, target_time, last_seen, is_open, scale,
                    expected_log_return, volatility, probability_up, message)
                SELECT ?, id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM instruments WHERE symbol = ?
                """, [.text(alert.kind.rawValue), .text(alert.timeframe.rawValue), .text(alert.horizon), .integer(Int64(alert.horizonBars)),
                      .integer(alert.raisedAt.millisecondsSinceEpoch), .integer(alert.targetTime.millisecondsSinceEpoch),
                      .integer(alert.lastSeen.millisecondsSinceEpoch), .integer(alert.isOpen ? 1 : 0), .real(alert.scale), .real(alert.expectedLogReturn),
                      .real(alert.volatility), .real(alert.probabilityUp), .text(alert.message), .text(alert.symbol.rawValue)])
        }
        for (id, seen) in commit.alertSightings.sorted(by: { $0.key < $1.key }) {
            statements.append(SQLStatement("UPDATE predictive_alerts SET last_seen = ? WHERE id = ? AND last_seen < ?",
                                           [.integer(seen.millisecondsSinceEpoch), .integer(id), .integer(seen.millisecondsSinceEpoch)]))
        }
        for id in commit.closedAlerts.sorted() {
            statements.append(SQLStatement("UPDATE predictive_alerts SET is_open = 0 WHERE id = ?", [.integer(id)]))
        }
        for id in commit.unscorableAlerts.sorted() {
            // Scored at, without a verdict: out of the due query, counted as raised but not scored.
            statements.append(SQLStatement("UPDATE predictive_alerts SET scored_at = ? WHERE id = ? AND scored_at IS NULL",
                                           [.integer(time.millisecondsSinceEpoch), .integer(id)]))
        }
        for (id, outcome) in commit.alertOutcomes.sorted(by: { $0.key < $1.key }) {
            statements.append(SQLStatement("""
                UPDATE predictive_alerts SET hit = ?, realised_log_return = ?, base_rate = ?, base_rate_origins = ?, scored_at = ? WHERE id = ? AND scored_at IS NULL
                """, [.integer(outcome.hit ? 1 : 0), .real(outcome.realisedLogReturn), outcome.baseRate.map(SQLValue.real) ?? .null,
                      .integer(Int64(outcome.baseRateOrigins)), .integer(outcome.scoredAt.millisecondsSinceEpoch), .integer(id)]))
        }
        return statements
    }

    static let predictiveAlertColumns = """
        a.id, a.kind, i.symbol, a.timeframe, a.horizon, a.horizon_bars, a.raised_at, a.target_time, a.last_seen, a.is_open, a.scale, \
        a.expected_log_return, a.volatility, a.probability_up, a.message, a.hit, a.realised_log_return, a.base_rate, a.base_rate_origins, a.scored_at
        """

    static func predictiveAlert(_ row: SQLRow) throws -> StoredPredictiveAlert {
        let kindText = try row.text(1), symbolText = try row.text(2), timeframeText = try row.text(3)
        guard let kind = PredictiveAlertRules.Kind(rawValue: kindText) else { throw StoreError.corruptValue(column: "predictive_alerts.kind", value: kindText) }
        guard let symbol = Symbol(symbolText) else { throw StoreError.corruptValue(column: "instruments.symbol", value: symbolText) }
        guard let timeframe = Timeframe(rawValue: timeframeText) else { throw StoreError.corruptValue(column: "predictive_alerts.timeframe", value: timeframeText) }
        var outcome: StoredPredictiveAlert.Outcome?
        if let hit = try row.optionalInteger(15) {
            outcome = StoredPredictiveAlert.Outcome(hit: hit == 1, realisedLogReturn: try row.optionalReal(16) ?? .nan, baseRate: try row.optionalReal(17),
                                                    baseRateOrigins: Int(try row.optionalInteger(18) ?? 0),
                                                    scoredAt: Timestamp(millisecondsSinceEpoch: try row.optionalInteger(19) ?? 0))
        }
        return StoredPredictiveAlert(
            id: try row.integer(0), kind: kind, symbol: symbol, timeframe: timeframe, horizon: try row.text(4), horizonBars: Int(try row.integer(5)),
            raisedAt: Timestamp(millisecondsSinceEpoch: try row.integer(6)), targetTime: Timestamp(millisecondsSinceEpoch: try row.integer(7)),
            lastSeen: Timestamp(millisecondsSinceEpoch: try row.integer(8)), isOpen: try row.integer(9) == 1, scale: try row.real(10),
            expectedLogReturn: try row.real(11), volatility: try row.real(12), probabilityUp: try row.real(13), message: try row.text(14), outcome: outcome)
    }
}
