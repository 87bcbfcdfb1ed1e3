import ArgumentParser
import Foundation
import Logging
import Orchestrator
import TradingCore

/// Loads configuration, sets up logging, runs the body, and turns known errors into exit codes
/// with a one-line message on standard error.
enum CommandRunner {
    static func run(storage: StorageOptions, overrides: [String: String] = [:],
                    _ body: (OrchestratorConfiguration, Logger) async throws -> Void) async throws {
        let configuration: OrchestratorConfiguration
        do {
            configuration = try await ConfigurationLoader.load(overrides: storage.overrides.merging(overrides) { $1 },
                                                               environment: ProcessInfo.processInfo.environment,
                                                               configFile: storage.config)
        } catch let error as ConfigurationError {
            fail(error.description, code: 78)
        }
        LoggingSystem.bootstrap { label in
            JSONLogHandler(label: label, level: configuration.logLevel, format: configuration.logFormat)
        }
        let logger = Logger(label: "orchestrator")
        do {
            try await body(configuration, logger)
        } catch let error as ImportRejection {
            FileHandle.standardError.write(Data("import rejected: nothing was written\n\(error.description)\n".utf8))
            throw ExitCode(65)
        } catch let error as ConfigurationError {
            fail(error.description, code: 78)
        } catch let error as ExitCode {
            throw error
        } catch let error as CustomStringConvertible & Error {
            fail(String(describing: error), code: 1)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(code)
    }

    static func print(_ output: AdministrationCommands.Output, format: OutputFormat) {
        switch format {
        case .json:
            FileHandle.standardOutput.write(Data(output.json.prettySerialized()))
        case .table:
            Swift.print(TableRenderer.render(columns: output.columns, rows: output.rows))
            if let footer = output.footer { Swift.print(footer) }
        }
    }
}
