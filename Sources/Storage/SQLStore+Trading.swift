import TradingCore
import TradingEngine

// MARK: TradingStore

extension SQLStore: TradingStore {
    public func openTradingAccount(name: String, fingerprint: String, at time: Timestamp) async throws -> TradingAccountRecord {
        try await database.write([SQLStatement("""
            INSERT INTO trading_accounts (name, fingerprint, next_index, checkpoint, created_at, updated_at)
            VALUES (?, ?, 0, NULL, ?, ?) ON CONFLICT DO NOTHING
            """, [.text(name), .text(fingerprint), .integer(time.millisecondsSinceEpoch), .integer(time.millisecondsSinceEpoch)])])
        guard let account = try await tradingAccount(name: name) else { throw StoreError.corruptValue(column: "trading_accounts.name", value: name) }
        return account
    }

    public func tradingAccount(name: String) async throws -> TradingAccountRecord? {
        try await database.query(SQLStatement("""
            SELECT name, fingerprint, next_index, checkpoint, created_at, updated_at FROM trading_accounts WHERE name = ?
            """, [.text(name)])).first.map { row in
            TradingAccountRecord(name: try row.text(0), fingerprint: try row.text(1), nextIndex: Int(try row.integer(2)),
                                 checkpoint: try row.optionalText(3), createdAt: Timestamp(millisecondsSinceEpoch: try row.integer(4)),
                                 updatedAt: Timestamp(millisecondsSinceEpoch: try row.integer(5)))
        }
    }

    public func tradingAccountNames() async throws -> [String] {
        try await database.query(SQLStatement("SELECT name FROM trading_accounts ORDER BY name")).map { try $0.text(0) }
    }

    public func commitTradingSteps(_ commits: [TradingStepCommit]) async throws {
        guard !commits.isEmpty else { return }
        try await database.write(commits.flatMap(statements))
    }

