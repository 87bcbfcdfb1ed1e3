// swift-tools-version: 6.2
import PackageDescription

/// Settings every first-party target shares: Swift 6 mode with warnings treated as errors.
let strictSettings: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "TradingOrchestrator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "orchestrator", targets: ["orchestrator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // postgres-nio 1.33.2 with a crash fixed: Vendor/postgres-nio/PATCHES.md, docs/decisions/0009-vendored-postgres-nio.md.
        .package(path: "Vendor/postgres-nio"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
    ],
    targets: [
        // L0: domain values, no I/O.
        .target(
            name: "TradingCore",
            swiftSettings: strictSettings
        ),
        // L0: matrices, decompositions, the QP solver and statistics; no I/O.
        .target(
            name: "QuantMath",
            swiftSettings: strictSettings
        ),
        // L1: module 4, estimators and objectives over QuantMath.
        .target(
            name: "PortfolioOptimizer",
            dependencies: ["QuantMath", "TradingCore"],
            swiftSettings: strictSettings
        ),
        // L1: performance and risk metrics of return series over QuantMath.
        .target(
            name: "Analytics",
            dependencies: ["QuantMath"],
            swiftSettings: strictSettings
        ),
        // L1: module 2, features, forecasts, regimes and their evaluation; no I/O.
        .target(
            name: "Prediction",
            dependencies: ["QuantMath", "TradingCore"],
            swiftSettings: strictSettings
        ),
        // L1: module 1, outcome scoring, signals, trackers, thresholds, drift and champion/challenger; no I/O.
        .target(
            name: "FeedbackLoop",
            dependencies: ["QuantMath", "TradingCore", "Prediction"],
            swiftSettings: strictSettings
        ),
        // L1: module 3, version ordering, advisories, inventories, the scan and the score; parses
        // bytes it is given, reads no files itself.
        .target(
            name: "SecuritySupervisor",
            dependencies: ["TradingCore"],
            swiftSettings: strictSettings
        ),
        // L2: the engine and the ports (protocols) that adapters implement.
        .target(
            name: "TradingEngine",
            dependencies: [
                "TradingCore",
                "QuantMath",
                "PortfolioOptimizer",
                "Prediction",
                "FeedbackLoop",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        // L3 adapters: storage.
        .target(
            name: "Storage",
            dependencies: [
                "TradingCore",
                "TradingEngine",
                "SecuritySupervisor",
                "FeedbackLoop",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        // L3 support shared by the venue adapters (not an adapter): one HTTP exchange with a venue and what its failures mean; reconnect delays.
        .target(
            name: "VenueTransport",
            dependencies: [
                "TradingCore",
                "TradingEngine",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // L3 adapters: the Binance Spot venue (REST, streams, signing, rate budget); imports no other adapter.
        .target(
            name: "BinanceConnector",
            dependencies: [
                "TradingCore",
                "TradingEngine",
                "VenueTransport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
            ],
            swiftSettings: strictSettings
        ),
        // L3 adapters: the Alpaca broker (stocks and crypto: REST, trade_updates; bars read without losing a digit); imports no other adapter.
        .target(
            name: "AlpacaConnector",
            dependencies: [
                "TradingCore",
                "TradingEngine",
                "VenueTransport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // L3 adapters: HTTP API.
        .target(
            name: "HTTPServer",
            dependencies: [
                "TradingCore",
                "TradingEngine",
                "SecuritySupervisor",
                "PortfolioOptimizer",
                "Analytics",
                "Prediction",
                "FeedbackLoop",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strictSettings
        ),
        // L4: composition root.
        .target(
            name: "Orchestrator",
            dependencies: [
                "AlpacaConnector",
                "BinanceConnector",
                "TradingCore",
                "TradingEngine",
                "Storage",
                "HTTPServer",
                "PortfolioOptimizer",
                "FeedbackLoop",
                "Analytics",
                "Prediction",
                "QuantMath",
                "SecuritySupervisor",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("SampleData")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "orchestrator",
            dependencies: [
                "Orchestrator",
                "SecuritySupervisor",
                "PortfolioOptimizer",
                "Analytics",
                "Prediction",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Not Sources/orchestrator: a folder that differs from the library's Sources/Orchestrator
            // only in case would merge with it on a case-insensitive checkout.
            path: "Sources/OrchestratorCommandLine",
            swiftSettings: strictSettings
        ),
        // Test-only helpers.
        .target(
            name: "TestSupport",
            dependencies: ["TradingCore", "TradingEngine", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        // Test-only: a local Binance Spot exchange (REST subset, signatures, weights, faults) on 127.0.0.1.
        .target(
            name: "BinanceStub",
            dependencies: [
                "TradingCore",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/BinanceStub",
            swiftSettings: strictSettings
        ),
        // Test-only: a local Alpaca (Trading API v2 and market-data REST subset, faults) on 127.0.0.1.
        .target(
            name: "AlpacaStub",
            dependencies: [
                "TradingCore",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/AlpacaStub",
            swiftSettings: strictSettings
        ),
        // Test-only: the stub exchange as a program, replaying recorded bars for local runs and the live benchmark.
        .executableTarget(
            name: "binance-stub",
            dependencies: ["BinanceStub", "TradingCore", "TestSupport"],
            path: "Tests/BinanceStubTool",
            swiftSettings: strictSettings
        ),
        // Test-only: the stub broker as a program, for local runs without a key and the live benchmark.
        .executableTarget(
            name: "alpaca-stub",
            dependencies: ["AlpacaStub", "TradingCore", "TestSupport"],
            path: "Tests/AlpacaStubTool",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BinanceConnectorTests",
            dependencies: [
                "BinanceConnector", "BinanceStub", "TradingCore", "TradingEngine", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AlpacaConnectorTests",
            dependencies: ["AlpacaConnector", "AlpacaStub", "TradingCore", "TradingEngine", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TradingCoreTests",
            dependencies: ["TradingCore", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "QuantMathTests",
            dependencies: ["QuantMath"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PortfolioOptimizerTests",
            dependencies: ["PortfolioOptimizer", "QuantMath", "TradingCore", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "AnalyticsTests",
            dependencies: ["Analytics", "QuantMath", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PredictionTests",
            dependencies: ["Prediction", "QuantMath", "TradingCore", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FeedbackLoopTests",
            dependencies: ["FeedbackLoop", "Prediction", "QuantMath", "TradingCore", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TradingEngineTests",
            dependencies: ["TradingEngine", "TradingCore", "QuantMath", "Prediction", "PortfolioOptimizer", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SecuritySupervisorTests",
            dependencies: ["SecuritySupervisor", "TradingCore", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "TradingCore", "TradingEngine", "Prediction", "SecuritySupervisor", "FeedbackLoop", "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: [
                "HTTPServer", "TradingCore", "TradingEngine", "Prediction", "SecuritySupervisor", "Storage", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OrchestratorTests",
            dependencies: [
                "Orchestrator", "HTTPServer", "TradingCore", "TradingEngine", "Storage", "SecuritySupervisor", "TestSupport", "BinanceStub", "AlpacaStub",
                "QuantMath",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
