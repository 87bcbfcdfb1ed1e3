import TradingCore

/// Turns target weights and a cash amount into whole lots, with PyPortfolioOpt's greedy
/// algorithm (`DiscreteAllocation.greedy_portfolio`, long-only):
///
/// 1. Assets in descending weight order (stable); buy ⌊wᵢ·V / (pᵢ·lot)⌋ lots of each.
/// 2. While cash remains: the asset furthest below its weight (largest wᵢ − current weight, the
///    first on ties) gets one more lot; an asset whose lot costs more than the cash left is skipped
///    (at most 10 skips per round, as in the reference); stop when no asset is below its weight.
///
/// Amounts are exact fixed point: the cash left over is exact, where the reference's is a float.
/// The lot counts of step 1 are exact floors (the reference truncates a float quotient, which can
/// differ by one lot when wᵢ·V/pᵢ is within 1e-12 of an integer).
public enum DiscreteAllocation {
    /// One asset to buy.
    public struct Asset: Sendable {
        /// The asset's symbol.
        public var symbol: String
        /// Its target weight (≥ 0).
        public var weight: Double
        /// Its latest price.
        public var price: Price
        /// The smallest tradable quantity (1 share by default).
        public var lotSize: Quantity

        /// Creates an asset to buy.
        public init(symbol: String, weight: Double, price: Price, lotSize: Quantity = Quantity(FixedDecimal(1))) {
            self.symbol = symbol
            self.weight = weight
            self.price = price
            self.lotSize = lotSize
        }
    }

    /// What to buy and what is left.
    public struct Result: Sendable {
        /// Quantities per symbol, in descending-weight order, assets with nothing bought left out.
        public let quantities: [(symbol: String, quantity: Quantity)]
        /// Cash not spent.
        public let leftover: FixedDecimal
    }

    /// Allocates `total` cash to whole lots.
    public static func greedy(_ assets: [Asset], total: FixedDecimal) throws(PortfolioError) -> Result {
        guard total.isPositive else { throw .invalidParameter("the amount to allocate must be positive") }
        guard !assets.isEmpty else { throw .invalidParameter("there is nothing to allocate to: no assets were given") }
        for asset in assets {
            guard asset.weight >= 0, asset.weight.isFinite else {
                throw .invalidParameter("\(asset.symbol): weight \(asset.weight) must be a finite number ≥ 0 (discrete allocation is long-only)")
            }
            guard asset.price.value.isPositive else { throw .invalidPrice(symbol: asset.symbol, date: "latest", value: asset.price.value.doubleValue) }
            guard asset.lotSize.value.isPositive else { throw .invalidParameter("\(asset.symbol): lot size must be positive") }
        }
        let totalWeight = assets.reduce(0) { $0 + $1.weight }
        guard totalWeight <= 1 + 1e-9 else { throw .invalidParameter("weights sum to \(totalWeight); they must sum to at most 1") }
        let ordered = assets.enumerated().sorted { ($0.element.weight, -$0.offset) > ($1.element.weight, -$1.offset) }.map(\.element)
        var lots = [Int128](repeating: 0, count: ordered.count)
        var available = total
        let lotPrices: [FixedDecimal]
        do {
            lotPrices = try ordered.map { asset throws(DecimalArithmeticError) in try asset.price.value.multiplied(by: asset.lotSize.value) }
            for (index, asset) in ordered.enumerated() {
                guard let weight = FixedDecimal(approximating: asset.weight) else { continue }
                let target = try weight.multiplied(by: total)
                // Truncate in the division itself: rounding to nearest first could round up to a whole lot.
                let count = try target.divided(by: lotPrices[index], rounding: .towardZero).rounded(toFractionalDigits: 0, rounding: .towardZero)
                lots[index] = count.units / FixedDecimal.unitsPerWhole
                available = available - (try count.multiplied(by: lotPrices[index]))
            }
        } catch {
            throw .invalidParameter("the amounts overflow fixed point: \(error)")
        }
        let weights = ordered.map(\.weight)
        while available.isPositive {
            let held = ordered.indices.map { Double(lots[$0]) * lotPrices[$0].doubleValue }
            let invested = held.reduce(0, +)
            var deficit = ordered.indices.map { weights[$0] - (invested > 0 ? held[$0] / invested : 0) }
            var index = argmax(deficit)
            var skips = 0
            while lotPrices[index] > available {
                deficit[index] = 0
                index = argmax(deficit)
                if deficit[index] < 0 || skips == 10 { break }
                skips += 1
            }
            if deficit[index] <= 0 || skips == 10 { break }
            lots[index] += 1
            available = available - lotPrices[index]
        }
        var quantities: [(symbol: String, quantity: Quantity)] = []
        for (index, asset) in ordered.enumerated() where lots[index] > 0 {
            // lots × lot size is exact: the lot size has at most 18 digits and the product is an integer multiple.
            let quantity = (try? FixedDecimal(units: lots[index] * FixedDecimal.unitsPerWhole).multiplied(by: asset.lotSize.value)) ?? .zero
            quantities.append((asset.symbol, Quantity(quantity)))
        }
        return Result(quantities: quantities, leftover: available)
    }

    /// The first index of the largest value (NumPy's `argmax`).
    private static func argmax(_ values: [Double]) -> Int {
        var best = 0
        for index in values.indices where values[index] > values[best] { best = index }
        return best
    }
}
