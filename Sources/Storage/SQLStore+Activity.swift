import FeedbackLoop
import Foundation
import TradingCore
import TradingEngine

extension SQLStore: ActivityStore {
    public func latestActivity(account: String) async throws -> ActivityCursor {
        let row = try await database.query(SQLStatement("""
            SELECT (SELECT MAX(bar_index) FROM equity_points WHERE account = ?),
                   (SELECT MAX(id) FROM trading_alerts WHERE account = ?),
                   (SELECT MAX(id) FROM security_alerts),
                   (SELECT MAX(id) FROM feedback_signals),
                   (SELECT MAX(change_sequence) FROM trading_orders WHERE account = ? AND change_sequence > 0)
            """, [.text(account), .text(account), .text(account)])).first
        let newestFill = try await tradingFills(account: account, limit: 1).first
        return ActivityCursor(barIndex: Int(try row?.optionalInteger(0) ?? -1), fillTime: newestFill?.time.millisecondsSinceEpoch ?? Int64.min,
                              fillID: newestFill?.fillID ?? "", tradingAlertID: try row?.optionalInteger(1) ?? 0,
                              securityAlertID: try row?.optionalInteger(2) ?? 0, signalID: try row?.optionalInteger(3) ?? 0,
                              orderSequence: try row?.optionalInteger(4) ?? 0)
    }

    public func tradingOrderChanges(account: String, afterSequence sequence: Int64, limit: Int) async throws -> [(sequence: Int64, order: StoredOrder)] {
        try await database.query(SQLStatement("""
            SELECT \(Self.orderColumns), change_sequence FROM trading_orders WHERE account = ? AND change_sequence > ? ORDER BY change_sequence LIMIT ?
            """, [.text(account), .integer(sequence), .integer(Int64(limit))])).map { row in (try row.integer(10), try Self.order(row)) }
    }

    public func equityPoints(account: String, afterBarIndex barIndex: Int, limit: Int) async throws -> [EquityPoint] {
        try await database.query(SQLStatement("""
            SELECT close_time, bar_index, equity, cash, gross_exposure, state FROM equity_points
            WHERE account = ? AND bar_index > ? ORDER BY bar_index LIMIT ?
            """, [.text(account), .integer(Int64(barIndex)), .integer(Int64(limit))])).map(Self.equityPoint)
    }

    public func tradingFills(account: String, afterTime time: Int64, fillID: String, limit: Int) async throws -> [BookedFill] {
        try await database.query(SQLStatement("""
            SELECT fill_id, client_order_id, symbol, side, quantity, price, fee, filled_at FROM trading_fills
            WHERE account = ? AND (filled_at > ? OR (filled_at = ? AND fill_id > ?)) ORDER BY filled_at, fill_id LIMIT ?
            """, [.text(account), .integer(time), .integer(time), .text(fillID), .integer(Int64(limit))])).map(Self.fill)
    }

    public func tradingAlerts(account: String, afterID id: Int64, limit: Int) async throws -> [(id: Int64, alert: StoredAlert)] {
        try await database.query(SQLStatement("""
            SELECT id, level, rule, message, raised_at FROM trading_alerts WHERE account = ? AND id > ? ORDER BY id LIMIT ?
            """, [.text(account), .integer(id), .integer(Int64(limit))])).map { row in
            (try row.integer(0), StoredAlert(level: try row.text(1), rule: try row.text(2), message: try row.text(3),
                                             time: Timestamp(millisecondsSinceEpoch: try row.integer(4))))
        }
    }

    public func learningSignals(afterID id: Int64, limit: Int) async throws -> [(id: Int64, signal: LearningSignal)] {
        try await database.query(SQLStatement("""
            SELECT kind, subject, rule, message, evidence, created_at, id FROM feedback_signals WHERE id > ? ORDER BY id LIMIT ?
            """, [.integer(id), .integer(Int64(limit))])).map { row in (try row.integer(6), try Self.learningSignal(row)) }
    }
}
