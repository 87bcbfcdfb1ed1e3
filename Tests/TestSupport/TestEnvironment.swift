import Foundation

/// Facts about the test run, from the environment `scripts/test` sets.
public enum TestEnvironment {
    /// The URL of a throwaway PostgreSQL server's maintenance database, when one was started.
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["ORCHESTRATOR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The repository's root folder.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The bundled sample data folder in the source tree.
    public static var sampleDataDirectory: URL {
        repositoryRoot.appendingPathComponent("Sources/Orchestrator/SampleData")
    }
}
