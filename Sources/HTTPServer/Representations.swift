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
        output.reserveCapacity(64 + page.bars.count * 150)
        output += Array(#"{"symbol":"#.utf8)
        JSONValue.writeString(symbol.rawValue, into: &output)
        output += Array(#","timeframe":""#.utf8) + Array(timeframe.rawValue.utf8) + Array(#"","bars":["#.utf8)
        for (index, bar) in page.bars.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            output += Array(#"{"open_time":""#.utf8) + Array(bar.openTime.iso8601.utf8)
            // Prices are decimal strings so no client parses them through binary floating point.
            output += Array(#"","open":""#.utf8) + Array(bar.open.utf8)
            output += Array(#"","high":""#.utf8) + Array(bar.high.utf8)
            output += Array(#"","low":""#.utf8) + Array(bar.low.utf8)
            output += Array(#"","close":""#.utf8) + Array(bar.close.utf8)
            if let volume = bar.volume {
                output += Array(#"","volume":""#.utf8) + Array(volume.utf8) + Array(#""}"#.utf8)
            } else {
                output += Array(#"","volume":null}"#.utf8)
            }
        }
        output += Array(#"],"next_start":"#.utf8)
        if let next = page.nextStart {
            JSONValue.writeString(next.iso8601, into: &output)
        } else {
            output += Array("null".utf8)
        }
        output.append(UInt8(ascii: "}"))
        return output
    }
}
