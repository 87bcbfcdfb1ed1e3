import Foundation
import Prediction
import TradingCore

// The records a trading session hands out: a step's changes, its fills and the checkpoint to resume from.

/// One fill as booked.
public struct BookedFill: Sendable, Hashable {
    /// `<client order id>-1` (the simulated venue fills an order at most once).
    public let fillID: String
    public let clientOrderID: String
    public let symbol: Symbol
    public let side: OrderSide
    public let quantity: FixedDecimal
    public let price: FixedDecimal
    public let fee: FixedDecimal
    public let time: Timestamp

    /// Creates a fill record.
    public init(fillID: String, clientOrderID: String, symbol: Symbol, side: OrderSide, quantity: FixedDecimal, price: FixedDecimal,
                fee: FixedDecimal, time: Timestamp) {
        self.fillID = fillID
        self.clientOrderID = clientOrderID
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.time = time
    }
}

/// Everything one bar changed.
public struct SessionStep: Sendable {
    /// The bar's index in the replay, its open and its close time.
    public let index: Int
    public let openTime: Timestamp
    public let closeTime: Timestamp
    /// Orders created or changed in this step, as they stand at its end.
    public let orders: [Order]
    public let fills: [BookedFill]
    public let ledgerEntries: [Ledger.Entry]
    /// Equity, cash and Σ|position value| at the close.
    public let equity: FixedDecimal
    public let cash: FixedDecimal
    public let grossExposure: FixedDecimal
    /// Close prices of this bar.
    public let marks: [Symbol: FixedDecimal]
    public let state: TradingState
    public let alerts: [RiskEngine.Alert]
    /// Orders refused in this step, by rule (risk gate) or `venue: reason` / `insufficient_cash`.
    public let rejections: [String: Int]
    /// The policy's forecasts at this close, per symbol one per horizon (the decision's first).
    public let forecasts: [Symbol: [Forecast]]
    /// Whether the policy made a decision at this close.
    public let decided: Bool
}

/// What the session must remember to go on after a restart exactly as it would have without one.
public struct SessionCheckpoint: Sendable, Codable {
    /// Bars processed so far (the next step is bar `nextIndex`) and the last one's close time.
    public let nextIndex: Int
    public let lastCloseTime: Timestamp?
    public let ledger: Ledger.Snapshot
    public let gate: RiskEngine.Snapshot
    /// Accepted orders waiting for the next bar.
    public let pending: [PendingOrder]
    public let orderSequence: Int
    public let decisions: Int
    public let exposedBars: Int
    public let fills: Int
    public let marks: [Symbol: FixedDecimal]
    /// The policy's own checkpoint (JSON text).
    public let policy: String
}

/// An accepted market order as the checkpoint keeps it: waiting for the next bar (simulated), or
/// in flight on an external venue with the trades booked so far.
public struct PendingOrder: Sendable, Codable, Hashable {
    public let clientOrderID: String
    public let symbol: Symbol
    public let side: OrderSide
    public let quantity: FixedDecimal
    public let createdAt: Timestamp
    /// The venue's trades already booked (external venues only; absent in older checkpoints).
    public var trades: [PendingTrade]?
}

/// One venue trade of an order in flight, as booked: it is never booked twice.
public struct PendingTrade: Sendable, Codable, Hashable {
    public let tradeID: String
    public let quantity: FixedDecimal
    public let price: FixedDecimal
}

/// What one execution report changed, stored in one transaction (no bar closed, so no mark).
public struct SessionEvent: Sendable {
    /// The order as it stands after the report (nil: the report was for no order in flight).
    public let order: Order?
    public let fills: [BookedFill]
    public let ledgerEntries: [Ledger.Entry]
    public let alerts: [RiskEngine.Alert]
    /// Why the report changed nothing (a repeated trade, an order not in flight), or nil.
    public let ignoredBecause: String?

    /// A report that changed nothing, and why (with the alerts it raises, if any).
    static func ignored(_ reason: String, alerts: [RiskEngine.Alert] = []) -> SessionEvent {
        SessionEvent(order: nil, fills: [], ledgerEntries: [], alerts: alerts, ignoredBecause: reason)
    }
}


/// Where a session stands after a step, for progress lines and metrics.
public struct SessionProgress: Sendable {
    public let step: SessionStep
    public let openPositions: Int
    public let fills: Int
    public let peakEquity: FixedDecimal
    public let capital: FixedDecimal
    public let barCount: Int
    public let isFinished: Bool
    /// Orders on the external venue not ended by its reports yet (0 when fills are simulated).
    public var ordersInFlight = 0
}
