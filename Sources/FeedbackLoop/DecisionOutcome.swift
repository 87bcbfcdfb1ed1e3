import TradingCore

/// A trading decision (one fill) scored over its horizon: the P&L of the filled quantity from the
/// fill price to the close `h` bars later, net of the fill's fee, in fixed point.
public struct DecisionOutcome: Sendable, Hashable, Codable {
    /// (exit − fill price) × quantity, signed by the side (a sell gains when the price falls).
    public let grossPnL: FixedDecimal
    /// The fill's fee.
    public let fee: FixedDecimal
    /// Gross less the fee.
    public let netPnL: FixedDecimal
    /// Net P&L over the fill's notional, in basis points (analytics: binary floating point).
    public let returnBasisPoints: Double
    /// SUCCESS when the net P&L is positive, FAILURE otherwise.
    public let verdict: LearningSignal.Kind

    /// The verdict rule.
    public static let rule = "net P&L of the filled quantity from the fill price (the open of its bar) to the close of the h-th bar from it (h = the account's decision interval), after the fill's fee, > 0"

    /// Scores a fill against the exit close.
    public init(buy: Bool, quantity: FixedDecimal, price: FixedDecimal, fee: FixedDecimal, exitClose: FixedDecimal) throws(DecimalArithmeticError) {
        let move = buy ? exitClose - price : price - exitClose
        grossPnL = try move.multiplied(by: quantity)
        self.fee = fee
        netPnL = grossPnL - fee
        let notional = try price.multiplied(by: quantity)
        returnBasisPoints = notional.isZero ? 0 : netPnL.doubleValue / notional.doubleValue * 10_000
        verdict = netPnL.isPositive ? .success : .failure
    }

    /// An outcome as stored earlier.
    public init(grossPnL: FixedDecimal, fee: FixedDecimal, netPnL: FixedDecimal, returnBasisPoints: Double, verdict: LearningSignal.Kind) {
        self.grossPnL = grossPnL
        self.fee = fee
        self.netPnL = netPnL
        self.returnBasisPoints = returnBasisPoints
        self.verdict = verdict
    }
}
