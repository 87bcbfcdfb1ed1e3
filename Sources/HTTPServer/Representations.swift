import TradingCore
import TradingEngine

/// The JSON shapes of API bodies and CLI `--format json` output. Keys are snake_case and stable:
/// scripts and dashboards depend on them, so a change needs a note in the changelog.
public enum Representations {
    /// An instrument with its stored series.
    public static func instrument(_ summary: InstrumentSummary) -> JSONValue {
        [
            "symbol": .string(summary.instrument.symbol.rawValue),
            "asset_class": .string(summary.instrument.assetClass.rawValue),
            "quote_currency": .optional(summary.instrument.quoteCurrency),
            "series": .array(summary.series.map { series in
                [
                    "timeframe": .string(series.timeframe.rawValue),
                    "kind": .string(series.kind.rawValue),
                    "bar_count": .int(series.barCount),
                    "first_open_time": .optional(series.firstOpenTime?.iso8601),
                    "last_open_time": .optional(series.lastOpenTime?.iso8601),
                ]
            }),
        ]
    }

    /// A stored API key: never the key or its hash, only its shown prefix.
    public static func apiKey(_ record: APIKeyRecord) -> JSONValue {
        [
            "id": .integer(record.id),
            "name": .string(record.name),
            "role": .string(record.role.rawValue),
            "prefix": .string(record.prefix),
            "created_at": .string(record.createdAt.iso8601),
            "revoked_at": .optional(record.revokedAt?.iso8601),
            "active": .bool(record.isActive),
        ]
    }

    /// A key just created: the stored record plus the secret, the only time it is ever shown.
    public static func createdAPIKey(_ record: APIKeyRecord, key: String) -> JSONValue {
        guard case .object(let members) = apiKey(record) else { preconditionFailure("a key's representation is an object") }
        return .object(members + [("key", .string(key))])
    }

    /// What an import changed.
    public static func importSummary(_ summary: BarImportSummary) -> JSONValue {
        [
            "symbol": .string(summary.symbol.rawValue),
            "timeframe": .string(summary.timeframe.rawValue),
            "received": .int(summary.received),
            "inserted": .int(summary.inserted),
            "updated": .int(summary.updated),
            "unchanged": .int(summary.unchanged),
        ]
    }

    /// A page of bars, written straight to bytes: this is the API's hottest body.
    public static func barPage(_ page: BarPage, symbol: Symbol, timeframe: Timeframe) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(96 + page.bars.count * 160)
        output.append(contentsOf: #"{"symbol":"#.utf8)
        JSONValue.writeString(symbol.rawValue, into: &output)
        output.append(contentsOf: #","timeframe":""#.utf8)
        output.append(contentsOf: timeframe.rawValue.utf8)
        output.append(contentsOf: #"","bars":["#.utf8)
        for (index, bar) in page.bars.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: #"{"open_time":""#.utf8)
            bar.openTime.writeISO8601(into: &output)
            // Prices are decimal strings so no client parses them through binary floating point.
            // Stored decimals are canonical (digits, '.', '-'), so they need no escaping.
            output.append(contentsOf: #"","open":""#.utf8)
            output.append(contentsOf: bar.open.utf8)
            output.append(contentsOf: #"","high":""#.utf8)
            output.append(contentsOf: bar.high.utf8)
            output.append(contentsOf: #"","low":""#.utf8)
            output.append(contentsOf: bar.low.utf8)
            output.append(contentsOf: #"","close":""#.utf8)
            output.append(contentsOf: bar.close.utf8)
            if let volume = bar.volume {
                output.append(contentsOf: #"","volume":""#.utf8)
                output.append(contentsOf: volume.utf8)
                output.append(contentsOf: #""}"#.utf8)
            } else {
                output.append(contentsOf: #"","volume":null}"#.utf8)
            }
        }
        output.append(contentsOf: #"],"next_start":"#.utf8)
        if let next = page.nextStart {
            output.append(UInt8(ascii: "\""))
            next.writeISO8601(into: &output)
            output.append(UInt8(ascii: "\""))
        } else {
            output.append(contentsOf: "null".utf8)
        }
        output.append(UInt8(ascii: "}"))
        return output
    }
}
