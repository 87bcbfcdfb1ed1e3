import PortfolioOptimizer
import TradingCore

extension PortfolioRoutes {
    /// The schemas of these routes' bodies.
    static var schemas: [(String, JSONValue)] {
        let priceSource: [(String, JSONValue)] = [
            ("prices", Schema.closedObject([
                ("dates", ["type": "array", "items": Schema.dateTime]),
                ("closes", ["type": "object", "additionalProperties": ["type": "array", "items": Schema.number], "minProperties": 2,
                            "description": "One list of closes per symbol, one close per date."]),
            ], required: ["dates", "closes"], description: "Inline daily closes.")),
            ("symbols", ["type": "array", "items": Schema.symbol, "minItems": 2, "uniqueItems": true,
                         "description": "Stored symbols to read closes of (instead of prices)."]),
            ("timeframe", Schema.enumeration(Timeframe.self, default: .oneDay)),
            ("start", ["type": "string", "format": "date-time", "description": "First date included."]),
            ("end", ["type": "string", "format": "date-time", "description": "Last date included."]),
        ]
        return [
            ("OptimizeRequest", Schema.closedObject(priceSource + optimizeProperties, description: "Prices (inline or stored) and what to optimise.",
                                             exactlyOneOf: [["prices", "symbols"], ["objective", "strategy"]])),
        ] + resultSchemas
    }

    private static var optimizeProperties: [(String, JSONValue)] {
        [
            ("objective", Schema.enumeration(PortfolioObjective.Name.self, description: "What to optimise; or give strategy.")),
            ("strategy", Schema.enumeration(AllocationStrategy.self, description: "An allocation strategy (cash included); or give objective.")),
            ("risk_level", Schema.enumeration(RiskLevel.self, description: "The strategy's risk level.", default: .medium)),
            ("regime", Schema.enumeration(MarketRegime.self, description: "The market regime, for TACTICAL.")),
            ("target_return", Schema.number), ("target_volatility", Schema.number),
            ("risk_aversion", ["type": "number", "default": 1]), ("risk_free_rate", ["type": "number", "default": .number(0.02)]),
            ("returns", Schema.enumeration(ExpectedReturns.MethodName.self, default: .cagr)),
            ("covariance", Schema.enumeration(CovarianceEstimator.MethodName.self, default: .sample)),
            ("min_weight", ["type": "number", "default": 0]), ("max_weight", ["type": "number", "default": 1]),
            ("l2_gamma", ["type": "number", "default": 0]), ("frequency", ["type": "number", "default": 252]),
            ("groups", ["type": "array", "items": Schema.closedObject([
                ("name", Schema.string), ("symbols", Schema.array(Schema.string)),
                ("min", Schema.number), ("max", Schema.number),
            ], required: ["name", "symbols"], description: "Bounds on a group's total weight.")]),
            ("current_weights", Schema.weightMap), ("turnover_cost", ["type": "number", "description": "k in k·‖w − w₀‖₁; needs current_weights."]),
            ("risk_budgets", Schema.weightMap),
        ]
    }

