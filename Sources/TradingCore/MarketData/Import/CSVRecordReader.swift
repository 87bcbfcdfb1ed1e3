/// Splits CSV text into records of fields: comma-separated, `\n` or `\r\n` line ends, RFC 4180
/// double quotes (with `""` for a quote inside). Each record carries its 1-based line number.
struct CSVRecordReader: Sequence {
    struct Record {
        let line: Int
        let fields: [String]
    }

    enum ReadError: Error {
        case unterminatedQuote(line: Int)
    }

    let bytes: [UInt8]

    func makeIterator() -> Iterator { Iterator(bytes: bytes) }

    struct Iterator: IteratorProtocol {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        /// Set when a record could not be read; iteration stops there.
        var failure: ReadError?

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A UTF-8 byte-order mark is invisible in editors; skip it rather than fail on the header.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        mutating func next() -> Record? {
            guard index < bytes.count, failure == nil else { return nil }
            let recordLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            var quoted = false
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if quoted {
                    if byte == UInt8(ascii: "\"") {
                        if index < bytes.count && bytes[index] == UInt8(ascii: "\"") {
                            field.append(byte)
                            index += 1
                        } else {
                            quoted = false
                        }
                    } else {
                        if byte == UInt8(ascii: "\n") { line += 1 }
                        field.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""):
                    quoted = true
                case UInt8(ascii: ","):
                    fields.append(String(decoding: field, as: UTF8.self))
                    field.removeAll(keepingCapacity: true)
                case UInt8(ascii: "\n"):
                    line += 1
                    if field.last == UInt8(ascii: "\r") { field.removeLast() }
                    fields.append(String(decoding: field, as: UTF8.self))
                    return Record(line: recordLine, fields: fields)
                default:
                    field.append(byte)
                }
            }
            if quoted {
                failure = .unterminatedQuote(line: recordLine)
                return nil
            }
            if field.last == UInt8(ascii: "\r") { field.removeLast() }
            fields.append(String(decoding: field, as: UTF8.self))
            return Record(line: recordLine, fields: fields)
        }
    }
}

extension CSVRecordReader.Record {
    /// Whether the record is an empty line (trailing newlines and blank lines are skipped).
    var isBlank: Bool { fields.count == 1 && fields[0].allSatisfy(\.isWhitespace) }
}
