import TradingCore

/// Holdings, prices and targets, typed: amounts exact, weights numbers. The API's request body
/// and the file of `orchestrator rebalance` are read into it by the adapters.
public struct RebalanceSpecification: Sendable {
    /// How the plan is made.
    public enum Method: String, Sendable, CaseIterable {
        /// Rebalance when a drift exceeds the threshold, with the least turnover.
        case drift
        /// Allocate the cash into whole lots with PyPortfolioOpt's greedy algorithm (nothing held).
        case greedy
    }

    /// One holding, or a price for a target not held yet (quantity zero).
    public struct Holding: Sendable, Hashable {
        /// The asset.
        public var symbol: String
        /// The quantity held.
        public var quantity: FixedDecimal
        /// Its price now.
        public var price: FixedDecimal
        /// The smallest tradable quantity.
        public var lotSize: FixedDecimal

        /// Creates a holding.
        public init(symbol: String, quantity: FixedDecimal = .zero, price: FixedDecimal, lotSize: FixedDecimal = FixedDecimal(1)) {
            self.symbol = symbol
            self.quantity = quantity
            self.price = price
            self.lotSize = lotSize
        }
    }

    /// The cash held.
    public var cash: FixedDecimal
    /// The holdings, and prices of the targets not held.
    public var positions: [Holding]
    /// Target weights by symbol.
    public var targets: [String: Double]
    /// The drift from a target that triggers a rebalance.
    public var driftThreshold: Double = 0.05
    /// Orders below this notional are not placed.
    public var minimumNotional: FixedDecimal = .zero
    /// Drift rebalance or greedy allocation.
    public var method: Method = .drift

    /// A specification with the default threshold, minimum and method.
    public init(cash: FixedDecimal, positions: [Holding], targets: [String: Double]) {
        self.cash = cash
        self.positions = positions
        self.targets = targets
    }

    /// The plan, as a drift rebalance or a greedy allocation.
    public enum Result: Sendable {
        case rebalance(Rebalancer.Plan)
        case allocation(DiscreteAllocation.Result, prices: [String: Price])
    }

    /// Validates and plans.
    public func plan() throws(PortfolioError) -> Result {
        var seen = Set<String>()
        for holding in positions where !seen.insert(holding.symbol).inserted {
            throw .invalidParameter("\(holding.symbol) appears twice in positions")
        }
        if let missing = targets.keys.sorted().first(where: { !seen.contains($0) }) {
            throw .invalidParameter("target \(missing) has no price: list it in positions (quantity \"0\" when not held)")
        }
        switch method {
        case .drift:
            let rebalancer = Rebalancer(driftThreshold: driftThreshold, minimumNotional: minimumNotional)
            let holdings = positions.map { holding in
                Rebalancer.Position(symbol: holding.symbol, quantity: Quantity(holding.quantity), price: Price(holding.price),
                                    targetWeight: targets[holding.symbol] ?? 0, lotSize: Quantity(holding.lotSize))
            }
            return .rebalance(try rebalancer.plan(positions: holdings, cash: cash))
        case .greedy:
            if let held = positions.first(where: { $0.quantity != .zero }) {
                throw .invalidParameter("greedy allocates cash only; \(held.symbol) is held — use method drift to rebalance holdings")
            }
            let assets = positions.map { holding in
                DiscreteAllocation.Asset(symbol: holding.symbol, weight: targets[holding.symbol] ?? 0, price: Price(holding.price),
                                         lotSize: Quantity(holding.lotSize))
            }
            let prices = Dictionary(uniqueKeysWithValues: positions.map { ($0.symbol, Price($0.price)) })
            return .allocation(try DiscreteAllocation.greedy(assets, total: cash), prices: prices)
        }
    }
}
