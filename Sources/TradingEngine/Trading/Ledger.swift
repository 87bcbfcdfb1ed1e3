import TradingCore

/// A double-entry ledger in one currency, exact fixed point. Every fill posts entries that sum to
/// zero across accounts:
///
/// * buying q at p with fee f: cash −(q·p + f), position +q·p at cost, fees +f;
/// * selling (or covering) against a position: the position leaves at its average cost, the
///   difference to the proceeds is realised P&L.
///
/// Account balances (debit positive): `cash`, `positions` (cost basis), `fees`, `realised` (P&L,
/// credit negative = profit), `capital` (the owner's contribution, credit). Their sum is zero after
/// every posting, and cash + marked positions = capital + realised profit + unrealised profit − fees.
public struct Ledger: Sendable {
    /// One posting line.
    public struct Entry: Sendable, Hashable {
        public let sequence: Int
        public let time: Timestamp
        public let account: String
        /// Debit positive, credit negative.
        public let amount: FixedDecimal
        public let memo: String

        /// Creates an entry (as read back from a store).
        public init(sequence: Int, time: Timestamp, account: String, amount: FixedDecimal, memo: String) {
            self.sequence = sequence
            self.time = time
            self.account = account
            self.amount = amount
            self.memo = memo
        }
    }

    /// A holding: signed quantity (negative when short) and its exact cost basis.
    public struct Position: Sendable, Hashable, Codable {
        public var quantity: FixedDecimal
        /// Signed: the cash paid for a long position, minus the cash received for a short one.
        public var cost: FixedDecimal
    }

    /// The entries posted and not yet taken (a session hands them to the store and forgets them).
    public private(set) var entries: [Entry] = []
    public private(set) var cash: FixedDecimal
    public private(set) var positions: [Symbol: Position] = [:]
    public private(set) var fees: FixedDecimal = .zero
    public private(set) var realisedProfit: FixedDecimal = .zero
    public let capital: FixedDecimal
    /// Whether postings are kept as entries; without them the balances are the same (a sweep of
    /// backtests needs the totals, not a journal of every fill).
    public let keepsEntries: Bool
    private var sequence = 0

    /// Opens a ledger with starting cash; `keepsEntries` false books the same balances without
    /// writing the lines (no entries to take, a trial balance of zero, no sequence numbers used).
    public init(cash: FixedDecimal, at time: Timestamp, keepsEntries: Bool = true) {
        self.cash = cash
        capital = cash
        self.keepsEntries = keepsEntries
        post(time, [("cash", cash), ("capital", -cash)], memo: "deposit")
    }

    /// The balances without the posted lines (those are stored as rows): enough to resume.
    public struct Snapshot: Sendable, Hashable, Codable {
        public let cash: FixedDecimal
        public let positions: [Symbol: Position]
        public let fees: FixedDecimal
        public let realisedProfit: FixedDecimal
        public let capital: FixedDecimal
        /// The last entry sequence posted, so a resumed ledger numbers on without a gap or a repeat.
        public let sequence: Int
    }

    /// Hands out the entries posted since the last call and forgets them, so a ledger that runs
    /// for months holds its balances, not its history (the store keeps that).
    public mutating func takeEntries() -> [Entry] {
        defer { entries.removeAll(keepingCapacity: true) }
        return entries
    }

    /// The balances now.
    public var snapshot: Snapshot {
        Snapshot(cash: cash, positions: positions, fees: fees, realisedProfit: realisedProfit, capital: capital, sequence: sequence)
    }

    /// Resumes a ledger from its balances; entries posted from now on continue the sequence.
    public init(snapshot: Snapshot) {
        cash = snapshot.cash
        positions = snapshot.positions
        fees = snapshot.fees
        realisedProfit = snapshot.realisedProfit
        capital = snapshot.capital
        sequence = snapshot.sequence
        keepsEntries = true
    }

