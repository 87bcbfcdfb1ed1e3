import ArgumentParser
import Foundation
import Orchestrator
import TradingEngine

struct APIKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "Create, list and revoke API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; it is printed once, alone on the last line of standard output. Only its hash is stored.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Role.") var role: APIKeyRole
        @Option(help: "A label for the key.") var name: String
        @OptionGroup var output: FormatOption

        func run() async throws {
            try await CommandRunner.run(storage: storage) { configuration, logger in
                let (created, key) = try await AdministrationCommands.createKey(name: name, role: role,
                                                                                configuration: configuration, logger: logger)
                CommandRunner.print(created, format: output.format)
                Swift.print(key)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (id, name, role, prefix, state); never the keys.")
        @OptionGroup var storage: StorageOptions
        @OptionGroup var output: FormatOption

        func run() async throws {
            try await CommandRunner.run(storage: storage) { configuration, logger in
                CommandRunner.print(try await AdministrationCommands.listKeys(configuration, logger: logger), format: output.format)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id; servers stop accepting it within the key-cache lifetime.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The key id (see apikey list).") var id: Int64
        @OptionGroup var output: FormatOption

        func run() async throws {
            try await CommandRunner.run(storage: storage) { configuration, logger in
                CommandRunner.print(try await AdministrationCommands.revokeKey(id: id, configuration: configuration, logger: logger), format: output.format)
            }
        }
    }
}