    private static var resultSchemas: [(String, JSONValue)] {
        return [
            ("Optimization", Schema.object([
                ("weights", Schema.weightMap), ("cash_weight", Schema.number), ("objective", Schema.string), ("expected_return", Schema.number),
                ("volatility", Schema.number), ("sharpe", Schema.nullableNumber), ("elapsed_ms", Schema.number), ("assets", Schema.integer),
                ("observations", Schema.integer), ("start", Schema.dateTime), ("end", Schema.dateTime), ("notes", Schema.array(Schema.string)),
            ])),
            ("RebalanceRequest", Schema.closedObject([
                ("cash", Schema.decimal),
                ("targets", Schema.weightMap),
                ("positions", ["type": "array", "items": Schema.closedObject([
                    ("symbol", Schema.string), ("quantity", Schema.decimal), ("price", Schema.decimal), ("lot_size", Schema.decimal),
                ], required: ["symbol", "price"], description: "A holding, or a price for a target not held (quantity 0).")]),
                ("drift_threshold", ["type": "number", "default": .number(0.05)]),
                ("minimum_notional", Schema.decimal),
                ("method", Schema.enumeration(RebalanceSpecification.Method.self, default: .drift)),
            ], required: ["cash", "positions", "targets"], description: "Holdings, prices and targets; amounts are decimal strings.")),
            ("RebalancePlan", Schema.object([
                ("rebalance_needed", ["type": "boolean"]), ("reason", Schema.string),
                ("equity", Schema.decimal), ("cash_before", Schema.decimal), ("cash_after", Schema.decimal), ("leftover_cash", Schema.decimal), ("turnover", Schema.number),
                ("assets", ["type": "array", "items": Schema.object([
                    ("symbol", Schema.string), ("current_weight", Schema.number), ("target_weight", Schema.number), ("drift", Schema.number), ("weight_after", Schema.number),
                ])]),
                ("orders", ["type": "array", "items": Schema.object([
                    ("symbol", Schema.string), ("side", Schema.enumeration(Rebalancer.Side.self)), ("quantity", Schema.decimal), ("price", Schema.decimal), ("notional", Schema.decimal),
                ])]),
            ], required: ["rebalance_needed", "reason", "orders"], description: "A drift plan has equity, cash and assets; a greedy allocation has leftover_cash.")),
            ("MetricsRequest", Schema.closedObject([
                ("returns", ["type": "array", "items": ["type": "number", "minimum": -1], "minItems": 2, "description": "Simple returns, oldest first."]),
                ("benchmark_returns", ["type": "array", "items": ["type": "number", "minimum": -1]]),
                ("symbol", Schema.symbol), ("benchmark_symbol", Schema.symbol),
                ("timeframe", Schema.enumeration(Timeframe.self, default: .oneDay)),
                ("start", Schema.dateTime), ("end", Schema.dateTime),
                ("risk_free_rate", ["type": "number", "default": 0, "description": "Per period."]),
                ("required_return", ["type": "number", "default": 0, "description": "Per period (Sortino, downside risk)."]),
                ("omega_required_return", ["type": "number", "default": 0, "description": "Annual (omega)."]),
                ("periods_per_year", ["type": "number", "default": 252]),
            ], description: "A return series, or a stored symbol.", exactlyOneOf: [["returns", "symbol"]])),
            ("Metrics", Schema.object([
                ("count", Schema.integer), ("annual_return", Schema.nullableNumber), ("cumulative_return", Schema.nullableNumber),
                ("annual_volatility", Schema.nullableNumber), ("sharpe_ratio", Schema.nullableNumber), ("sortino_ratio", Schema.nullableNumber),
                ("calmar_ratio", Schema.nullableNumber), ("max_drawdown", Schema.nullableNumber),
                ("max_drawdown_peak", ["type": ["string", "integer", "null"], "description": "Date (or index) of the peak; \"start\" before the first return."]),
                ("max_drawdown_trough", ["type": ["string", "integer", "null"]]), ("max_drawdown_recovery", ["type": ["string", "integer", "null"]]),
                ("value_at_risk_95", Schema.nullableNumber), ("value_at_risk_99", Schema.nullableNumber),
                ("conditional_value_at_risk_95", Schema.nullableNumber), ("conditional_value_at_risk_99", Schema.nullableNumber),
                ("gaussian_value_at_risk_95", Schema.nullableNumber), ("gaussian_value_at_risk_99", Schema.nullableNumber),
                ("gaussian_conditional_value_at_risk_95", Schema.nullableNumber), ("gaussian_conditional_value_at_risk_99", Schema.nullableNumber),
                ("cornish_fisher_value_at_risk_95", Schema.nullableNumber), ("cornish_fisher_value_at_risk_99", Schema.nullableNumber),
                ("cornish_fisher_conditional_value_at_risk_95", Schema.nullableNumber), ("cornish_fisher_conditional_value_at_risk_99", Schema.nullableNumber),
                ("alpha", Schema.nullableNumber), ("beta", Schema.nullableNumber), ("information_ratio", Schema.nullableNumber),
                ("omega_ratio", Schema.nullableNumber), ("tail_ratio", Schema.nullableNumber), ("downside_risk", Schema.nullableNumber),
                ("stability", Schema.nullableNumber), ("skewness", Schema.nullableNumber), ("excess_kurtosis", Schema.nullableNumber),
            ])),
        ]
    }
}
