import Foundation
import ZIPFoundation

/// Decompresses gzip data (RFC 1952), as container image layers are stored by registries, `podman
/// save` and `docker save` of pulled images: the header is read here and the deflate body is
/// inflated by ZIPFoundation's zlib binding; each member's CRC-32 and length are checked, and
/// members that follow one another are joined, as gzip itself does.
enum Gunzip {
    /// Why data is not gzip, or is damaged.
    struct GzipError: Error, CustomStringConvertible {
        let description: String
    }

    /// The decompressed bytes of every member.
    static func decompress(_ data: Data) throws -> Data {
        let bytes = [UInt8](data)
        var output = Data()
        var position = 0
        repeat {
            position = try member(bytes, at: position, into: &output)
            // Trailing zero padding after the last member is allowed, as gzip allows it.
        } while position < bytes.count && bytes[position...].contains(where: { $0 != 0 })
        return output
    }

    /// Decompresses the member at `start`; returns where the next one begins.
    private static func member(_ bytes: [UInt8], at start: Int, into output: inout Data) throws -> Int {
        func need(_ count: Int, _ at: Int) throws {
            guard at + count <= bytes.count else { throw GzipError(description: "truncated gzip data at byte \(at)") }
        }
        try need(10, start)
        guard bytes[start] == 0x1F, bytes[start + 1] == 0x8B else { throw GzipError(description: "not gzip data at byte \(start)") }
        guard bytes[start + 2] == 8 else { throw GzipError(description: "gzip compression method \(bytes[start + 2]) is not deflate") }
        let flags = bytes[start + 3]
        var position = start + 10
        if flags & 0x04 != 0 { // FEXTRA
            try need(2, position)
            position += 2 + Int(bytes[position]) + Int(bytes[position + 1]) << 8
        }
        for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 { // FNAME, FCOMMENT: zero-terminated
            while true {
                try need(1, position)
                position += 1
                if bytes[position - 1] == 0 { break }
            }
        }
        if flags & 0x02 != 0 { position += 2 } // FHCRC
        try need(0, position)
        let body = Data(bytes[position...])
        var inflated = Data()
        var consumed = false
        let crc: UInt32
        do {
            // One chunk holds the whole body, so zlib is never told of bytes that are not there; a
            // second request means the stream did not end within the data: it is truncated.
            crc = try Data.decompress(size: Int64(body.count), bufferSize: max(body.count, 1), skipCRC32: false, provider: { offset, _ in
                guard !consumed, offset == 0 else { throw GzipError(description: "truncated gzip data: the deflate stream does not end") }
                consumed = true
                return body
            }, consumer: { inflated.append($0) })
        } catch let error as GzipError {
            throw error
        } catch {
            throw GzipError(description: "damaged gzip data: \(error)")
        }
        // The deflate stream's own length is not reported back: find the trailer by the checksum.
        // CRC-32 and ISIZE (length mod 2^32) follow the stream; search from the end of the body
        // for the first position whose eight bytes match both.
        let size = UInt32(truncatingIfNeeded: inflated.count)
        var trailer: Int?
        var candidate = position
        while candidate + 8 <= bytes.count {
            if readLittleEndian(bytes, candidate) == crc, readLittleEndian(bytes, candidate + 4) == size {
                trailer = candidate
                break
            }
            candidate += 1
        }
        guard let trailer else { throw GzipError(description: "the gzip trailer's CRC-32 or length does not match the data") }
        output.append(inflated)
        return trailer + 8
    }

    private static func readLittleEndian(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
