import SecuritySupervisor
import TradingCore

// MARK: SecurityAlertStore

extension SQLStore: SecurityAlertStore {
    private static let alertColumns = """
        id, fingerprint, level, source, title, message, first_seen, last_seen, seen_count, acknowledged_at, acknowledged_by, resolved_at, host, role
        """

    public func reconcileAlerts(_ observations: [AlertObservation], sources: Set<AlertSource>, observer: AlertObserver, at time: Timestamp) async throws -> AlertChanges {
        let now = SQLValue.integer(time.millisecondsSinceEpoch)
        let scope = SQLValue.text(observer.scope)
        var seen: Set<String> = []
        let unique = observations.filter { seen.insert($0.fingerprint).inserted }
        var statements = unique.map { observation in
            // The conflict target names the partial index: only an open alert with the fingerprint counts up.
            SQLStatement("""
                INSERT INTO security_alerts (fingerprint, level, source, title, message, first_seen, last_seen, seen_count, host, role, scope)
                VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
                ON CONFLICT (fingerprint, scope) WHERE resolved_at IS NULL DO UPDATE SET last_seen = excluded.last_seen,
                    seen_count = security_alerts.seen_count + 1, level = excluded.level, title = excluded.title, message = excluded.message,
                    host = excluded.host, role = excluded.role
                RETURNING \(Self.alertColumns)
                """, [.text(observation.fingerprint), .text(observation.level.rawValue), .text(observation.source.rawValue), .text(observation.title),
                      .text(observation.message), now, now, .text(observer.host), .text(observer.role), scope])
        }
        let sourceList = sources.sorted().map(\.rawValue)
        if !sourceList.isEmpty {
            let keep = unique.map(\.fingerprint)
            let sourcePlaceholders = Array(repeating: "?", count: sourceList.count).joined(separator: ", ")
            let keepClause = keep.isEmpty ? "" : " AND fingerprint NOT IN (\(Array(repeating: "?", count: keep.count).joined(separator: ", ")))"
            statements.append(SQLStatement("""
                UPDATE security_alerts SET resolved_at = ? WHERE resolved_at IS NULL AND scope = ? AND source IN (\(sourcePlaceholders))\(keepClause)
                RETURNING \(Self.alertColumns)
                """, [now, scope] + sourceList.map(SQLValue.text) + keep.map(SQLValue.text)))
        }
        let results = try await database.write(statements)
        let upserted = try results.prefix(unique.count).compactMap { try $0.first.map(Self.alert) }
        let resolved = sourceList.isEmpty ? [] : try results.last!.map(Self.alert)
        return AlertChanges(raised: upserted.filter { $0.count == 1 }, resolved: resolved)
    }

    public func resolveAbandonedAlerts(lastSeenBefore cutoff: Timestamp, at time: Timestamp) async throws -> [StoredSecurityAlert] {
        try await database.write([SQLStatement("""
            UPDATE security_alerts SET resolved_at = ? WHERE resolved_at IS NULL AND scope <> '' AND last_seen < ? RETURNING \(Self.alertColumns)
            """, [.integer(time.millisecondsSinceEpoch), .integer(cutoff.millisecondsSinceEpoch)])])[0].map(Self.alert)
    }

    public func securityAlerts(includeResolved: Bool, limit: Int) async throws -> [StoredSecurityAlert] {
        try await database.query(SQLStatement("""
            SELECT \(Self.alertColumns) FROM security_alerts \(includeResolved ? "" : "WHERE resolved_at IS NULL ")ORDER BY last_seen DESC, id DESC LIMIT ?
            """, [.integer(Int64(limit))])).map(Self.alert)
    }

    public func securityAlerts(afterID id: Int64, limit: Int) async throws -> [StoredSecurityAlert] {
        try await database.query(SQLStatement("""
            SELECT \(Self.alertColumns) FROM security_alerts WHERE id > ? ORDER BY id LIMIT ?
            """, [.integer(id), .integer(Int64(limit))])).map(Self.alert)
    }

