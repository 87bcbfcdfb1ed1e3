import Foundation
import Synchronization
import SecuritySupervisor
import ZIPFoundation

/// Reads an OSV database from a folder: plain `*.json` records anywhere under it, and
/// osv-scanner's offline layout (one `all.zip` per ecosystem, every entry a record). A file that
/// cannot be read is reported by name, never skipped in silence; a missing folder is a database
/// problem, not an empty result.
public enum OSVDatabaseLoader {
    /// Loads everything under `folder`.
    public static func load(_ folder: String) -> VulnerabilityScanner.Database {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue,
              let enumerator = FileManager.default.enumerator(atPath: folder) else {
            return VulnerabilityScanner.Database(records: [], unreadable: [], missing: true)
        }
        var records: [OSVRecord] = []
        var unreadable: [String] = []
        let paths = (enumerator.allObjects as? [String] ?? []).sorted()
        for relative in paths {
            let path = (folder as NSString).appendingPathComponent(relative)
            if relative.hasSuffix(".json") {
                guard let data = FileManager.default.contents(atPath: path) else {
                    unreadable.append("\(path): not readable")
                    continue
                }
                do {
                    records.append(try OSVRecord.parse(data, source: path))
                } catch {
                    unreadable.append(error.description)
                }
            } else if relative.hasSuffix(".zip") {
                let contents = readArchive(path)
                records += contents.records
                unreadable += contents.damage + contents.undecodable
            }
        }
        return VulnerabilityScanner.Database(records: records, unreadable: unreadable, missing: records.isEmpty && unreadable.isEmpty)
    }

    /// The state of a database folder's files (path, size and modification time of each record and
    /// archive): equal states mean nothing was added, replaced or removed since.
    static func state(of folder: String) -> String {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return "" }
        var lines: [String] = []
        for case let relative as String in enumerator where relative.hasSuffix(".json") || relative.hasSuffix(".zip") {
            let attributes = try? FileManager.default.attributesOfItem(atPath: (folder as NSString).appendingPathComponent(relative))
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            lines.append("\(relative) \(size) \(modified)")
        }
        return lines.sorted().joined(separator: "\n")
    }

    /// Decodes records on every core, keeping their order.
    static func decodeInParallel(_ members: [(name: String, data: Data)]) -> [Result<OSVRecord, OSVRecord.ParseError>] {
        let chunks = max(1, min(members.count / 500, ProcessInfo.processInfo.activeProcessorCount * 4))
        let results = Mutex<[Int: [Result<OSVRecord, OSVRecord.ParseError>]]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (members.count * chunk / chunks)..<(members.count * (chunk + 1) / chunks)
            let part = members[range].map { member in Result { () throws(OSVRecord.ParseError) in try OSVRecord.parse(member.data, source: member.name) } }
            results.withLock { $0[chunk] = part }
        }
        return (0..<chunks).flatMap { chunk in results.withLock { $0[chunk] ?? [] } }
    }

    /// What one archive holds: its records, the entries that did not decode as records, and the
    /// damage (not a zip, an entry that does not inflate or fails its CRC) that makes the archive
    /// itself untrustworthy.
    struct ArchiveContents {
        var records: [OSVRecord] = []
        var undecodable: [String] = []
        var damage: [String] = []
    }

    /// Reads every `.json` entry of a zip archive, checking each entry's CRC.
    static func readArchive(_ path: String) -> ArchiveContents {
        var contents = ArchiveContents()
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            contents.damage.append("\(path): not a readable zip archive (\(error))")
            return contents
        }
        // Inflate in order (the archive reader is sequential), then decode on every core.
        var members: [(name: String, data: Data)] = []
        for entry in archive where entry.type == .file && entry.path.hasSuffix(".json") {
            var data = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
                members.append(("\(path):\(entry.path)", data))
            } catch {
                contents.damage.append("\(path):\(entry.path): \(error)")
            }
        }
        for result in decodeInParallel(members) {
            switch result {
            case .success(let record): contents.records.append(record)
            case .failure(let error): contents.undecodable.append(error.description)
            }
        }
        return contents
    }
}
