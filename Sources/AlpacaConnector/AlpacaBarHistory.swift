import Foundation
import TradingCore
import TradingEngine

/// Bars from Alpaca's market-data REST: stocks from `/v2/stocks/bars` (feed `iex` by default,
/// `sip` by configuration), crypto from `/v1beta3/crypto/us/bars`, each followed across pages by
/// `next_page_token`; prices read as exact decimals.
public struct AlpacaBarHistory: Sendable {
    /// The stock feed: `iex` (free) or `sip` (all exchanges, a paid plan).
    public enum StockFeed: String, Sendable, CaseIterable {
        case iex, sip
    }

    public let rest: AlpacaRESTClient
    public let feed: StockFeed
    /// Bars asked for per page (Alpaca allows up to 10,000).
    public let pageSize: Int
    /// Pages read at most for one request (a guard against a token that never ends).
    public let maximumPages: Int

    /// Creates a reader of the market-data REST client `rest`.
    public init(rest: AlpacaRESTClient, feed: StockFeed = .iex, pageSize: Int = 10_000, maximumPages: Int = 1_000) {
        self.rest = rest
        self.feed = feed
        self.pageSize = pageSize
        self.maximumPages = maximumPages
    }

    /// Why bars could not be read.
    public struct BarError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The bars of `symbol` whose open time is in `range`, oldest first, across every page.
    public func bars(_ symbol: Symbol, timeframe: Timeframe, range: Range<Timestamp>) async throws -> [Bar] {
        let market = AlpacaMarketSymbol(symbol)
        let path = market.isCrypto ? "/v1beta3/crypto/us/bars" : "/v2/stocks/bars"
        var query: [(String, String)] = [("symbols", market.alpacaName), ("timeframe", AlpacaMarketSymbol.barLength(timeframe)),
                                         ("start", range.lowerBound.iso8601), ("end", range.upperBound.adding(milliseconds: -1).iso8601),
                                         ("limit", String(pageSize))]
        if !market.isCrypto { query += [("feed", feed.rawValue), ("adjustment", "raw")] }
        var bars: [Bar] = []
        var token: String?
        for page in 0..<maximumPages {
            let response = try await rest.get(path, query: query + (token.map { [("page_token", $0)] } ?? []))
            // `bars` maps each symbol to its bars; a symbol without bars in the range is absent (or `bars` is null).
            let entries: [AlpacaJSON]
            switch response.body["bars"] {
            case .object(let members)?: entries = members[market.alpacaName]?.array ?? []
            case .null?: entries = []
            default: throw BarError(description: "\(path) page \(page + 1): no `bars` object in the answer")
            }
            for entry in entries {
                bars.append(try Self.bar(entry, symbol: market.alpacaName))
            }
            token = response.body["next_page_token"]?.string
            if token == nil || token?.isEmpty == true { break }
            if page == maximumPages - 1 { throw BarError(description: "\(path): more than \(maximumPages) pages for \(market.alpacaName)") }
        }
        // Sorted and without repeats, whatever the pages held; only the asked range.
        var seen = Set<Int64>()
        return bars.sorted { $0.openTime < $1.openTime }.filter { range.contains($0.openTime) && seen.insert($0.openTime.millisecondsSinceEpoch).inserted }
    }

    /// One bar object (`t`, `o`, `h`, `l`, `c`, `v`) with exact decimals.
    static func bar(_ entry: AlpacaJSON, symbol: String) throws -> Bar {
        guard let time = AlpacaOrderMessages.time(entry["t"]), let open = AlpacaOrderMessages.decimal(entry["o"]),
              let high = AlpacaOrderMessages.decimal(entry["h"]), let low = AlpacaOrderMessages.decimal(entry["l"]),
              let close = AlpacaOrderMessages.decimal(entry["c"]) else {
            throw BarError(description: "a bar of \(symbol) without t, o, h, l or c")
        }
        do {
            return try Bar(openTime: time, open: Price(open), high: Price(high), low: Price(low), close: Price(close),
                           volume: AlpacaOrderMessages.decimal(entry["v"]).map(Quantity.init))
        } catch {
            throw BarError(description: "a bar of \(symbol) at \(time.iso8601): \(error)")
        }
    }
}
