import Foundation

/// The entries of a POSIX tar archive (ustar, with pax `path`/`size` records and GNU long names):
/// enough to read a `docker save` tarball and its layers without extracting them.
public struct TarArchive: Sendable {
    /// One member.
    public struct Entry: Sendable {
        public enum Kind: Sendable, Equatable {
            case file
            case directory
            case symbolicLink(target: String)
            case hardLink(target: String)
            case other
        }

        /// The path without a leading `./` or `/`.
        public let path: String
        public let kind: Kind
        /// Where the content lies in the archive's bytes.
        public let contentRange: Range<Int>
    }

    /// Why bytes are not a tar archive.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let archive: String
        public let reason: String
        public var description: String { "\(archive): \(reason)" }
    }

    public let data: Data
    public let entries: [Entry]

    /// Reads the member list; `name` names the archive in errors.
    public init(_ data: Data, name: String) throws(ParseError) {
        if data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B {
            throw ParseError(archive: name, reason: "it is gzip-compressed; decompress it first (docker save writes plain tar)")
        }
        self.data = data
        var entries: [Entry] = []
        var offset = 0
        var pendingPath: String?
        var pendingSize: Int?
        let bytes = [UInt8](data)
        func field(_ start: Int, _ length: Int) -> String {
            let slice = bytes[(offset + start)..<(offset + start + length)]
            let end = slice.firstIndex(of: 0) ?? slice.endIndex
            return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
        }
        while offset + 512 <= bytes.count {
            if bytes[offset..<(offset + 512)].allSatisfy({ $0 == 0 }) { break }
            guard let size = Self.number(bytes[(offset + 124)..<(offset + 136)]) else {
                throw ParseError(archive: name, reason: "the member at byte \(offset) has an unreadable size field")
            }
            let checksum = Self.number(bytes[(offset + 148)..<(offset + 156)])
            var computed = 0
            for index in 0..<512 { computed += (148..<156).contains(index) ? 32 : Int(bytes[offset + index]) }
            guard checksum == computed else { throw ParseError(archive: name, reason: "the member header at byte \(offset) fails its checksum") }
            let type = bytes[offset + 156]
            var path = field(0, 100)
            if field(257, 5) == "ustar" {
                let prefix = field(345, 155)
                if !prefix.isEmpty { path = prefix + "/" + path }
            }
            let link = field(157, 100)
            let contentStart = offset + 512
            let length = pendingSize ?? size
            guard contentStart + length <= bytes.count else { throw ParseError(archive: name, reason: "the member \(path) runs past the end of the archive") }
            let content = contentStart..<(contentStart + length)
            offset = contentStart + (length + 511) / 512 * 512
            switch type {
            case UInt8(ascii: "x"):
                // pax extended header: `<length> key=value\n` records for the next member.
                for record in String(decoding: bytes[content], as: UTF8.self).split(separator: "\n") {
                    guard let space = record.firstIndex(of: " "), let equals = record.firstIndex(of: "=") else { continue }
                    let key = record[record.index(after: space)..<equals], value = String(record[record.index(after: equals)...])
                    if key == "path" { pendingPath = value }
                    if key == "size" { pendingSize = Int(value) }
                }
                continue
            case UInt8(ascii: "g"):
                continue
            case UInt8(ascii: "L"):
                pendingPath = String(decoding: bytes[content].prefix { $0 != 0 }, as: UTF8.self)
                continue
            default:
                break
            }
            let fullPath = Self.clean(pendingPath ?? path)
            pendingPath = nil
            pendingSize = nil
            let kind: Entry.Kind = switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): .file
            case UInt8(ascii: "5"): .directory
            case UInt8(ascii: "2"): .symbolicLink(target: link)
            case UInt8(ascii: "1"): .hardLink(target: Self.clean(link))
            default: .other
            }
            entries.append(Entry(path: fullPath, kind: kind, contentRange: content))
        }
        self.entries = entries
    }

    /// The content of an entry.
    public func content(of entry: Entry) -> Data {
        data.subdata(in: (data.startIndex + entry.contentRange.lowerBound)..<(data.startIndex + entry.contentRange.upperBound))
    }

    /// The last regular file at `path` (later members replace earlier ones).
    public func file(_ path: String) -> Entry? {
        entries.last { $0.path == path && $0.kind == .file }
    }

    static func clean(_ path: String) -> String {
        var text = Substring(path)
        while text.hasPrefix("./") { text = text.dropFirst(2) }
        while text.hasPrefix("/") { text = text.dropFirst() }
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }

    /// An octal number field (NUL or space terminated), or GNU base-256 when the top bit is set.
    static func number(_ field: ArraySlice<UInt8>) -> Int? {
        if let first = field.first, first & 0x80 != 0 {
            var value = Int(first & 0x7F)
            for byte in field.dropFirst() { value = value << 8 | Int(byte) }
            return value
        }
        let digits = field.drop { $0 == 32 || $0 == 0 }.prefix { $0 >= 48 && $0 <= 55 }
        guard !digits.isEmpty else { return field.allSatisfy { $0 == 0 || $0 == 32 } ? 0 : nil }
        return digits.reduce(0) { $0 * 8 + Int($1 - 48) }
    }
}
