import Foundation
import TradingCore
import TradingEngine

/// Decoding of the order, trade and account bodies of the REST API into the engine's types.
enum BinanceOrderMessages {
    /// Why a body cannot be read.
    struct FormatError: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    /// An order as `POST`, `GET` and `DELETE /api/v3/order` and `openOrders` return it.
    struct OrderBody: Decodable {
        let symbol: String
        let orderId: Int64
        let clientOrderId: String
        /// In a cancel's answer the original id (`clientOrderId` is then the cancel request's own).
        let origClientOrderId: String?
        let price: String?
        let stopPrice: String?
        let origQty: String?
        let executedQty: String?
        let cummulativeQuoteQty: String?
        let status: String?
        let type: String?
        let side: String?
        let time: Int64?
        let updateTime: Int64?
        let transactTime: Int64?
        let fills: [FillBody]?
    }

    /// One of a FULL order answer's `fills`.
    struct FillBody: Decodable {
        let price: String
        let qty: String
        let commission: String
        let commissionAsset: String
        let tradeId: Int64
    }

    /// One `myTrades` row.
    struct TradeBody: Decodable {
        let symbol: String
        let id: Int64
        let orderId: Int64
        let price: String
        let qty: String
        let commission: String
        let commissionAsset: String
        let time: Int64
        let isBuyer: Bool
    }

    /// `GET /api/v3/account`.
    struct AccountBody: Decodable {
        struct Balance: Decodable {
            let asset: String
            let free: String
            let locked: String
        }

        let canTrade: Bool?
        let canWithdraw: Bool?
        let canDeposit: Bool?
        let accountType: String?
        let permissions: [String]?
        let balances: [Balance]
    }

    /// The engine's status of a Binance order status.
    static func status(_ text: String, executed: FixedDecimal) throws -> OrderStatus {
        switch text {
        case "NEW", "PENDING_NEW": return .accepted
        case "PARTIALLY_FILLED": return .partiallyFilled
        case "PENDING_CANCEL": return executed.isPositive ? .partiallyFilled : .accepted
        case "FILLED": return .filled
        case "CANCELED": return .cancelled
        case "REJECTED": return .rejected
        case "EXPIRED", "EXPIRED_IN_MATCH": return .expired
        default: throw FormatError(description: "unknown order status \(text)")
        }
    }

    static func decimal(_ text: String?, _ field: String) throws -> FixedDecimal {
        guard let text else { return .zero }
        guard let value = FixedDecimal(text) else { throw FormatError(description: "\(field) is not a decimal: \(text)") }
        return value
    }

    static func side(_ text: String?) throws -> OrderSide {
        switch text {
        case "BUY": .buy
        case "SELL": .sell
        default: throw FormatError(description: "unknown side \(text ?? "null")")
        }
    }

    static func symbol(_ text: String) throws -> Symbol {
        guard let symbol = Symbol(text) else { throw FormatError(description: "not a symbol: \(text)") }
        return symbol
    }

    /// The state of an order body.
    static func state(_ body: OrderBody, fallbackTime: Timestamp) throws -> VenueOrderState {
        let executed = try decimal(body.executedQty, "executedQty")
        let price = try decimal(body.price, "price"), stop = try decimal(body.stopPrice, "stopPrice")
        let type: OrderType
        switch body.type {
        case "LIMIT", "LIMIT_MAKER": type = .limit(Price(price))
        case "STOP_LOSS", "TAKE_PROFIT": type = .stop(Price(stop))
        case "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT": type = .stopLimit(stop: Price(stop), limit: Price(price))
        default: type = .market
        }
        let time = (body.updateTime ?? body.transactTime ?? body.time).map(Timestamp.init(millisecondsSinceEpoch:)) ?? fallbackTime
        return VenueOrderState(clientOrderID: body.origClientOrderId ?? body.clientOrderId, venueOrderID: String(body.orderId),
                               symbol: try symbol(body.symbol), side: try side(body.side), type: type,
                               status: try status(body.status ?? "NEW", executed: executed), quantity: try decimal(body.origQty, "origQty"),
                               filledQuantity: executed, filledNotional: try decimal(body.cummulativeQuoteQty, "cummulativeQuoteQty"), updatedAt: time)
    }

    /// The fills of a FULL order answer.
    static func fills(_ body: OrderBody, state: VenueOrderState) throws -> [VenueFill] {
        try (body.fills ?? []).map { fill in
            VenueFill(tradeID: String(fill.tradeId), clientOrderID: state.clientOrderID, symbol: state.symbol, side: state.side,
                      quantity: try decimal(fill.qty, "fills.qty"), price: try decimal(fill.price, "fills.price"),
                      fee: try decimal(fill.commission, "fills.commission"), feeAsset: fill.commissionAsset, time: state.updatedAt)
        }
    }

    /// A `myTrades` row as a fill of the order with `clientOrderID`.
    static func fill(_ trade: TradeBody, clientOrderID: String) throws -> VenueFill {
        VenueFill(tradeID: String(trade.id), clientOrderID: clientOrderID, symbol: try symbol(trade.symbol), side: trade.isBuyer ? .buy : .sell,
                  quantity: try decimal(trade.qty, "qty"), price: try decimal(trade.price, "price"), fee: try decimal(trade.commission, "commission"),
                  feeAsset: trade.commissionAsset, time: Timestamp(millisecondsSinceEpoch: trade.time))
    }

    /// Decodes `type` from `data`, naming what was expected when it fails.
    static func decode<Body: Decodable>(_ type: Body.Type, from data: Data, what: String) throws -> Body {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw FormatError(description: "\(what) is not in the documented shape: \(error)")
        }
    }
}
