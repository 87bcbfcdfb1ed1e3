import Hummingbird
import NIOCore
import TradingCore

/// A table of the API's JSON records on a dashboard page: sorted by any column (`?sort=&order=`),
/// paged (`?page=`, 50 rows), and the same rows as a CSV download.
struct RecordTable: Sendable {
    /// A column: the record's key, its heading, and whether it holds numbers.
    struct Column: Sendable {
        let key: String
        let heading: String
        let numeric: Bool

        init(_ key: String, _ heading: String, numeric: Bool = false) {
            self.key = key
            self.heading = heading
            self.numeric = numeric
        }
    }

    /// Rows per page.
    static let pageSize = 50

    let columns: [Column]
    let records: [JSONValue]

    /// A record's cell: text as it is, numbers as the API writes them, null as empty.
    static func cell(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: text
        case .integer(let number)?: String(number)
        case .number(let number)?: String(format: "%.2f", number)
        case .bool(let flag)?: flag ? "yes" : "no"
        default: ""
        }
    }

    /// The records sorted by the column named `sort` (ascending unless `descending`); numeric
    /// columns compare as numbers, the rest as text; the given order breaks ties.
    func sorted(by sort: String?, descending: Bool) -> [[String]] {
        let rows = records.map { record in columns.map { Self.cell(record[$0.key]) } }
        guard let sort, let index = columns.firstIndex(where: { $0.key == sort }) else { return rows }
        let numeric = columns[index].numeric
        // Sorted ascending on (value, position), then reversed for descending: a strict order even
        // for equal values ("1.5" and "1.50", or two cells that are not numbers).
        let ordered = rows.enumerated().sorted { left, right in
            let a = left.element[index], b = right.element[index]
            if numeric {
                let x = Double(a) ?? -.infinity, y = Double(b) ?? -.infinity
                if x != y { return x < y }
            } else if a != b {
                return a < b
            }
            return left.offset < right.offset
        }
        return (descending ? ordered.reversed() : ordered).map(\.element)
    }

    /// The HTML of one page of the table under `path` (`query` holds the page's other parameters).
    func html(path: String, query: QueryValidator, extra: [(String, String)]) throws -> String {
        let sort = try query.value("sort")
        if let sort, !columns.contains(where: { $0.key == sort }) {
            throw ProblemDetails.invalidParameter("sort", "must be one of \(columns.map(\.key).joined(separator: ", "))")
        }
        let descending = try query.parsed("order", accepted: "asc or desc") { ["asc": false, "desc": true][$0] } ?? false
        let rows = sorted(by: sort, descending: descending)
        let pages = max(1, (rows.count + Self.pageSize - 1) / Self.pageSize)
        let page = try query.parsed("page", accepted: "a page from 1 to \(pages)") { Int($0).flatMap { (1...pages).contains($0) ? $0 : nil } } ?? 1
        func link(sort: String?, descending: Bool, page: Int) -> String {
            var parameters = extra
            if let sort { parameters += [("sort", sort), ("order", descending ? "desc" : "asc")] }
            if page > 1 { parameters.append(("page", String(page))) }
            return path + (parameters.isEmpty ? "" : "?" + parameters.map { "\($0)=\(HTML.urlEncoded($1))" }.joined(separator: "&"))
        }
        let shown = Array(rows.dropFirst((page - 1) * Self.pageSize).prefix(Self.pageSize))
        let numeric = Set(columns.indices.filter { columns[$0].numeric })
        // Times (the API's `…_at` and `time` keys) are marked for the local-time switch.
        let times = Set(columns.indices.filter { columns[$0].key == "time" || columns[$0].key.hasSuffix("_at") })
        var html = HTML.table(columns: columns.map(\.heading), rows: shown, numeric: numeric, times: times) { index in
            let key = self.columns[index].key
            return link(sort: key, descending: key == sort ? !descending : false, page: 1)
        }
        html += "<div class=\"pager\"><span>\(rows.count) rows, page \(page) of \(pages)</span>"
        if page > 1 { html += "<a href=\"\(HTML.escape(link(sort: sort, descending: descending, page: page - 1)))\">previous</a>" }
        if page < pages { html += "<a href=\"\(HTML.escape(link(sort: sort, descending: descending, page: page + 1)))\">next</a>" }
        html += "</div>"
        return html
    }

    /// Every row as CSV (RFC 4180: fields with a comma, a quote or a line break quoted).
    var csv: String {
        func field(_ text: String) -> String {
            // A text a spreadsheet would run as a formula is written with a leading apostrophe (numbers are left alone).
            let safe = Double(text) == nil && ["=", "+", "-", "@"].contains(text.first) ? "'" + text : text
            let quoted = safe.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            return quoted ? "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : safe
        }
        let header = columns.map { field($0.key) }.joined(separator: ",")
        let lines = records.map { record in columns.map { field(Self.cell(record[$0.key])) }.joined(separator: ",") }
        return ([header] + lines).joined(separator: "\r\n") + "\r\n"
    }

    /// The CSV as a download named `name`.
    func csvResponse(name: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        DashboardPage.securityHeaders(&headers)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: csv)))
    }
}
