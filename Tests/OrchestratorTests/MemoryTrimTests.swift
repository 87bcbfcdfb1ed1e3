#if os(Linux)
import Foundation
import Glibc
@testable import Orchestrator
import Testing

@Suite("Memory trim")
struct MemoryTrimTests {
    /// This process's anonymous resident memory (heap and stacks), in KiB.
    static func anonymousKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }

    @Test("memory freed in the middle of the heap goes back to the system: what glibc keeps after a peak")
    func freedHeapIsReturned() throws {
        // 80 MB in small blocks (below the mmap threshold, so in the heap), each page written; then
        // all freed but every 100th block, which keeps the freed memory in the middle of the heap
        // where glibc does not return it by itself.
        let blocks = (0..<20_000).map { _ -> UnsafeMutableRawPointer in
            let block = malloc(4_000)!
            memset(block, 1, 4_000)
            return block
        }
        for (index, block) in blocks.enumerated() where index % 100 != 0 { free(block) }
        let held = try Self.anonymousKiB()
        MemoryTrim.releaseFreeHeap()
        let trimmed = try Self.anonymousKiB()
        for (index, block) in blocks.enumerated() where index % 100 == 0 { free(block) }
        #expect(held - trimmed > 40_000, "anonymous memory \(held) KiB before the trim, \(trimmed) KiB after")
    }
}
#endif
