import Foundation
import TradingCore
import TradingEngine

extension Representations {
    /// The account's summary: equity, cash, P&L and exposure at the last processed bar (amounts as exact decimal strings).
    public static func portfolio(account: TradingAccountRecord, checkpoint: SessionCheckpoint) throws -> JSONValue {
        let ledger = Ledger(snapshot: checkpoint.ledger)
        let equity = try ledger.equity(prices: checkpoint.marks)
        let unrealised = try ledger.unrealisedProfit(prices: checkpoint.marks)
        var gross = FixedDecimal.zero
        for (symbol, position) in ledger.positions {
            gross = gross + (try position.quantity.multiplied(by: checkpoint.marks[symbol] ?? .zero)).absolute
        }
        let pnl = equity - ledger.capital
        return [
            "account": .string(account.name),
            "as_of": checkpoint.lastCloseTime.map { .string($0.iso8601) } ?? .null,
            "bars_processed": .int(checkpoint.nextIndex),
            "state": .string(checkpoint.gate.state.rawValue),
            "equity": .string(equity.description),
            "cash": .string(ledger.cash.description),
            "capital": .string(ledger.capital.description),
            "pnl": .string(pnl.description),
            "return_pct": .number(ledger.capital.isPositive ? pnl.doubleValue / ledger.capital.doubleValue * 100 : 0),
            "realised_pnl": .string(ledger.realisedProfit.description),
            "unrealised_pnl": .string(unrealised.description),
            "fees": .string(ledger.fees.description),
            "gross_exposure": .string(gross.description),
            "exposure_pct": .number(equity.isPositive ? gross.doubleValue / equity.doubleValue * 100 : 0),
            "positions": .int(ledger.positions.count),
            "pending_orders": .int(checkpoint.pending.count),
            "decisions": .int(checkpoint.decisions),
            "configuration": .string(account.fingerprint),
            "updated_at": .string(account.updatedAt.iso8601),
        ]
    }

    /// Open positions marked at the last close, largest value first.
    public static func positions(account: TradingAccountRecord, checkpoint: SessionCheckpoint) throws -> JSONValue {
        let ledger = Ledger(snapshot: checkpoint.ledger)
        let equity = try ledger.equity(prices: checkpoint.marks)
        var rows: [(Double, JSONValue)] = []
        for (symbol, position) in ledger.positions {
            let price = checkpoint.marks[symbol] ?? .zero
            let value = try position.quantity.multiplied(by: price)
            let average = try position.cost.divided(by: position.quantity)
            rows.append((value.absolute.doubleValue, [
                "symbol": .string(symbol.rawValue),
                "quantity": .string(position.quantity.description),
                "average_cost": .string(average.description),
                "cost_basis": .string(position.cost.description),
                "last_price": .string(price.description),
                "market_value": .string(value.description),
                "unrealised_pnl": .string((value - position.cost).description),
                "weight_pct": .number(equity.isPositive ? value.doubleValue / equity.doubleValue * 100 : 0),
            ]))
        }
        return [
            "account": .string(account.name),
            "as_of": checkpoint.lastCloseTime.map { .string($0.iso8601) } ?? .null,
            "positions": .array(rows.sorted { $0.0 > $1.0 }.map(\.1)),
        ]
    }

    /// One order as stored.
    public static func order(_ order: StoredOrder) -> JSONValue {
        let average: JSONValue = order.filledQuantity.isPositive
            ? ((try? order.filledNotional.divided(by: order.filledQuantity)).map { .string($0.description) } ?? .null) : .null
        return [
            "client_order_id": .string(order.clientOrderID),
            "symbol": .string(order.symbol.rawValue),
            "side": .string(order.side.rawValue),
            "type": .string(order.type),
            "quantity": .string(order.quantity.description),
            "status": .string(order.status.rawValue),
            "filled_quantity": .string(order.filledQuantity.description),
            "average_fill_price": average,
            "created_at": .string(order.createdAt.iso8601),
            "updated_at": .string(order.updatedAt.iso8601),
        ]
    }

    /// One fill.
    public static func trade(_ fill: BookedFill) -> JSONValue {
        [
            "fill_id": .string(fill.fillID),
            "client_order_id": .string(fill.clientOrderID),
            "symbol": .string(fill.symbol.rawValue),
            "side": .string(fill.side.rawValue),
            "quantity": .string(fill.quantity.description),
            "price": .string(fill.price.description),
            "fee": .string(fill.fee.description),
            "time": .string(fill.time.iso8601),
        ]
    }

    /// One equity mark.
    public static func equityPoint(_ point: EquityPoint) -> JSONValue {
        [
            "time": .string(point.time.iso8601),
            "bar_index": .int(point.barIndex),
            "equity": .string(point.equity.description),
            "cash": .string(point.cash.description),
            "gross_exposure": .string(point.grossExposure.description),
            "state": .string(point.state.rawValue),
        ]
    }
}
