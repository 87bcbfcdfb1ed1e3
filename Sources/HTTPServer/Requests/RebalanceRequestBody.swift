import PortfolioOptimizer
import TradingCore

/// Holdings, prices and targets as `POST /api/v1/portfolio/rebalance` and the file of
/// `orchestrator rebalance` write them: amounts are decimal strings (exact), weights numbers.
///
/// ```json
/// {"cash": "2500.00", "targets": {"AAPL": 0.5, "MSFT": 0.4},
///  "positions": [{"symbol": "AAPL", "quantity": "10", "price": "190.25"},
///                {"symbol": "MSFT", "quantity": "0", "price": "410.10", "lot_size": "1"}],
///  "drift_threshold": 0.05, "minimum_notional": "10", "method": "drift"}
/// ```
public struct RebalanceRequestBody: Decodable, Sendable {
    /// One holding, or a price for a target not held yet.
    struct Holding: Decodable {
        let symbol: String
        let quantity: FixedDecimal?
        let price: FixedDecimal
        let lotSize: FixedDecimal?

        private enum CodingKeys: String, CodingKey {
            case symbol, quantity, price, lotSize = "lot_size"
        }
    }

    let cash: FixedDecimal
    let positions: [Holding]
    let targets: [String: Double]
    let driftThreshold: Double?
    let minimumNotional: FixedDecimal?
    let method: String?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case cash, positions, targets, driftThreshold = "drift_threshold", minimumNotional = "minimum_notional", method
    }

    /// The members a body may carry.
    static let keys = Set(CodingKeys.allCases.map(\.rawValue))

    /// The typed specification.
    public func specification() throws(RequestFieldError) -> RebalanceSpecification {
        var specification = RebalanceSpecification(cash: cash, positions: positions.map { holding in
            RebalanceSpecification.Holding(symbol: holding.symbol, quantity: holding.quantity ?? .zero, price: holding.price,
                                           lotSize: holding.lotSize ?? FixedDecimal(1))
        }, targets: targets)
        specification.driftThreshold = driftThreshold ?? specification.driftThreshold
        specification.minimumNotional = minimumNotional ?? specification.minimumNotional
        if let method { specification.method = try RequestFieldError.parse(method, field: "method", as: RebalanceSpecification.Method.self) }
        return specification
    }
}
