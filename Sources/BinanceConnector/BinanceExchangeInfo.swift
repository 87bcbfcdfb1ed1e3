import Foundation
import TradingCore
import TradingEngine

/// `GET /api/v3/exchangeInfo`: each symbol's rules from its filters, and the rate limits.
public struct BinanceExchangeInfo: Sendable {
    /// One of `rateLimits`: at most `limit` of `type` per `intervalNumber` × `interval`.
    public struct RateLimit: Sendable, Hashable {
        /// `REQUEST_WEIGHT`, `ORDERS` or `RAW_REQUESTS`.
        public let type: String
        /// The window's length in milliseconds.
        public let windowMilliseconds: Int64
        public let limit: Int
        /// The header that reports its use: `X-MBX-USED-WEIGHT-1M`, `X-MBX-ORDER-COUNT-10S`.
        public var headerName: String? {
            let suffix = BinanceExchangeInfo.intervalSuffix(windowMilliseconds)
            switch type {
            case "REQUEST_WEIGHT": return "x-mbx-used-weight-\(suffix)"
            case "ORDERS": return "x-mbx-order-count-\(suffix)"
            default: return nil
            }
        }
    }

    public let serverTime: Timestamp
    public let rules: [Symbol: InstrumentRules]
    public let rateLimits: [RateLimit]

    /// Why the document cannot be used, naming the symbol and filter.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Decodes the JSON body.
    public init(json: Data) throws {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: json)
        } catch {
            throw FormatError(description: "exchangeInfo is not in the documented shape: \(error)")
        }
        serverTime = Timestamp(millisecondsSinceEpoch: document.serverTime)
        var rules: [Symbol: InstrumentRules] = [:]
        for entry in document.symbols {
            guard let symbol = Symbol(entry.symbol) else { continue }
            rules[symbol] = try Self.rules(of: entry, symbol: symbol)
        }
        self.rules = rules
        rateLimits = try document.rateLimits.map { limit in
            guard let unit = Self.intervalMilliseconds[limit.interval], limit.intervalNum > 0, limit.limit > 0 else {
                throw FormatError(description: "rate limit \(limit.rateLimitType) has an unknown interval \(limit.intervalNum) \(limit.interval)")
            }
            return RateLimit(type: limit.rateLimitType, windowMilliseconds: unit * Int64(limit.intervalNum), limit: limit.limit)
        }
    }

    static let intervalMilliseconds: [String: Int64] = ["SECOND": 1_000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000]

    static func intervalSuffix(_ milliseconds: Int64) -> String {
        for (letter, unit) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] where milliseconds % unit == 0 {
            return "\(milliseconds / unit)\(letter)"
        }
        return "\(milliseconds)ms"
    }

    private static func rules(of entry: Document.SymbolEntry, symbol: Symbol) throws -> InstrumentRules {
        func decimal(_ filter: Document.Filter, _ key: String, _ text: String?) throws -> FixedDecimal {
            guard let text else { return .zero }
            guard let value = FixedDecimal(text), !value.isNegative else {
                throw FormatError(description: "\(symbol) \(filter.filterType).\(key) is not a non-negative decimal: \(text)")
            }
            return value
        }
        var tick = FixedDecimal.zero, minPrice = FixedDecimal.zero, maxPrice = FixedDecimal.zero
        var step = FixedDecimal.zero, minQuantity = FixedDecimal.zero, maxQuantity = FixedDecimal.zero
        var marketStep: FixedDecimal?, marketMaximum: FixedDecimal?
        var minNotional = FixedDecimal.zero, maxNotional = FixedDecimal.zero, applyToMarket = true
        for filter in entry.filters {
            switch filter.filterType {
            case "PRICE_FILTER":
                tick = try decimal(filter, "tickSize", filter.tickSize)
                minPrice = try decimal(filter, "minPrice", filter.minPrice)
                maxPrice = try decimal(filter, "maxPrice", filter.maxPrice)
            case "LOT_SIZE":
                step = try decimal(filter, "stepSize", filter.stepSize)
                minQuantity = try decimal(filter, "minQty", filter.minQty)
                maxQuantity = try decimal(filter, "maxQty", filter.maxQty)
            case "MARKET_LOT_SIZE":
                // A zero step means "none": market orders then follow LOT_SIZE's step.
                let marketStepValue = try decimal(filter, "stepSize", filter.stepSize)
                marketStep = marketStepValue.isZero ? nil : marketStepValue
                let maximum = try decimal(filter, "maxQty", filter.maxQty)
                marketMaximum = maximum.isZero ? nil : maximum
            case "NOTIONAL":
                minNotional = try decimal(filter, "minNotional", filter.minNotional)
                maxNotional = try decimal(filter, "maxNotional", filter.maxNotional)
                applyToMarket = filter.applyMinToMarket ?? true
            case "MIN_NOTIONAL":
                minNotional = try decimal(filter, "minNotional", filter.minNotional)
                applyToMarket = filter.applyToMarket ?? true
            default:
                continue
            }
        }
        return InstrumentRules(symbol: symbol, baseAsset: entry.baseAsset, quoteAsset: entry.quoteAsset, tickSize: tick, minimumPrice: minPrice,
                               maximumPrice: maxPrice, stepSize: step, minimumQuantity: minQuantity, maximumQuantity: maxQuantity,
                               marketStepSize: marketStep, marketMaximumQuantity: marketMaximum, minimumNotional: minNotional,
                               maximumNotional: maxNotional, minimumNotionalAppliesToMarket: applyToMarket, isTrading: entry.status == "TRADING")
    }

    private struct Document: Decodable {
        struct Limit: Decodable {
            let rateLimitType: String
            let interval: String
            let intervalNum: Int
            let limit: Int
        }

        struct Filter: Decodable {
            let filterType: String
            let minPrice: String?
            let maxPrice: String?
            let tickSize: String?
            let minQty: String?
            let maxQty: String?
            let stepSize: String?
            let minNotional: String?
            let maxNotional: String?
            let applyToMarket: Bool?
            let applyMinToMarket: Bool?
        }

        struct SymbolEntry: Decodable {
            let symbol: String
            let status: String
            let baseAsset: String
            let quoteAsset: String
            let filters: [Filter]
        }

        let serverTime: Int64
        let rateLimits: [Limit]
        let symbols: [SymbolEntry]
    }
}
