import Foundation
import TradingCore
import VenueTransport

/// A kline (candle) from the REST history or a stream frame, with whether it has closed.
public struct BinanceKline: Sendable, Hashable {
    public let symbol: Symbol
    public let timeframe: Timeframe
    public let bar: Bar
    /// `x` in stream frames; history rows are closed when their close time has passed.
    public let isClosed: Bool

    /// Why a kline cannot be read.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Binance's interval codes of the timeframes the engine has.
    public static func interval(of timeframe: Timeframe) -> String { timeframe.rawValue }

    /// The timeframe of a Binance interval code, nil for one the engine does not have (1s, 8h, 3d, 1M).
    public static func timeframe(ofInterval interval: String) -> Timeframe? { Timeframe(rawValue: interval) }

    /// Decodes one stream frame, raw (`{"e":"kline",…}`) or combined (`{"stream":…,"data":{…}}`).
    /// Returns nil for a frame that is not a kline event (a subscription answer, say).
    public static func decodeStreamFrame(_ bytes: [UInt8]) throws -> BinanceKline? {
        var scanner = JSONByteScanner(bytes)
        let fields: KlineFields?
        do {
            fields = try event(&scanner)
        } catch {
            throw FormatError(description: error.description)
        }
        return try fields?.kline(bytes)
    }

    /// The kline fields of an event object (looking inside a combined stream's `data`), nil when
    /// the event is of another type.
    private static func event(_ scanner: inout JSONByteScanner, enveloped: Bool = false) throws(JSONByteScanner.Failure) -> KlineFields? {
        var isKline = false
        var nested: KlineFields?
        var fields = KlineFields()
        try scanner.forEachMember { scanner, key throws(JSONByteScanner.Failure) in
            // One envelope level at most (a combined stream's data): deeper nesting is skipped, never recursed into.
            if scanner.matches(key, "data") && !enveloped {
                nested = try event(&scanner, enveloped: true)
            } else if scanner.matches(key, "e") {
                let value = try scanner.stringRange()
                isKline = scanner.matches(value, "kline")
            } else if scanner.matches(key, "k") {
                try fields.read(&scanner)
            } else {
                try scanner.skipValue()
            }
        }
        if let nested { return nested }
        return isKline ? fields : nil
    }

    /// The `k` object's fields as byte ranges, converted once all are read.
    private struct KlineFields {
        var openTime: Int64?
        var symbol: Range<Int>?
        var interval: Range<Int>?
        var open: Range<Int>?, high: Range<Int>?, low: Range<Int>?, close: Range<Int>?, volume: Range<Int>?
        var closed: Bool?

        mutating func read(_ scanner: inout JSONByteScanner) throws(JSONByteScanner.Failure) {
            try scanner.forEachMember { scanner, key throws(JSONByteScanner.Failure) in
                guard key.count == 1 else { return try scanner.skipValue() }
                switch scanner.bytes[key.lowerBound] {
                case UInt8(ascii: "t"): openTime = try scanner.integer()
                case UInt8(ascii: "s"): symbol = try scanner.stringRange()
                case UInt8(ascii: "i"): interval = try scanner.stringRange()
                case UInt8(ascii: "o"): open = try scanner.stringRange()
                case UInt8(ascii: "h"): high = try scanner.stringRange()
                case UInt8(ascii: "l"): low = try scanner.stringRange()
                case UInt8(ascii: "c"): close = try scanner.stringRange()
                case UInt8(ascii: "v"): volume = try scanner.stringRange()
                case UInt8(ascii: "x"): closed = try scanner.boolean()
                default: try scanner.skipValue()
                }
            }
        }

        func kline(_ bytes: [UInt8]) throws -> BinanceKline {
            guard let openTime, let symbol, let interval, let open, let high, let low, let close, let closed else {
                throw FormatError(description: "a kline event lacks one of k.t, k.s, k.i, k.o, k.h, k.l, k.c, k.x")
            }
            let symbolText = String(decoding: bytes[symbol], as: UTF8.self)
            guard let parsedSymbol = Symbol(symbolText) else { throw FormatError(description: "k.s: not a symbol: \(symbolText)") }
            let intervalText = String(decoding: bytes[interval], as: UTF8.self)
            guard let timeframe = BinanceKline.timeframe(ofInterval: intervalText) else {
                throw FormatError(description: "k.i: interval \(intervalText) is not a timeframe the engine trades")
            }
            try BinanceKline.checkOpenTime(openTime, timeframe: timeframe, field: "k.t")
            func price(_ range: Range<Int>, _ field: String) throws -> Price {
                do { return Price(try FixedDecimal(parsingSlice: bytes[range])) } catch {
                    throw FormatError(description: "k.\(field): \(error)")
                }
            }
            let quantity: Quantity?
            if let volume {
                do { quantity = Quantity(try FixedDecimal(parsingSlice: bytes[volume])) } catch { throw FormatError(description: "k.v: \(error)") }
            } else {
                quantity = nil
            }
            do {
                let bar = try Bar(openTime: Timestamp(millisecondsSinceEpoch: openTime), open: price(open, "o"), high: price(high, "h"),
                                  low: price(low, "l"), close: price(close, "c"), volume: quantity)
                return BinanceKline(symbol: parsedSymbol, timeframe: timeframe, bar: bar, isClosed: closed)
            } catch let error as BarValidationError {
                throw FormatError(description: "k.\(error.field.prefix(1)): \(error.reason)")
            }
        }
    }

