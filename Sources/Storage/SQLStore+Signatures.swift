import FeedbackLoop
import TradingCore
import TradingEngine

extension SQLStore: SystemSignatureStore {
    public func systemSignatureCells(kind: SystemSubjectKind?) async throws -> [StoredSignatureCell] {
        let filter = kind == nil ? "" : " WHERE kind = ?"
        let rows = try await database.query(SQLStatement("""
            SELECT kind, subject, observer, hour, load_level, weight, errors, latency, updated_at FROM system_signature_cells\(filter)
            ORDER BY kind, subject, observer, hour, load_level
            """, kind.map { [.text($0.rawValue)] } ?? []))
        return try rows.map { row in
            let kindText = try row.text(0), latencyText = try row.text(7)
            guard let kind = SystemSubjectKind(rawValue: kindText) else { throw StoreError.corruptValue(column: "system_signature_cells.kind", value: kindText) }
            guard let latency = LatencyHistogram(encoded: latencyText) else {
                throw StoreError.corruptValue(column: "system_signature_cells.latency", value: String(latencyText.prefix(200)))
            }
            return StoredSignatureCell(kind: kind, subject: try row.text(1), observer: try row.text(2),
                                       slot: SystemSignature.Slot(hour: Int(try row.integer(3)), load: Int(try row.integer(4))),
                                       cell: SystemSignatureCell(weight: try row.real(5), errors: try row.real(6), latency: latency),
                                       updatedAt: Timestamp(millisecondsSinceEpoch: try row.integer(8)))
        }
    }

    public func saveSystemSignatureCells(_ cells: [StoredSignatureCell]) async throws {
        guard !cells.isEmpty else { return }
        _ = try await database.write(cells.map { stored in
            SQLStatement("""
                INSERT INTO system_signature_cells (kind, subject, observer, hour, load_level, weight, errors, latency, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind, subject, observer, hour, load_level) DO UPDATE SET weight = excluded.weight, errors = excluded.errors,
                    latency = excluded.latency, updated_at = excluded.updated_at
                """, [.text(stored.kind.rawValue), .text(stored.subject), .text(stored.observer), .integer(Int64(stored.slot.hour)),
                      .integer(Int64(stored.slot.load)), .real(stored.cell.weight), .real(stored.cell.errors), .text(stored.cell.latency.encoded),
                      .integer(stored.updatedAt.millisecondsSinceEpoch)])
        })
    }

    public func deleteSystemSignatureCells(updatedBefore time: Timestamp?) async throws -> Int {
        guard let time else { return try await database.write([SQLStatement("DELETE FROM system_signature_cells RETURNING 1")])[0].count }
        return try await database.write([SQLStatement("DELETE FROM system_signature_cells WHERE updated_at < ? RETURNING 1",
                                                      [.integer(time.millisecondsSinceEpoch)])])[0].count
    }
}