    public func acknowledgeAlert(id: Int64, by operator: String, at time: Timestamp) async throws -> StoredSecurityAlert? {
        // The first acknowledgement stands: a second (a double click, a stale page) changes nothing.
        if let acknowledged = try await database.write([SQLStatement("""
            UPDATE security_alerts SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL RETURNING \(Self.alertColumns)
            """, [.integer(time.millisecondsSinceEpoch), .text(`operator`), .integer(id)])]).first?.first.map(Self.alert) {
            return acknowledged
        }
        return try await database.query(SQLStatement("SELECT \(Self.alertColumns) FROM security_alerts WHERE id = ?", [.integer(id)])).first.map(Self.alert)
    }

    public func recordSweep(_ sweep: StoredSweep) async throws {
        try await database.write([
            SQLStatement("INSERT INTO security_sweeps (taken_at, score, health, security) VALUES (?, ?, ?, ?)",
                         [.integer(sweep.time.millisecondsSinceEpoch), .integer(Int64(sweep.score)), .text(sweep.health), .text(sweep.security)]),
            // Keep the last 1,000 sweeps: enough history, bounded growth.
            SQLStatement("DELETE FROM security_sweeps WHERE id <= (SELECT MAX(id) FROM security_sweeps) - 1000"),
        ])
    }

    public func latestSweep() async throws -> StoredSweep? {
        try await database.query(SQLStatement("SELECT taken_at, score, health, security FROM security_sweeps ORDER BY id DESC LIMIT 1")).first.map { row in
            StoredSweep(time: Timestamp(millisecondsSinceEpoch: try row.integer(0)), score: Int(try row.integer(1)), health: try row.text(2),
                        security: try row.text(3))
        }
    }

    public func recordSample(scope: String, check: String, time: Timestamp, value: Double, keep: Int) async throws {
        try await database.write([
            SQLStatement("""
                INSERT INTO security_samples (scope, check_name, taken_at, value) VALUES (?, ?, ?, ?)
                ON CONFLICT (scope, check_name, taken_at) DO UPDATE SET value = excluded.value
                """, [.text(scope), .text(check), .integer(time.millisecondsSinceEpoch), .real(value)]),
            SQLStatement("""
                DELETE FROM security_samples WHERE scope = ? AND check_name = ? AND taken_at < (
                    SELECT MIN(taken_at) FROM (SELECT taken_at FROM security_samples WHERE scope = ? AND check_name = ? ORDER BY taken_at DESC LIMIT ?) AS newest)
                """, [.text(scope), .text(check), .text(scope), .text(check), .integer(Int64(keep))]),
        ])
    }

    public func samples(scope: String) async throws -> [String: [(time: Timestamp, value: Double)]] {
        var samples: [String: [(time: Timestamp, value: Double)]] = [:]
        for row in try await database.query(SQLStatement("SELECT check_name, taken_at, value FROM security_samples WHERE scope = ? ORDER BY check_name, taken_at",
                                                         [.text(scope)])) {
            samples[try row.text(0), default: []].append((Timestamp(millisecondsSinceEpoch: try row.integer(1)), try row.real(2)))
        }
        return samples
    }

    private static func alert(_ row: SQLRow) throws -> StoredSecurityAlert {
        let levelText = try row.text(2)
        guard let level = AlertLevel(rawValue: levelText) else { throw StoreError.corruptValue(column: "security_alerts.level", value: levelText) }
        let sourceText = try row.text(3)
        guard let source = AlertSource(rawValue: sourceText) else { throw StoreError.corruptValue(column: "security_alerts.source", value: sourceText) }
        return StoredSecurityAlert(
            id: try row.integer(0), fingerprint: try row.text(1), level: level, source: source, title: try row.text(4), message: try row.text(5),
            firstSeen: Timestamp(millisecondsSinceEpoch: try row.integer(6)), lastSeen: Timestamp(millisecondsSinceEpoch: try row.integer(7)),
            count: Int(try row.integer(8)), acknowledgedAt: try row.optionalInteger(9).map { Timestamp(millisecondsSinceEpoch: $0) },
            acknowledgedBy: try row.optionalText(10), resolvedAt: try row.optionalInteger(11).map { Timestamp(millisecondsSinceEpoch: $0) },
            host: try row.text(12), role: try row.text(13))
    }
}
