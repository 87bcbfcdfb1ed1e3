import ArgumentParser
import Foundation
import Orchestrator

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the API server (SQLite under --data-dir unless DATABASE_URL is set).",
        discussion: "Creates the schema, imports the bundled sample data into an empty database, creates and prints a first admin key if none exists, and serves until SIGTERM or SIGINT.")

    @OptionGroup var storage: StorageOptions
    @OptionGroup var listen: ListenOptions
    @OptionGroup var clock: ProcessClockOption

    func run() async throws {
        try await CommandRunner.run(storage: storage, overrides: listen.overrides) { configuration, logger in
            try await ServeCommand.run(configuration, clock: clock.clock, logger: logger) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
    }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run jobs (backtests requested through the API) from the shared database until SIGTERM.",
        discussion: "Any number of workers can share one PostgreSQL database; each claims due jobs under a lease, so a job held by a worker that dies is retried by another.")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Jobs run at once.") var concurrency = 2
    @Option(help: "Serve /health/live, /health/ready and /metrics on this port (on http.host); none without it.") var port: Int?
    @OptionGroup var clock: ProcessClockOption

    func validate() throws {
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 256") }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
    }

    func run() async throws {
        try await CommandRunner.run(storage: storage) { configuration, logger in
            try await WorkerCommand.run(configuration, concurrency: concurrency, port: port, clock: clock.clock, logger: logger) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
    }
}

struct SchedulerRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Queue the configured schedules' jobs (cron or intervals) until SIGTERM.",
        discussion: "Any number of schedulers may run against one database: one leads through a lease in the store (taken over within 15 s when it dies, at once when it stops cleanly); a tick fires at most once, and ticks missed while none ran fire once.")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Serve /health/live, /health/ready and /metrics on this port (on http.host); none without it.") var port: Int?
    @OptionGroup var clock: ProcessClockOption

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
    }

    func run() async throws {
        try await CommandRunner.run(storage: storage) { configuration, logger in
            try await SchedulerCommand.run(configuration, port: port, clock: clock.clock, logger: logger) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations (also done at start-up); safe to run from several processes at once.")

    @OptionGroup var storage: StorageOptions
    @OptionGroup var output: FormatOption

    func run() async throws {
        try await CommandRunner.run(storage: storage) { configuration, logger in
            CommandRunner.print(try await AdministrationCommands.migrate(configuration, logger: logger), format: output.format)
        }
    }
}