    /// The statements of one step.
    private func statements(_ commit: TradingStepCommit) -> [SQLStatement] {
        let account = SQLValue.text(commit.account)
        var statements: [SQLStatement] = []
        // The mark goes first: its (account, close_time) key makes a second commit of the same step fail whole.
        if let point = commit.equity {
            statements.append(SQLStatement("""
                INSERT INTO equity_points (account, close_time, bar_index, equity, cash, gross_exposure, state) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [account, .integer(point.time.millisecondsSinceEpoch), .integer(Int64(point.barIndex)), .text(point.equity.description),
                      .text(point.cash.description), .text(point.grossExposure.description), .text(point.state.rawValue)]))
        }
        if let checkpoint = commit.checkpoint {
            statements.append(SQLStatement("""
                UPDATE trading_accounts SET next_index = ?, checkpoint = ?, updated_at = ? WHERE name = ?
                """, [.integer(Int64(commit.nextIndex)), .text(checkpoint), .integer(clock.now().millisecondsSinceEpoch), account]))
        }
        for order in commit.orders {
            // `change_sequence > 0` states the partial index's condition (trading_orders_changes),
            // so the account's newest number is read from the index's end, not from all its orders.
            statements.append(SQLStatement("""
                INSERT INTO trading_orders (client_order_id, account, symbol, side, order_type, quantity, status, filled_quantity, filled_notional,
                    created_at, updated_at, change_sequence)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(change_sequence), 0) + 1 FROM trading_orders WHERE account = ? AND change_sequence > 0))
                ON CONFLICT (client_order_id) DO UPDATE SET status = excluded.status, filled_quantity = excluded.filled_quantity,
                    filled_notional = excluded.filled_notional, updated_at = excluded.updated_at, change_sequence = excluded.change_sequence
                """, [.text(order.clientOrderID), account, .text(order.symbol.rawValue), .text(order.side.rawValue), .text(order.type),
                      .text(order.quantity.description), .text(order.status.rawValue), .text(order.filledQuantity.description),
                      .text(order.filledNotional.description), .integer(order.createdAt.millisecondsSinceEpoch),
                      .integer(order.updatedAt.millisecondsSinceEpoch), account]))
        }
        // Fills and ledger lines are plain inserts: a repeated one is an error, never a silent duplicate.
        for fill in commit.fills {
            statements.append(SQLStatement("""
                INSERT INTO trading_fills (fill_id, account, client_order_id, symbol, side, quantity, price, fee, filled_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(fill.fillID), account, .text(fill.clientOrderID), .text(fill.symbol.rawValue), .text(fill.side.rawValue),
                      .text(fill.quantity.description), .text(fill.price.description), .text(fill.fee.description),
                      .integer(fill.time.millisecondsSinceEpoch)]))
        }
        for entry in commit.ledgerEntries {
            statements.append(SQLStatement("""
                INSERT INTO ledger_entries (account, sequence, posted_at, ledger_account, amount, memo) VALUES (?, ?, ?, ?, ?, ?)
                """, [account, .integer(Int64(entry.sequence)), .integer(entry.time.millisecondsSinceEpoch), .text(entry.account),
                      .text(entry.amount.description), .text(entry.memo)]))
        }
        for alert in commit.alerts {
            statements.append(SQLStatement("""
                INSERT INTO trading_alerts (account, raised_at, level, rule, message) VALUES (?, ?, ?, ?, ?)
                """, [account, .integer(alert.time.millisecondsSinceEpoch), .text(alert.level), .text(alert.rule), .text(alert.message)]))
        }
        for id in commit.appliedCommandIDs {
            statements.append(SQLStatement("UPDATE trading_commands SET applied_at = ? WHERE id = ? AND applied_at IS NULL",
                                           [.integer(clock.now().millisecondsSinceEpoch), .integer(id)]))
        }
        statements += commit.forecasts.map(Self.insertForecast)
        if let live = commit.liveBars {
            let now = clock.now().millisecondsSinceEpoch
            for (symbol, bar) in live.bars.sorted(by: { $0.key < $1.key }) {
                statements += Self.liveBarStatements(symbol: symbol, timeframe: live.timeframe, bar: bar, now: now)
            }
        }
        return statements
    }

    public func tradingOrders(account: String, limit: Int) async throws -> [StoredOrder] {
        try await database.query(SQLStatement("""
            SELECT \(Self.orderColumns) FROM trading_orders WHERE account = ? ORDER BY created_at DESC, client_order_id DESC LIMIT ?
            """, [.text(account), .integer(Int64(limit))])).map(Self.order)
    }

    /// The columns `order` reads.
    static let orderColumns = "client_order_id, symbol, side, order_type, quantity, status, filled_quantity, filled_notional, created_at, updated_at"

    /// An order from a row of `orderColumns`.
    static func order(_ row: SQLRow) throws -> StoredOrder {
        StoredOrder(clientOrderID: try row.text(0), symbol: try symbol(row, 1), side: try side(row, 2), type: try row.text(3),
                    quantity: try decimal(row, 4, "trading_orders.quantity"), status: try status(row, 5),
                    filledQuantity: try decimal(row, 6, "trading_orders.filled_quantity"),
                    filledNotional: try decimal(row, 7, "trading_orders.filled_notional"),
                    createdAt: Timestamp(millisecondsSinceEpoch: try row.integer(8)), updatedAt: Timestamp(millisecondsSinceEpoch: try row.integer(9)))
    }

    public func tradingFills(account: String, limit: Int) async throws -> [BookedFill] {
        try await database.query(SQLStatement("""
            SELECT fill_id, client_order_id, symbol, side, quantity, price, fee, filled_at FROM trading_fills
            WHERE account = ? ORDER BY filled_at DESC, fill_id DESC LIMIT ?
            """, [.text(account), .integer(Int64(limit))])).map(Self.fill)
    }

    /// A fill of `SELECT fill_id, client_order_id, symbol, side, quantity, price, fee, filled_at`.
    static func fill(_ row: SQLRow) throws -> BookedFill {
        BookedFill(fillID: try row.text(0), clientOrderID: try row.text(1), symbol: try Self.symbol(row, 2), side: try Self.side(row, 3),
                   quantity: try Self.decimal(row, 4, "trading_fills.quantity"), price: try Self.decimal(row, 5, "trading_fills.price"),
                   fee: try Self.decimal(row, 6, "trading_fills.fee"), time: Timestamp(millisecondsSinceEpoch: try row.integer(7)))
    }

    public func ledgerEntries(account: String, afterSequence: Int, limit: Int) async throws -> [Ledger.Entry] {
        try await database.query(SQLStatement("""
            SELECT sequence, posted_at, ledger_account, amount, memo FROM ledger_entries
            WHERE account = ? AND sequence > ? ORDER BY sequence LIMIT ?
            """, [.text(account), .integer(Int64(afterSequence)), .integer(Int64(limit))])).map { row in
            Ledger.Entry(sequence: Int(try row.integer(0)), time: Timestamp(millisecondsSinceEpoch: try row.integer(1)), account: try row.text(2),
                         amount: try Self.decimal(row, 3, "ledger_entries.amount"), memo: try row.text(4))
        }
    }

    public func equityHistory(account: String, limit: Int) async throws -> [EquityPoint] {
        try await database.query(SQLStatement("""
            SELECT close_time, bar_index, equity, cash, gross_exposure, state FROM equity_points
            WHERE account = ? ORDER BY close_time DESC LIMIT ?
            """, [.text(account), .integer(Int64(limit))])).reversed().map(Self.equityPoint)
    }

    /// A mark of `SELECT close_time, bar_index, equity, cash, gross_exposure, state`.
    static func equityPoint(_ row: SQLRow) throws -> EquityPoint {
        let stateText = try row.text(5)
        guard let state = TradingState(rawValue: stateText) else { throw StoreError.corruptValue(column: "equity_points.state", value: stateText) }
        return EquityPoint(time: Timestamp(millisecondsSinceEpoch: try row.integer(0)), barIndex: Int(try row.integer(1)),
                           equity: try Self.decimal(row, 2, "equity_points.equity"), cash: try Self.decimal(row, 3, "equity_points.cash"),
                           grossExposure: try Self.decimal(row, 4, "equity_points.gross_exposure"), state: state)
    }

    public func tradingAlerts(account: String, limit: Int) async throws -> [StoredAlert] {
        try await database.query(SQLStatement("""
            SELECT level, rule, message, raised_at FROM trading_alerts WHERE account = ? ORDER BY id DESC LIMIT ?
            """, [.text(account), .integer(Int64(limit))])).map { row in
            StoredAlert(level: try row.text(0), rule: try row.text(1), message: try row.text(2), time: Timestamp(millisecondsSinceEpoch: try row.integer(3)))
        }
    }

    public func requestTradingCommand(_ command: TradingCommand) async throws -> TradingCommand {
        let rows = try await database.write([SQLStatement("""
            INSERT INTO trading_commands (account, command, flatten, reason, requested_at) VALUES (?, ?, ?, ?, ?) RETURNING id
            """, [.text(command.account), .text(command.kind.rawValue), .integer(command.flatten ? 1 : 0), .text(command.reason),
                  .integer(command.requestedAt.millisecondsSinceEpoch)])])
        return TradingCommand(id: try rows.first?.first?.integer(0), account: command.account, kind: command.kind, flatten: command.flatten,
                              reason: command.reason, requestedAt: command.requestedAt, appliedAt: nil)
    }

    public func requestTradingCommand(_ command: TradingCommand, idempotencyKey: String) async throws -> (command: TradingCommand, repeated: Bool) {
        let rows = try await database.write([SQLStatement("""
            INSERT INTO trading_commands (account, command, flatten, reason, requested_at, idempotency_key) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id
            """, [.text(command.account), .text(command.kind.rawValue), .integer(command.flatten ? 1 : 0), .text(command.reason),
                  .integer(command.requestedAt.millisecondsSinceEpoch), .text(idempotencyKey)])])
        if let id = try rows.first?.first?.integer(0) {
            return (TradingCommand(id: id, account: command.account, kind: command.kind, flatten: command.flatten, reason: command.reason,
                                   requestedAt: command.requestedAt, appliedAt: nil), false)
        }
        // Stored before with this key: the first request's command, as it was asked.
        guard let row = try await database.query(SQLStatement("""
            SELECT id, account, command, flatten, reason, requested_at, applied_at FROM trading_commands WHERE idempotency_key = ?
            """, [.text(idempotencyKey)])).first else {
            throw StoreError.corruptValue(column: "trading_commands.idempotency_key", value: "a conflict without a row")
        }
        let kindText = try row.text(2)
        guard let kind = TradingCommand.Kind(rawValue: kindText) else { throw StoreError.corruptValue(column: "trading_commands.command", value: kindText) }
        return (TradingCommand(id: try row.integer(0), account: try row.text(1), kind: kind, flatten: try row.integer(3) != 0, reason: try row.text(4),
                               requestedAt: Timestamp(millisecondsSinceEpoch: try row.integer(5)),
                               appliedAt: try row.optionalInteger(6).map { Timestamp(millisecondsSinceEpoch: $0) }), true)
    }

    public func pendingTradingCommands(account: String) async throws -> [TradingCommand] {
        try await database.query(SQLStatement("""
            SELECT id, command, flatten, reason, requested_at FROM trading_commands WHERE account = ? AND applied_at IS NULL ORDER BY id
            """, [.text(account)])).map { row in
            let kindText = try row.text(1)
            guard let kind = TradingCommand.Kind(rawValue: kindText) else { throw StoreError.corruptValue(column: "trading_commands.command", value: kindText) }
            return TradingCommand(id: try row.integer(0), account: account, kind: kind, flatten: try row.integer(2) != 0, reason: try row.text(3),
                                  requestedAt: Timestamp(millisecondsSinceEpoch: try row.integer(4)), appliedAt: nil)
        }
    }

    static func decimal(_ row: SQLRow, _ index: Int, _ column: String) throws -> FixedDecimal {
        let text = try row.text(index)
        guard let value = FixedDecimal(text) else { throw StoreError.corruptValue(column: column, value: text) }
        return value
    }

    static func symbol(_ row: SQLRow, _ index: Int) throws -> Symbol {
        let text = try row.text(index)
        guard let value = Symbol(text) else { throw StoreError.corruptValue(column: "symbol", value: text) }
        return value
    }

    static func side(_ row: SQLRow, _ index: Int) throws -> OrderSide {
        let text = try row.text(index)
        guard let value = OrderSide(rawValue: text) else { throw StoreError.corruptValue(column: "side", value: text) }
        return value
    }

    private static func status(_ row: SQLRow, _ index: Int) throws -> OrderStatus {
        let text = try row.text(index)
        guard let value = OrderStatus(rawValue: text) else { throw StoreError.corruptValue(column: "status", value: text) }
        return value
    }
}