    /// How long after a history row's close time it counts as closed.
    public static let closedMarginMilliseconds: Int64 = 2_000

    /// An open time the engine can hold, on the timeframe's grid (weekly bars open on Mondays, which the grid of the epoch does not show).
    static func checkOpenTime(_ openTime: Int64, timeframe: Timeframe, field: String) throws {
        guard Timestamp.supportedRange.contains(Timestamp(millisecondsSinceEpoch: openTime)) else {
            throw FormatError(description: "\(field): \(openTime) is outside the supported years")
        }
        guard timeframe == .oneWeek || openTime % timeframe.milliseconds == 0 else {
            throw FormatError(description: "\(field): \(openTime) is not on the \(timeframe.rawValue) grid")
        }
    }

    /// Decodes a `GET /api/v3/klines` body: rows of `[openTime, open, high, low, close, volume, closeTime, …]`.
    /// `now` decides which rows have closed (the newest row is usually still forming).
    public static func decodeHistory(_ json: Data, symbol: Symbol, timeframe: Timeframe, now: Timestamp) throws -> [BinanceKline] {
        let rows: [Row]
        do {
            rows = try JSONDecoder().decode([Row].self, from: json)
        } catch {
            throw FormatError(description: "klines are not rows of [openTime, open, high, low, close, volume, closeTime, …]: \(error)")
        }
        return try rows.enumerated().map { offset, row in
            try checkOpenTime(row.openTime, timeframe: timeframe, field: "kline row \(offset): openTime")
            func price(_ text: String, _ field: String) throws -> Price {
                guard let value = FixedDecimal(text) else { throw FormatError(description: "kline row \(offset): \(field) is not a decimal: \(text)") }
                return Price(value)
            }
            guard let volume = FixedDecimal(row.volume) else { throw FormatError(description: "kline row \(offset): volume is not a decimal: \(row.volume)") }
            do {
                let bar = try Bar(openTime: Timestamp(millisecondsSinceEpoch: row.openTime), open: price(row.open, "open"), high: price(row.high, "high"),
                                  low: price(row.low, "low"), close: price(row.close, "close"), volume: Quantity(volume))
                // A margin behind the exchange's time: a row fetched as its bar closes may still lack its last trades.
                return BinanceKline(symbol: symbol, timeframe: timeframe, bar: bar, isClosed: row.closeTime + closedMarginMilliseconds < now.millisecondsSinceEpoch)
            } catch let error as BarValidationError {
                throw FormatError(description: "kline row \(offset): \(error.field): \(error.reason)")
            }
        }
    }

    private struct Row: Decodable {
        let openTime: Int64
        let open: String, high: String, low: String, close: String, volume: String
        let closeTime: Int64

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            openTime = try container.decode(Int64.self)
            open = try container.decode(String.self)
            high = try container.decode(String.self)
            low = try container.decode(String.self)
            close = try container.decode(String.self)
            volume = try container.decode(String.self)
            closeTime = try container.decode(Int64.self)
        }
    }
}

extension BinanceKline {
    /// Whether a frame is the `serverShutdown` event (raw or inside a combined stream's `data`).
    public static func isServerShutdown(_ bytes: [UInt8]) -> Bool {
        var scanner = JSONByteScanner(bytes)
        return (try? shutdownEvent(&scanner)) ?? false
    }

    private static func shutdownEvent(_ scanner: inout JSONByteScanner, enveloped: Bool = false) throws(JSONByteScanner.Failure) -> Bool {
        var found = false
        try scanner.forEachMember { scanner, key throws(JSONByteScanner.Failure) in
            if scanner.matches(key, "data") && !enveloped {
                found = try shutdownEvent(&scanner, enveloped: true) || found
            } else if scanner.matches(key, "e") {
                let value = try scanner.stringRange()
                found = found || scanner.matches(value, "serverShutdown")
            } else {
                try scanner.skipValue()
            }
        }
        return found
    }
}