    /// Books a fill of `quantity` (positive) at `price` with a fee; buys add, sells subtract.
    public mutating func bookFill(symbol: Symbol, side: OrderSide, quantity: FixedDecimal, price: FixedDecimal, fee: FixedDecimal,
                                  at time: Timestamp) throws(DecimalArithmeticError) {
        let signed = side == .buy ? quantity : -quantity
        var position = positions[symbol] ?? Position(quantity: .zero, cost: .zero)
        // The part that reduces an existing position realises P&L at its average cost.
        var reducing = FixedDecimal.zero
        if !position.quantity.isZero && (position.quantity.isPositive != signed.isPositive) {
            reducing = min(position.quantity.absolute, quantity)
        }
        var costReleased = FixedDecimal.zero
        if !reducing.isZero {
            // cost × reducing / |quantity| with one rounding (to 18 digits); closing the whole position
            // releases the whole cost, so no remainder is ever left behind.
            costReleased = reducing == position.quantity.absolute
                ? position.cost
                : try position.cost.multiplied(by: reducing).divided(by: position.quantity.absolute)
        }
        let openingQuantity = quantity - reducing
        let openingCost = try openingQuantity.multiplied(by: price)
        let signedOpeningCost = side == .buy ? openingCost : -openingCost
        // Proceeds of the reducing part minus its cost basis is realised profit; the notional is the
        // sum of the two parts' exact products, so the postings balance to the last digit.
        let reducingNotional = try reducing.multiplied(by: price)
        let notional = reducingNotional + openingCost
        // Cash moves by the notional (out for buys, in for sells) and the fee (always out).
        let cashChange = (side == .buy ? -notional : notional) - fee
        let realised = reducing.isZero ? FixedDecimal.zero : (side == .sell ? reducingNotional - costReleased : -(reducingNotional + costReleased))
        position.quantity = position.quantity + signed
        position.cost = position.cost - costReleased + signedOpeningCost
        positions[symbol] = position.quantity.isZero ? nil : position
        cash = cash + cashChange
        fees = fees + fee
        realisedProfit = realisedProfit + realised
        // Debits: cash change, position change (cost), fees; credit: realised profit.
        post(time, [("cash", cashChange), ("positions:\(symbol.rawValue)", signedOpeningCost - costReleased), ("fees", fee), ("realised", -realised)],
             memo: "\(side.rawValue) \(quantity) \(symbol.rawValue) @ \(price)")
    }

    /// Books a fee paid in kind out of a long position (a venue charging a buy's fee in the bought
    /// asset): the position shrinks by `quantity`, its cost basis by the same share, and the fee
    /// is the quantity's value at `price`; the difference between that value and the cost
    /// released is realised. Cash does not move.
    public mutating func bookFeeInKind(symbol: Symbol, quantity: FixedDecimal, price: FixedDecimal, at time: Timestamp) throws(DecimalArithmeticError) {
        guard quantity.isPositive, var position = positions[symbol], position.quantity >= quantity else { return }
        let costReleased = quantity == position.quantity ? position.cost : try position.cost.multiplied(by: quantity).divided(by: position.quantity)
        let value = try quantity.multiplied(by: price)
        let realised = value - costReleased
        position.quantity = position.quantity - quantity
        position.cost = position.cost - costReleased
        positions[symbol] = position.quantity.isZero ? nil : position
        fees = fees + value
        realisedProfit = realisedProfit + realised
        post(time, [("positions:\(symbol.rawValue)", -costReleased), ("fees", value), ("realised", -realised)],
             memo: "fee \(quantity) \(symbol.rawValue) in kind @ \(price)")
    }

    /// Σ of every entry: zero when the books balance.
    public var trialBalance: FixedDecimal { entries.reduce(.zero) { $0 + $1.amount } }

    /// Cash + positions marked at `prices` (a symbol without a price is marked at cost).
    public func equity(prices: [Symbol: FixedDecimal]) throws(DecimalArithmeticError) -> FixedDecimal {
        var total = cash
        for symbol in positions.keys { total = total + (try value(of: symbol, prices: prices)) }
        return total
    }

    /// The position in `symbol` marked at its price in `prices`, at cost without one (zero when flat).
    public func value(of symbol: Symbol, prices: [Symbol: FixedDecimal]) throws(DecimalArithmeticError) -> FixedDecimal {
        guard let position = positions[symbol] else { return .zero }
        guard let price = prices[symbol] else { return position.cost }
        return try position.quantity.multiplied(by: price)
    }

    /// Unrealised profit at `prices`: marked value − cost basis.
    public func unrealisedProfit(prices: [Symbol: FixedDecimal]) throws(DecimalArithmeticError) -> FixedDecimal {
        var total = FixedDecimal.zero
        for (symbol, position) in positions {
            guard let price = prices[symbol] else { continue }
            total = total + (try position.quantity.multiplied(by: price)) - position.cost
        }
        return total
    }

    /// The lines and the memo are only built when entries are kept: formatting them is most of
    /// the cost of a fill otherwise.
    private mutating func post(_ time: Timestamp, _ lines: @autoclosure () -> [(String, FixedDecimal)], memo: @autoclosure () -> String) {
        guard keepsEntries else { return }
        let memo = memo()
        for (account, amount) in lines() where !amount.isZero {
            sequence += 1
            entries.append(Entry(sequence: sequence, time: time, account: account, amount: amount, memo: memo))
        }
    }
}
