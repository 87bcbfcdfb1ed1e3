import TradingCore

/// Drift-triggered rebalancing from current holdings to target weights.
///
/// Weights are measured on equity E = cash + Σ qᵢpᵢ; the part of E not assigned to any asset is the
/// cash target. When the largest |current − target| weight exceeds the threshold (5 percentage
/// points by default), each asset trades only its own difference to its target, the least turnover
/// that reaches it: sells are rounded to the nearest lot (never more than is held), buys down to a
/// whole lot; trades below the minimum notional are dropped; and when the buys cost more than the
/// cash the sells free, they are scaled down pro rata (floored to whole lots), so the plan never needs credit. Orders list
/// sells before buys. All amounts are exact fixed point; weights and drifts are analytics (Double).
public struct Rebalancer: Sendable {
    /// One position (or a target for an asset not held yet).
    public struct Position: Sendable {
        /// The asset's symbol.
        public var symbol: String
        /// The quantity held (0 for a new asset).
        public var quantity: Quantity
        /// The latest price.
        public var price: Price
        /// The target weight of equity (0 sells the position).
        public var targetWeight: Double
        /// The smallest tradable quantity.
        public var lotSize: Quantity

        /// Creates a position.
        public init(symbol: String, quantity: Quantity, price: Price, targetWeight: Double,
                    lotSize: Quantity = Quantity(FixedDecimal(1))) {
            self.symbol = symbol
            self.quantity = quantity
            self.price = price
            self.targetWeight = targetWeight
            self.lotSize = lotSize
        }
    }

    /// Buy or sell.
    public enum Side: String, Sendable, CaseIterable {
        case buy, sell
    }

    /// One order of the plan.
    public struct Order: Sendable {
        /// The asset.
        public let symbol: String
        /// Buy or sell.
        public let side: Side
        /// A positive quantity, a multiple of the lot size.
        public let quantity: Quantity
        /// The price the plan assumed.
        public let price: Price
        /// quantity × price.
        public let notional: FixedDecimal
    }

    /// Per-asset weights before and after.
    public struct AssetDrift: Sendable {
        /// The asset.
        public let symbol: String
        /// Its weight of equity now.
        public let currentWeight: Double
        /// Its target weight.
        public let targetWeight: Double
        /// current − target.
        public let drift: Double
        /// Its weight after the plan's orders fill at the assumed prices.
        public let weightAfter: Double
    }

    /// The outcome: whether to rebalance, why, and the orders.
    public struct Plan: Sendable {
        /// Whether any drift exceeds the threshold.
        public let rebalanceNeeded: Bool
        /// A sentence saying why (or why not).
        public let reason: String
        /// Cash + holdings at the given prices.
        public let equity: FixedDecimal
        /// Cash before the orders.
        public let cashBefore: FixedDecimal
        /// Cash after the orders fill at the assumed prices (never negative).
        public let cashAfter: FixedDecimal
        /// Drifts per asset, in input order.
        public let assets: [AssetDrift]
        /// Orders: sells first, then buys, each group by descending notional.
        public let orders: [Order]
        /// Σ |notional| / equity.
        public let turnover: Double
    }

    /// The drift that triggers a rebalance, in weight (0.05 = 5 percentage points).
    public var driftThreshold: Double
    /// Orders below this notional are not placed.
    public var minimumNotional: FixedDecimal

    /// Creates a rebalancer.
    public init(driftThreshold: Double = 0.05, minimumNotional: FixedDecimal = .zero) {
        self.driftThreshold = driftThreshold
        self.minimumNotional = minimumNotional
    }

