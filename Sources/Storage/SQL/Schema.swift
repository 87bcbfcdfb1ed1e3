/// Every migration of the schema, in order. Never edit one that has shipped: add a new one.
public enum Schema {
    /// All migrations.
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "market data and api keys", statements: [
            """
            CREATE TABLE instruments (
                id {id},
                symbol TEXT NOT NULL UNIQUE,
                asset_class TEXT NOT NULL,
                quote_currency TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE bar_series (
                instrument_id BIGINT NOT NULL REFERENCES instruments(id),
                timeframe TEXT NOT NULL,
                kind TEXT NOT NULL,
                bar_count BIGINT NOT NULL,
                first_open_time BIGINT,
                last_open_time BIGINT,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (instrument_id, timeframe)
            )
            """,
            """
            CREATE TABLE bars (
                instrument_id BIGINT NOT NULL REFERENCES instruments(id),
                timeframe TEXT NOT NULL,
                open_time BIGINT NOT NULL,
                open TEXT NOT NULL,
                high TEXT NOT NULL,
                low TEXT NOT NULL,
                close TEXT NOT NULL,
                volume TEXT,
                PRIMARY KEY (instrument_id, timeframe, open_time)
            ) {without_rowid}
            """,
            """
            CREATE TABLE market_data_imports (
                id {id},
                source TEXT NOT NULL,
                instrument_id BIGINT NOT NULL REFERENCES instruments(id),
                timeframe TEXT NOT NULL,
                received BIGINT NOT NULL,
                inserted BIGINT NOT NULL,
                updated BIGINT NOT NULL,
                unchanged BIGINT NOT NULL,
                imported_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE api_keys (
                id {id},
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                key_prefix TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT
            )
            """,
        ]),
        Migration(version: 2, name: "forecasts", statements: [
            """
            CREATE TABLE forecasts (
                id {id},
                instrument_id BIGINT NOT NULL REFERENCES instruments(id),
                timeframe TEXT NOT NULL,
                horizon TEXT NOT NULL,
                horizon_ms BIGINT NOT NULL,
                decision_time BIGINT NOT NULL,
                data_time BIGINT NOT NULL,
                target_time BIGINT NOT NULL,
                reference_close TEXT NOT NULL,
                expected_log_return DOUBLE PRECISION NOT NULL,
                probability_up DOUBLE PRECISION NOT NULL,
                volatility DOUBLE PRECISION NOT NULL,
                interval_low DOUBLE PRECISION NOT NULL,
                interval_high DOUBLE PRECISION NOT NULL,
                return_model TEXT NOT NULL,
                direction_model TEXT NOT NULL,
                volatility_model TEXT NOT NULL,
                model_version TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                UNIQUE (instrument_id, timeframe, horizon_ms, data_time, model_version)
            )
            """,
            "CREATE INDEX forecasts_by_target ON forecasts (target_time)",
        ]),
        Migration(version: 3, name: "trading accounts, orders, fills, ledger, equity, alerts, commands", statements: [
            """
            CREATE TABLE trading_accounts (
                name TEXT PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                next_index BIGINT NOT NULL,
                checkpoint TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE trading_orders (
                client_order_id TEXT PRIMARY KEY,
                account TEXT NOT NULL REFERENCES trading_accounts(name),
                symbol TEXT NOT NULL,
                side TEXT NOT NULL,
                order_type TEXT NOT NULL,
                quantity TEXT NOT NULL,
                status TEXT NOT NULL,
                filled_quantity TEXT NOT NULL,
                filled_notional TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX trading_orders_by_account ON trading_orders (account, created_at)",
            """
            CREATE TABLE trading_fills (
                fill_id TEXT PRIMARY KEY,
                account TEXT NOT NULL REFERENCES trading_accounts(name),
                client_order_id TEXT NOT NULL REFERENCES trading_orders(client_order_id),
                symbol TEXT NOT NULL,
                side TEXT NOT NULL,
                quantity TEXT NOT NULL,
                price TEXT NOT NULL,
                fee TEXT NOT NULL,
                filled_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX trading_fills_by_account ON trading_fills (account, filled_at)",
            """
            CREATE TABLE ledger_entries (
                account TEXT NOT NULL REFERENCES trading_accounts(name),
                sequence BIGINT NOT NULL,
                posted_at BIGINT NOT NULL,
                ledger_account TEXT NOT NULL,
                amount TEXT NOT NULL,
                memo TEXT NOT NULL,
                PRIMARY KEY (account, sequence)
            )
            """,
            """
            CREATE TABLE equity_points (
                account TEXT NOT NULL REFERENCES trading_accounts(name),
                close_time BIGINT NOT NULL,
                bar_index BIGINT NOT NULL,
                equity TEXT NOT NULL,
                cash TEXT NOT NULL,
                gross_exposure TEXT NOT NULL,
                state TEXT NOT NULL,
                PRIMARY KEY (account, close_time)
            )
            """,
            """
            CREATE TABLE trading_alerts (
                id {id},
                account TEXT NOT NULL REFERENCES trading_accounts(name),
                raised_at BIGINT NOT NULL,
                level TEXT NOT NULL,
                rule TEXT NOT NULL,
                message TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE trading_commands (
                id {id},
                account TEXT NOT NULL,
                command TEXT NOT NULL,
                flatten BIGINT NOT NULL,
                reason TEXT NOT NULL,
                requested_at BIGINT NOT NULL,
                applied_at BIGINT
            )
            """,
        ]),
        Migration(version: 4, name: "security alerts and sweeps", statements: [
            """
            CREATE TABLE security_alerts (
                id {id},
                fingerprint TEXT NOT NULL,
                level TEXT NOT NULL,
                source TEXT NOT NULL,
                title TEXT NOT NULL,
                message TEXT NOT NULL,
                first_seen BIGINT NOT NULL,
                last_seen BIGINT NOT NULL,
                seen_count BIGINT NOT NULL,
                acknowledged_at BIGINT,
                acknowledged_by TEXT,
                resolved_at BIGINT
            )
            """,
            // One open alert per fingerprint; resolved ones stay as history.
            "CREATE UNIQUE INDEX security_alerts_open ON security_alerts (fingerprint) WHERE resolved_at IS NULL",
            """
            CREATE TABLE security_sweeps (
                id {id},
                taken_at BIGINT NOT NULL,
                score BIGINT NOT NULL,
                health TEXT NOT NULL,
                security TEXT NOT NULL
            )
            """,
        ]),
        Migration(version: 5, name: "jobs", statements: [
            """
            CREATE TABLE jobs (
                id {id},
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                idempotency_key TEXT UNIQUE,
                priority BIGINT NOT NULL,
                run_at BIGINT NOT NULL,
                status TEXT NOT NULL,
                attempts BIGINT NOT NULL,
                max_attempts BIGINT NOT NULL,
                lease_owner TEXT,
                lease_expires_at BIGINT,
                last_error TEXT,
                result TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                finished_at BIGINT
            )
            """,
            "CREATE INDEX jobs_due ON jobs (status, run_at)",
        ]),
        Migration(version: 6, name: "scheduler leases and ticks", statements: [
            """
            CREATE TABLE leases (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE schedule_ticks (
                name TEXT PRIMARY KEY,
                last_tick BIGINT NOT NULL
            )
            """,
        ]),
        Migration(version: 7, name: "feedback outcomes, signals, thresholds, model versions and state", statements: [
            // One outcome per forecast: the primary key is the forecast, so nothing is scored twice.
            """
            CREATE TABLE forecast_outcomes (
                forecast_id BIGINT PRIMARY KEY REFERENCES forecasts(id),
                realised_close TEXT NOT NULL,
                realised_time BIGINT NOT NULL,
                realised_log_return DOUBLE PRECISION NOT NULL,
                direction_hit INTEGER NOT NULL,
                interval_hit INTEGER NOT NULL,
                brier DOUBLE PRECISION NOT NULL,
                log_loss DOUBLE PRECISION NOT NULL,
                squared_error DOUBLE PRECISION NOT NULL,
                log_score DOUBLE PRECISION NOT NULL,
                verdict TEXT NOT NULL,
                rule TEXT NOT NULL,
                signature TEXT NOT NULL,
                source TEXT NOT NULL,
                scored_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX forecast_outcomes_by_scored ON forecast_outcomes (scored_at)",
            // One outcome per fill (a trading decision), money as exact decimal text.
            """
            CREATE TABLE decision_outcomes (
                fill_id TEXT PRIMARY KEY REFERENCES trading_fills(fill_id),
                account TEXT NOT NULL,
                symbol TEXT NOT NULL,
                horizon_bars BIGINT NOT NULL,
                exit_close TEXT NOT NULL,
                exit_time BIGINT NOT NULL,
                gross_pnl TEXT NOT NULL,
                fee TEXT NOT NULL,
                net_pnl TEXT NOT NULL,
                return_bps DOUBLE PRECISION NOT NULL,
                verdict TEXT NOT NULL,
                scored_at BIGINT NOT NULL
            )
            """,
            // The due-forecast query walks only unscored rows: without the flag it would skip over
            // every forecast already scored, each cycle, as the table grows.
            "ALTER TABLE forecasts ADD COLUMN scored INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX forecasts_unscored ON forecasts (target_time, id) WHERE scored = 0",
            """
            CREATE TABLE feedback_signals (
                id {id},
                kind TEXT NOT NULL,
                subject TEXT NOT NULL,
                rule TEXT NOT NULL,
                message TEXT NOT NULL,
                evidence TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE feedback_thresholds (
                horizon TEXT PRIMARY KEY,
                threshold DOUBLE PRECISION NOT NULL,
                objective DOUBLE PRECISION,
                decisions INTEGER NOT NULL,
                tuned_through BIGINT,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE feedback_models (
                name TEXT PRIMARY KEY,
                role TEXT NOT NULL,
                parameters TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                promoted_at BIGINT
            )
            """,
            """
            CREATE TABLE feedback_state (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )
            """,
        ]),
        Migration(version: 8, name: "job start times and the queued-jobs index", statements: [
            // When the current attempt was claimed: enqueue-to-start latency is started_at − run_at.
            "ALTER TABLE jobs ADD COLUMN started_at BIGINT",
            // The claim walks queued jobs in claim order and stops at its limit, however long the queue.
            "CREATE INDEX jobs_queued ON jobs (priority DESC, run_at, id) WHERE status = 'queued'",
        ]),
        Migration(version: 9, name: "idempotency keys of trading commands", statements: [
            // A halt or resume sent twice with one key (a double click, a retried request) is stored once.
            "ALTER TABLE trading_commands ADD COLUMN idempotency_key TEXT",
            "CREATE UNIQUE INDEX trading_commands_idempotency ON trading_commands (idempotency_key) WHERE idempotency_key IS NOT NULL",
        ]),
        Migration(version: 10, name: "jobs listed by kind; order changes in sequence", statements: [
            // The dashboard lists one kind's newest jobs (backtests) among many of other kinds.
            "CREATE INDEX jobs_kind ON jobs (kind, id)",
            // Each insert or change of an order takes the account's next number, so the event stream
            // sends each order's newest state once, in the order written (an order's own times are
            // venue times). One writer per account (its session) keeps the numbers unique; the index
            // would refuse a second one.
            "ALTER TABLE trading_orders ADD COLUMN change_sequence BIGINT NOT NULL DEFAULT 0",
            "CREATE UNIQUE INDEX trading_orders_changes ON trading_orders (account, change_sequence) WHERE change_sequence > 0",
        ]),
        Migration(version: 11, name: "series revisions", statements: [
            // Moved on by every write to a series' bars, so a result computed from the bars (a
            // forecast, a regime) can be kept until the bars change — an old bar corrected included.
            "ALTER TABLE bar_series ADD COLUMN revision BIGINT NOT NULL DEFAULT 0",
        ]),
        Migration(version: 12, name: "scored fills flagged; feedback summaries", statements: [
            // The due-fills query walks only fills without a decision outcome, like the forecasts'
            // flag: an anti-join would skip over every fill already scored, each cycle.
            "ALTER TABLE trading_fills ADD COLUMN scored INTEGER NOT NULL DEFAULT 0",
            "UPDATE trading_fills SET scored = 1 WHERE fill_id IN (SELECT fill_id FROM decision_outcomes)",
            "CREATE INDEX trading_fills_unscored ON trading_fills (filled_at, fill_id) WHERE scored = 0",
            // The newest outcomes are read by walking forecasts in data-time order (instead of sorting
            // every outcome: 1.6 s with a million), and the verdicts are counted from an index.
            "CREATE INDEX forecasts_by_data_time ON forecasts (data_time, id)",
            "CREATE INDEX forecast_outcomes_by_verdict ON forecast_outcomes (verdict)",
            // The feedback routes' documents, each kept with the revision of the learned state it was
            // computed at (feedback_state 'revision', moved on by every feedback commit): a request
            // reads one row instead of scanning the outcomes while nothing has changed.
            """
            CREATE TABLE feedback_summaries (
                name TEXT PRIMARY KEY,
                revision BIGINT NOT NULL,
                document TEXT NOT NULL
            )
            """,
        ]),
        Migration(version: 13, name: "alerts by observer; supervisor samples", statements: [
            // Who observed an alert: a replica resolves only what it raised (its scope, 'host/role'),
            // and alerts about what every process sees alike (the scan, the database, the learning
            // loop) have the empty scope and are kept by the leader.
            "ALTER TABLE security_alerts ADD COLUMN host TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE security_alerts ADD COLUMN role TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE security_alerts ADD COLUMN scope TEXT NOT NULL DEFAULT ''",
            "DROP INDEX security_alerts_open",
            "CREATE UNIQUE INDEX security_alerts_open ON security_alerts (fingerprint, scope) WHERE resolved_at IS NULL",
            // The values behind the degradation forecasts, so that a trend survives a restart.
            """
            CREATE TABLE security_samples (
                scope TEXT NOT NULL,
                check_name TEXT NOT NULL,
                taken_at BIGINT NOT NULL,
                value DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (scope, check_name, taken_at)
            )
            """,
        ]),
        Migration(version: 14, name: "external outcomes fed to the drift detectors", statements: [
            // 1 once the outcome's log score went through its stream's drift detector: a market
            // outcome in the turn that scores it, an external one (posted through the API, outside
            // the loop) in the loop's next turn.
            "ALTER TABLE forecast_outcomes ADD COLUMN detected INTEGER NOT NULL DEFAULT 1",
            "UPDATE forecast_outcomes SET detected = 0 WHERE source = 'external'",
            "CREATE INDEX forecast_outcomes_undetected ON forecast_outcomes (forecast_id) WHERE detected = 0",
        ]),
        Migration(version: 15, name: "fitted models kept with their versions", statements: [
            // Forecaster.FittedModels.Parameters as JSON: the coefficients themselves, so a champion
            // is the same model wherever and whenever it is loaded (not a refit that should agree).
            "ALTER TABLE feedback_models ADD COLUMN fit TEXT",
        ]),
        Migration(version: 16, name: "predictive alerts kept and scored", statements: [
            // One row per condition (kind × stream) while it holds: raised_at is the data time of the
            // forecast that raised it, last_seen the newest one at which it held; scored_at stays NULL
            // until the bars of its horizon have closed (with hit) or are found never to come (without).
            """
            CREATE TABLE predictive_alerts (
                id {id},
                kind TEXT NOT NULL,
                instrument_id BIGINT NOT NULL REFERENCES instruments(id),
                timeframe TEXT NOT NULL,
                horizon TEXT NOT NULL,
                horizon_bars INTEGER NOT NULL,
                raised_at BIGINT NOT NULL,
                target_time BIGINT NOT NULL,
                last_seen BIGINT NOT NULL,
                is_open INTEGER NOT NULL,
                scale DOUBLE PRECISION NOT NULL,
                expected_log_return DOUBLE PRECISION NOT NULL,
                volatility DOUBLE PRECISION NOT NULL,
                probability_up DOUBLE PRECISION NOT NULL,
                message TEXT NOT NULL,
                hit INTEGER,
                realised_log_return DOUBLE PRECISION,
                base_rate DOUBLE PRECISION,
                base_rate_origins INTEGER,
                scored_at BIGINT
            )
            """,
            // Due: not yet scored nor found unscorable (scored_at set without a verdict).
            "CREATE INDEX predictive_alerts_due ON predictive_alerts (target_time, id) WHERE scored_at IS NULL",
            "CREATE INDEX predictive_alerts_open ON predictive_alerts (id) WHERE is_open = 1",
            "CREATE INDEX predictive_alerts_by_raised ON predictive_alerts (raised_at, id)",
        ]),
        Migration(version: 17, name: "system signatures", statements: [
            // One row per process (observer, `host/role`), subject and slot: each process writes only
            // its own rows, so replicas never contend; a reader merges them. Weights are aged from
            // updated_at at read time, the histogram is LatencyHistogram's `index:weight` text.
            """
            CREATE TABLE system_signature_cells (
                kind TEXT NOT NULL,
                subject TEXT NOT NULL,
                observer TEXT NOT NULL,
                hour INTEGER NOT NULL,
                load_level INTEGER NOT NULL,
                weight DOUBLE PRECISION NOT NULL,
                errors DOUBLE PRECISION NOT NULL,
                latency TEXT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (kind, subject, observer, hour, load_level)
            )
            """,
        ]),
        Migration(version: 18, name: "series history revisions", statements: [
            // Moved on only by a write that may change a bar other than by adding one after the
            // newest (a correction, a bar filled in): while it stands, a reader that holds a series'
            // bars need only read the ones added since.
            "ALTER TABLE bar_series ADD COLUMN history_revision BIGINT NOT NULL DEFAULT 0",
        ]),
        Migration(version: 19, name: "indexes for reads that walked growing tables", statements: [
            // The event stream reads an account's equity points after a bar index four times a
            // second; with only (account, close_time) each read sorted all of them (one per bar).
            "CREATE INDEX equity_points_by_bar_index ON equity_points (account, bar_index)",
            // The feedback documents read the newest decision outcomes and signals, and the alerts
            // route (with the resolved ones) the most recently seen alerts: each sorted its whole table.
            "CREATE INDEX decision_outcomes_by_exit ON decision_outcomes (exit_time, fill_id)",
            "CREATE INDEX feedback_signals_by_created ON feedback_signals (created_at, id)",
            "CREATE INDEX security_alerts_by_last_seen ON security_alerts (last_seen, id)",
        ]),
    ]

    /// The highest version this build knows.
    public static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }
}
