import Foundation
import Synchronization
import TestSupport

/// Which documented operations the in-process API tests reached, and with which statuses: with
/// `API_CONTRACT_COVERAGE=FILE` in the environment, each checked response appends
/// `METHOD TEMPLATE STATUS` to FILE, and the document's operations are written once to
/// FILE.operations, so that `scripts/check-api-coverage` can name an operation no test saw answer
/// successfully.
enum ContractCoverage {
    private static let state = Mutex<(operationsWritten: Bool, seen: Set<String>)>((false, []))
    private static let path = ProcessInfo.processInfo.environment["API_CONTRACT_COVERAGE"]

    /// Records one checked response to an operation of `contract`.
    static func record(method: String, template: String?, status: Int, contract: APIContract) {
        guard let path else { return }
        let line = "\(method) \(template ?? "-") \(status)"
        state.withLock { state in
            if !state.operationsWritten {
                state.operationsWritten = true
                // Each operation with its success status: its 2xx one, else (a form that redirects) its 3xx one.
                let operations = contract.templates.flatMap { template in
                    (contract.document["paths"]?[template.template]?.object ?? [:]).map { method, operation in
                        let codes = (operation["responses"]?.object ?? [:]).keys.compactMap(Int.init).sorted()
                        let success = codes.first { (200..<300).contains($0) } ?? codes.first { (300..<400).contains($0) } ?? 200
                        return "\(method.uppercased()) \(template.template) \(success)"
                    }
                }.sorted()
                _ = FileManager.default.createFile(atPath: path + ".operations", contents: Data((operations.joined(separator: "\n") + "\n").utf8))
            }
            guard state.seen.insert(line).inserted else { return }
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            handle.seekToEndOfFile()
            handle.write(Data((line + "\n").utf8))
            try? handle.close()
        }
    }
}