    /// Plans the orders that take `positions` and `cash` to the targets.
    public func plan(positions: [Position], cash: FixedDecimal) throws(PortfolioError) -> Plan {
        try validate(positions, cash: cash)
        let values: [FixedDecimal]
        do {
            values = try positions.map { position throws(DecimalArithmeticError) in try position.quantity.value.multiplied(by: position.price.value) }
        } catch {
            throw .invalidParameter("holdings overflow fixed point")
        }
        var equity = cash
        do {
            for value in values { equity = try equity.adding(value) }
        } catch {
            throw .invalidParameter("cash plus holdings overflow fixed point (about ±1.7e20)")
        }
        guard equity.isPositive else { throw .invalidParameter("equity (cash + holdings) must be positive to rebalance, got \(equity)") }
        let equityValue = equity.doubleValue
        let current = values.map { $0.doubleValue / equityValue }
        let drifts = positions.indices.map { current[$0] - positions[$0].targetWeight }
        let worst = drifts.indices.max { abs(drifts[$0]) < abs(drifts[$1]) }
        let worstDrift = worst.map { abs(drifts[$0]) } ?? 0
        guard let worst, worstDrift > driftThreshold else {
            let detail = worst.map { ": the largest drift is \(percentagePoints(drifts[$0])) (\(positions[$0].symbol))" } ?? ""
            return Plan(rebalanceNeeded: false,
                        reason: "no rebalance needed\(detail), within the threshold of \(percentagePoints(driftThreshold))",
                        equity: equity, cashBefore: cash, cashAfter: cash,
                        assets: positions.indices.map { AssetDrift(symbol: positions[$0].symbol, currentWeight: current[$0],
                                                                   targetWeight: positions[$0].targetWeight, drift: drifts[$0],
                                                                   weightAfter: current[$0]) },
                        orders: [], turnover: 0)
        }

        var sells: [Order] = [], buys: [Order] = []
        var buyLots: [(index: Int, lots: Int128, lotPrice: FixedDecimal)] = []
        var cashAfter = cash
        do {
            for (index, position) in positions.enumerated() {
                guard let target = FixedDecimal(approximating: position.targetWeight) else { continue }
                let targetValue = try target.multiplied(by: equity)
                let lotPrice = try position.lotSize.value.multiplied(by: position.price.value)
                let difference = targetValue - values[index]
                if difference.isNegative {
                    let heldLots = try position.quantity.value.divided(by: position.lotSize.value, rounding: .towardZero)
                        .rounded(toFractionalDigits: 0, rounding: .towardZero)
                    let lots = min(try (-difference).divided(by: lotPrice).rounded(toFractionalDigits: 0), heldLots)
                    // Selling to a zero target sells everything, odd lots included.
                    let quantity = position.targetWeight == 0 ? position.quantity.value : try lots.multiplied(by: position.lotSize.value)
                    let notional = try quantity.multiplied(by: position.price.value)
                    guard quantity.isPositive, notional >= minimumNotional else { continue }
                    sells.append(Order(symbol: position.symbol, side: .sell, quantity: Quantity(quantity), price: position.price, notional: notional))
                    cashAfter = cashAfter + notional
                } else if difference.isPositive {
                    let lots = try difference.divided(by: lotPrice, rounding: .towardZero).rounded(toFractionalDigits: 0, rounding: .towardZero)
                    guard lots.isPositive else { continue }
                    buyLots.append((index, lots.units / FixedDecimal.unitsPerWhole, lotPrice))
                }
            }
            // Fit the buys into the cash: scale them pro rata and floor to whole lots, so the total
            // cannot exceed the cash (one pass, whatever the amounts).
            let costs = try buyLots.map { item throws(DecimalArithmeticError) in
                try FixedDecimal(units: item.lots * FixedDecimal.unitsPerWhole).multiplied(by: item.lotPrice)
            }
            let totalCost = costs.reduce(.zero, +)
            if totalCost > cashAfter {
                let scale = try cashAfter.divided(by: totalCost, rounding: .towardZero)
                for index in buyLots.indices {
                    let scaled = try FixedDecimal(units: buyLots[index].lots * FixedDecimal.unitsPerWhole).multiplied(by: scale, rounding: .towardZero)
                    buyLots[index].lots = scaled.units / FixedDecimal.unitsPerWhole
                }
            }
            for item in buyLots where item.lots > 0 {
                let position = positions[item.index]
                let quantity = try FixedDecimal(units: item.lots * FixedDecimal.unitsPerWhole).multiplied(by: position.lotSize.value)
                let notional = try quantity.multiplied(by: position.price.value)
                guard notional >= minimumNotional else { continue }
                buys.append(Order(symbol: position.symbol, side: .buy, quantity: Quantity(quantity), price: position.price, notional: notional))
                cashAfter = cashAfter - notional
            }
        } catch {
            throw .invalidParameter("the order amounts overflow fixed point")
        }
        let orders = sells.sorted { $0.notional > $1.notional } + buys.sorted { $0.notional > $1.notional }
        var after = values
        for order in orders {
            let index = positions.firstIndex { $0.symbol == order.symbol }!
            after[index] = order.side == .buy ? after[index] + order.notional : after[index] - order.notional
        }
        let traded = orders.reduce(FixedDecimal.zero) { $0 + $1.notional }
        return Plan(rebalanceNeeded: true,
                    reason: "rebalance: \(positions[worst].symbol) drifted \(percentagePoints(drifts[worst])) from its target, beyond the threshold of \(percentagePoints(driftThreshold))",
                    equity: equity, cashBefore: cash, cashAfter: cashAfter,
                    assets: positions.indices.map { AssetDrift(symbol: positions[$0].symbol, currentWeight: current[$0],
                                                               targetWeight: positions[$0].targetWeight, drift: drifts[$0],
                                                               weightAfter: after[$0].doubleValue / equityValue) },
                    orders: orders, turnover: traded.doubleValue / equityValue)
    }

    private func validate(_ positions: [Position], cash: FixedDecimal) throws(PortfolioError) {
        guard driftThreshold >= 0, driftThreshold.isFinite else { throw .invalidParameter("the drift threshold must be ≥ 0") }
        guard !cash.isNegative else { throw .invalidParameter("cash must not be negative, got \(cash)") }
        var seen = Set<String>()
        for position in positions {
            guard seen.insert(position.symbol).inserted else { throw .invalidParameter("\(position.symbol) appears twice") }
            guard position.price.value.isPositive else {
                throw .invalidPrice(symbol: position.symbol, date: "latest", value: position.price.value.doubleValue)
            }
            guard !position.quantity.value.isNegative else {
                throw .invalidParameter("\(position.symbol): quantity \(position.quantity) is negative; rebalancing is long-only")
            }
            guard position.lotSize.value.isPositive else { throw .invalidParameter("\(position.symbol): lot size must be positive") }
            guard position.targetWeight >= 0, position.targetWeight.isFinite else {
                throw .invalidParameter("\(position.symbol): target weight \(position.targetWeight) must be a finite number ≥ 0")
            }
        }
        let total = positions.reduce(0) { $0 + $1.targetWeight }
        guard total <= 1 + 1e-9 else {
            throw .invalidParameter("target weights sum to \(total); they must sum to at most 1 (the rest is the cash target)")
        }
    }

    private func percentagePoints(_ weight: Double) -> String {
        let points = (abs(weight) * 10000).rounded() / 100
        return "\(points) percentage points"
    }
}
