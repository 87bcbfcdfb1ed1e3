import ArgumentParser
import Foundation
import Orchestrator

/// Options every command that touches the database shares.
struct StorageOptions: ParsableArguments {
    @Option(name: .long, help: "A JSON configuration file.")
    var config: String?

    @Option(name: .long, help: "Folder of the SQLite database (default ./data).")
    var dataDir: String?

    @Option(name: .long, help: "postgres://user:password@host:5432/database to use PostgreSQL instead of SQLite.")
    var databaseURL: String?

    var overrides: [String: String] {
        var values: [String: String] = [:]
        if let dataDir { values["data.dir"] = dataDir }
        if let databaseURL { values["database.url"] = databaseURL }
        return values
    }
}
