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

    /// What one archive holds: its records, the entries that did not decode as records, and the
    /// damage (not a zip, an entry that does not inflate or fails its CRC) that makes the archive
    /// itself untrustworthy.
    struct ArchiveContents {
        var records: [OSVRecord] = []
        var undecodable: [String] = []
        var damage: [String] = []
    }

    /// Reads every `.json` entry of a zip archive, checking each entry's CRC, inflating and decoding
    /// on every core, keeping the archive's order. Each worker reads through an archive reader of its
    /// own (a reader's file position is its own, and its entries are not Sendable) and takes its
    /// contiguous share of the entries.
    static func readArchive(_ path: String) -> ArchiveContents {
        let url = URL(fileURLWithPath: path)
        let count: Int
        do {
            count = try Archive(url: url, accessMode: .read).reduce(0) { $0 + (isRecord($1) ? 1 : 0) }
        } catch {
            return ArchiveContents(damage: ["\(path): not a readable zip archive (\(error))"])
        }
        let workers = max(1, min(count / 500, ProcessInfo.processInfo.activeProcessorCount))
        let parts = Mutex<[Int: ArchiveContents]>([:])
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var part = ArchiveContents()
            defer { parts.withLock { $0[worker] = part } }
            let reader: Archive
            do {
                reader = try Archive(url: url, accessMode: .read)
            } catch {
                part.damage.append("\(path): not a readable zip archive (\(error))")
                return
            }
            let share = (count * worker / workers)..<(count * (worker + 1) / workers)
            var index = 0
            for entry in reader where isRecord(entry) {
                defer { index += 1 }
                guard share.contains(index) else { continue }
                var data = Data()
                do {
                    _ = try reader.extract(entry, skipCRC32: false) { data.append($0) }
                } catch {
                    part.damage.append("\(path):\(entry.path): \(error)")
                    continue
                }
                do throws(OSVRecord.ParseError) {
                    part.records.append(try OSVRecord.parse(data, source: "\(path):\(entry.path)"))
                } catch {
                    part.undecodable.append(error.description)
                }
            }
        }
        return parts.withLock { parts in
            (0..<workers).reduce(into: ArchiveContents()) { merged, worker in
                merged.records += parts[worker]?.records ?? []
                merged.undecodable += parts[worker]?.undecodable ?? []
                merged.damage += parts[worker]?.damage ?? []
            }
        }
    }

    private static func isRecord(_ entry: Entry) -> Bool { entry.type == .file && entry.path.hasSuffix(".json") }
}
