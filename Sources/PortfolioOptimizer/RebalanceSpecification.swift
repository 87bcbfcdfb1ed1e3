import TradingCore

/// Holdings, prices and targets: the request body of `POST /api/v1/portfolio/rebalance` and the
/// input file of `orchestrator rebalance`. Amounts are decimal strings (exact); weights are numbers.
///
/// ```json
/// {"cash": "2500.00", "targets": {"AAPL": 0.5, "MSFT": 0.4},
///  "positions": [{"symbol": "AAPL", "quantity": "10", "price": "190.25"},
///                {"symbol": "MSFT", "quantity": "0", "price": "410.10", "lot_size": "1"}],
///  "drift_threshold": 0.05, "minimum_notional": "10", "method": "drift"}
/// ```
/// `method` is `drift` (rebalance when a drift exceeds the threshold) or `greedy` (allocate the
/// cash into whole lots with PyPortfolioOpt's greedy algorithm; positions must be empty).
public struct RebalanceSpecification: Sendable, Decodable {
    /// One holding, or a price for a target not held yet.
    public struct Holding: Sendable, Decodable {
        public var symbol: String
        public var quantity: FixedDecimal?
        public var price: FixedDecimal
        public var lotSize: FixedDecimal?

        private enum CodingKeys: String, CodingKey {
            case symbol, quantity, price, lotSize = "lot_size"
        }
    }

    public var cash: FixedDecimal
    public var positions: [Holding]
    public var targets: [String: Double]
    public var driftThreshold: Double?
    public var minimumNotional: FixedDecimal?
    public var method: String?

    private enum CodingKeys: String, CodingKey {
        case cash, positions, targets, driftThreshold = "drift_threshold", minimumNotional = "minimum_notional", method
    }

    /// The JSON keys a request body may carry.
    public static let keys: Set<String> = ["cash", "positions", "targets", "drift_threshold", "minimum_notional", "method"]

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
        switch method ?? "drift" {
        case "drift":
            let rebalancer = Rebalancer(driftThreshold: driftThreshold ?? 0.05, minimumNotional: minimumNotional ?? .zero)
            let holdings = positions.map { holding in
                Rebalancer.Position(symbol: holding.symbol, quantity: Quantity(holding.quantity ?? .zero), price: Price(holding.price),
                                    targetWeight: targets[holding.symbol] ?? 0, lotSize: Quantity(holding.lotSize ?? FixedDecimal(1)))
            }
            return .rebalance(try rebalancer.plan(positions: holdings, cash: cash))
        case "greedy":
            if let held = positions.first(where: { ($0.quantity ?? .zero) != .zero }) {
                throw .invalidParameter("greedy allocates cash only; \(held.symbol) is held — use method drift to rebalance holdings")
            }
            let assets = positions.map { holding in
                DiscreteAllocation.Asset(symbol: holding.symbol, weight: targets[holding.symbol] ?? 0, price: Price(holding.price),
                                         lotSize: Quantity(holding.lotSize ?? FixedDecimal(1)))
            }
            let prices = Dictionary(uniqueKeysWithValues: positions.map { ($0.symbol, Price($0.price)) })
            return .allocation(try DiscreteAllocation.greedy(assets, total: cash), prices: prices)
        case let other:
            throw .invalidParameter("method must be drift or greedy, got \(other)")
        }
    }
}
