import FeedbackLoop
import Foundation
import Storage
import Testing
import TradingCore
import TradingEngine

@Suite("System signature cells: kept per observer and slot, replaced in place, aged out, on every backend", .serialized)
struct SystemSignatureStoreTests {
    static func cell(observer: String, subject: String = "GET /api/v1/status", kind: SystemSubjectKind = .route, hour: Int = 3, load: Int = 5,
                     operations: Int, failed: Int, updatedAt: Int64) -> StoredSignatureCell {
        var cell = SystemSignatureCell()
        for index in 0..<operations { cell.add(milliseconds: Double(index % 7) + 0.5, failed: index < failed) }
        return StoredSignatureCell(kind: kind, subject: subject, observer: observer, slot: SystemSignature.Slot(hour: hour, load: load),
                                   cell: cell.scaled(by: 0.75), updatedAt: Timestamp(millisecondsSinceEpoch: updatedAt))
    }

    @Test("cells are stored and read back exactly, the same key replaced, filtered by kind, and deleted by age or all", arguments: Backend.available)
    func roundTrip(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let store = fixture.store
            let first = Self.cell(observer: "a/api:8080", operations: 100, failed: 3, updatedAt: 1_000)
            let other = Self.cell(observer: "b/api:8081", operations: 40, failed: 0, updatedAt: 2_000)
            let job = Self.cell(observer: "a/worker:pid1", subject: "backtest", kind: .job, hour: 23, load: 0, operations: 5, failed: 1, updatedAt: 3_000)
            try await store.saveSystemSignatureCells([first, other, job])
            #expect(try await store.systemSignatureCells(kind: nil) == [job, first, other])
            #expect(try await store.systemSignatureCells(kind: .route) == [first, other])
            let replaced = Self.cell(observer: "a/api:8080", operations: 250, failed: 9, updatedAt: 5_000)
            try await store.saveSystemSignatureCells([replaced])
            #expect(try await store.systemSignatureCells(kind: .route) == [replaced, other])
            #expect(try await store.deleteSystemSignatureCells(updatedBefore: Timestamp(millisecondsSinceEpoch: 3_000)) == 1)
            #expect(try await store.systemSignatureCells(kind: nil) == [job, replaced])
            #expect(try await store.deleteSystemSignatureCells(updatedBefore: nil) == 2)
            #expect(try await store.systemSignatureCells(kind: nil).isEmpty)
        }
    }
}
