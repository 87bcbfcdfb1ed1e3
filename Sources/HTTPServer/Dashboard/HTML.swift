import Foundation
import TradingCore

/// Writing HTML safely: every text from data goes through `escape`.
enum HTML {
    /// HTML-escapes text (element content and quoted attribute values).
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A time in UTC as `2024-05-01 13:00`, marked so the page's local-time switch can rewrite it.
    static func time(_ time: Timestamp) -> String {
        let text = time.iso8601
        return "<time datetime=\"\(text)\">\(text.prefix(16).replacingOccurrences(of: "T", with: " "))</time>"
    }

    /// Percent-encodes text for a query value or a path segment.
    static func urlEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"):
                result.append(Character(UnicodeScalar(byte)))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    /// A table: a header row of `columns` (links when `sortLink` gives one) and `rows` of cell text.
    /// Cells of the `times` columns that hold an ISO 8601 time are written with `time`.
    static func table(columns: [String], rows: [[String]], numeric: Set<Int> = [], times: Set<Int> = [], sortLink: ((Int) -> String)? = nil) -> String {
        var html = "<table><thead><tr>"
        for (index, column) in columns.enumerated() {
            let label = escape(column)
            html += "<th\(numeric.contains(index) ? " class=\"number\"" : "")>" + (sortLink.map { "<a href=\"\(escape($0(index)))\">\(label)</a>" } ?? label) + "</th>"
        }
        html += "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>" + row.enumerated().map { index, cell in
                let text = times.contains(index) ? Timestamp(iso8601: cell).map(time) ?? escape(cell) : escape(cell)
                return "<td\(numeric.contains(index) ? " class=\"number\"" : "")>\(text)</td>"
            }.joined() + "</tr>"
        }
        if rows.isEmpty { html += "<tr><td colspan=\"\(columns.count)\" class=\"empty\">nothing yet</td></tr>" }
        return html + "</tbody></table>"
    }
}

extension String {
    /// The text with zeros in front up to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
