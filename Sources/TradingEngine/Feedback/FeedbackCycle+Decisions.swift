import FeedbackLoop
import TradingCore

extension FeedbackCycle {
    /// What a decision-scoring pass did.
    public struct DecisionReport: Sendable, Codable {
        /// Fills looked at, scored, waiting for their exit bar, and unscorable (an account whose
        /// fingerprint names no timeframe and decision interval, or a fill without a bar after it).
        public let examined: Int
        public let scored: Int
        public let waiting: Int
        public let unscorable: Int
        /// SUCCESS and FAILURE among the scored.
        public let successes: Int
        public let failures: Int
        /// The scored decisions' net P&L, exact.
        public let netPnL: FixedDecimal
    }

    /// The timeframe and decision interval a runner wrote into its account's fingerprint
    /// (`SYMBOLS TF from …, decisions every N bars, …`).
    public static func decisionHorizon(fingerprint: String) -> (timeframe: Timeframe, bars: Int)? {
        let words = fingerprint.split(separator: " ")
        guard words.count > 2, words[2] == "from", let timeframe = Timeframe(rawValue: String(words[1])),
              let match = fingerprint.firstMatch(of: /decisions every (\d+) bars/), let bars = Int(match.output.1), bars > 0 else { return nil }
        return (timeframe, bars)
    }

    /// The close time (ms) of the bar a fill at `time` falls in: a backtest fills at its bar's open,
    /// a venue during the bar, a moment after the decision (the month soak's 2,983 fills, at times
    /// such as 09:10:04.163, were never matched to a bar and never scored until this).
    public static func entryCloseTime(ofFillAt time: Timestamp, timeframe: Timeframe) -> Int64 {
        time.millisecondsSinceEpoch.roundedDown(toMultipleOf: timeframe.milliseconds) + timeframe.milliseconds
    }

    /// Scores every fill whose exit bar has closed: the P&L of the filled quantity from the fill
    /// price (its bar's open in a backtest, a venue's price during the bar live) to the close of the h-th bar from it, net of its fee
    /// (h = the account's decision interval). One transaction; a fill is never scored twice.
    public func scoreDecisions(now: Timestamp) async throws -> DecisionReport {
        let fills = try await store.unscoredFills(limit: 20_000)
        var decisions: [StoredDecisionOutcome] = []
        var waiting = 0, missingBar = 0, unscorable: [String] = []
        var series: [String: Closes] = [:]
        for unscored in fills {
            guard let horizon = Self.decisionHorizon(fingerprint: unscored.fingerprint) else { unscorable.append(unscored.fill.fillID); continue }
            let fill = unscored.fill
            let key = "\(fill.symbol.rawValue)|\(horizon.timeframe.rawValue)"
            if series[key] == nil {
                let first = fills.filter { $0.fill.symbol == fill.symbol }.map(\.fill.time).min() ?? fill.time
                series[key] = try await closes(symbol: fill.symbol, timeframe: horizon.timeframe, from: first, through: now)
            }
            let closes = series[key]!
            // A fill happens in the bar after the decision: held through that bar and the next h − 1,
            // it is marked at the close of bar entry + h − 1.
            guard let entry = closes.index[Self.entryCloseTime(ofFillAt: fill.time, timeframe: horizon.timeframe)] else {
                // Read again next time either way: a missing entry bar may still be backfilled (a feed's gap healed).
                if closes.closeTimes.last.map({ $0 > fill.time }) == true { missingBar += 1 } else { waiting += 1 }
                continue
            }
            let exit = entry + horizon.bars - 1
            guard exit < closes.closeTexts.count else { waiting += 1; continue }
            guard let exitClose = FixedDecimal(closes.closeTexts[exit]),
                  let outcome = try? DecisionOutcome(buy: fill.side == .buy, quantity: fill.quantity, price: fill.price, fee: fill.fee, exitClose: exitClose) else {
                unscorable.append(fill.fillID)
                continue
            }
            decisions.append(StoredDecisionOutcome(fillID: fill.fillID, account: unscored.account, symbol: fill.symbol, horizonBars: horizon.bars,
                                                   exitClose: closes.closeTexts[exit], exitTime: closes.closeTimes[exit], outcome: outcome, scoredAt: now))
        }
        if !decisions.isEmpty || !unscorable.isEmpty {
            var commit = FeedbackCommit()
            commit.decisions = decisions
            commit.unscorableFills = unscorable
            try await store.commitFeedback(commit, at: now)
        }
        return DecisionReport(examined: fills.count, scored: decisions.count, waiting: waiting, unscorable: unscorable.count + missingBar,
                              successes: decisions.filter { $0.outcome.verdict == .success }.count,
                              failures: decisions.filter { $0.outcome.verdict == .failure }.count,
                              netPnL: decisions.reduce(FixedDecimal.zero) { $0 + $1.outcome.netPnL })
    }
}
