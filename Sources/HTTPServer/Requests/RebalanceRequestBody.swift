import Foundation
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
        let quantity: RequestDecimal?
        let price: RequestDecimal
        let lotSize: RequestDecimal?

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case symbol, quantity, price, lotSize = "lot_size"
        }

        init(from decoder: any Decoder) throws {
            try decoder.refuseMembers(except: Set(CodingKeys.allCases.map(\.rawValue)))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            symbol = try container.decode(String.self, forKey: .symbol)
            quantity = try container.decodeIfPresent(RequestDecimal.self, forKey: .quantity)
            price = try container.decode(RequestDecimal.self, forKey: .price)
            lotSize = try container.decodeIfPresent(RequestDecimal.self, forKey: .lotSize)
        }
    }

    let cash: RequestDecimal
    let positions: [Holding]
    let targets: [String: Double]
    let driftThreshold: Double?
    let minimumNotional: RequestDecimal?
    let method: String?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case cash, positions, targets, driftThreshold = "drift_threshold", minimumNotional = "minimum_notional", method
    }

    /// The members a body may carry.
    static let keys = Set(CodingKeys.allCases.map(\.rawValue))

    /// The typed specification of a body read from elsewhere (the file of `orchestrator
    /// rebalance`), held to the same rules as the route's: the problem names the member.
    public static func specification(from data: Data) throws(RequestFieldError) -> RebalanceSpecification {
        if let problem = JSONBody.problem(in: data, allowedKeys: keys) { throw problem }
        let body: RebalanceRequestBody
        do {
            body = try JSONDecoder().decode(RebalanceRequestBody.self, from: data)
        } catch let error as DecodingError {
            throw RequestFieldError("body", error.clientDescription)
        } catch {
            throw RequestFieldError("body", "is not valid JSON")
        }
        return try body.specification()
    }

    /// The typed specification.
    public func specification() throws(RequestFieldError) -> RebalanceSpecification {
        var specification = RebalanceSpecification(cash: cash.value, positions: positions.map { holding in
            RebalanceSpecification.Holding(symbol: holding.symbol, quantity: holding.quantity?.value ?? .zero, price: holding.price.value,
                                           lotSize: holding.lotSize?.value ?? FixedDecimal(1))
        }, targets: targets)
        specification.driftThreshold = driftThreshold ?? specification.driftThreshold
        specification.minimumNotional = minimumNotional?.value ?? specification.minimumNotional
        if let method { specification.method = try RequestFieldError.parse(method, field: "method", as: RebalanceSpecification.Method.self) }
        return specification
    }
}
