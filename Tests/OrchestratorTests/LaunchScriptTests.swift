import Foundation
import TestSupport
import Testing

/// `scripts/launch`: its choice of mode with a fake `docker` on the PATH, and a real bare-metal
/// launch, status, second launch and stop.
@Suite("The launcher", .serialized)
struct LaunchScriptTests {
    static let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/launch").path

    /// Runs the launcher with stand-ins for `docker` and `docker-compose` first on the PATH, so that no
    /// test reaches a real Docker engine: `docker info` and the two compose commands' `version` exit
    /// with the codes given (by default: no engine, no compose); every other docker command fails
    /// (no images, volumes or containers) and compose commands print nothing.
    static func launch(_ arguments: [String], environment: [String: String] = [:], fakeDocker: (info: Int, compose: Int) = (1, 1),
                       terminalInput: String? = nil, in directory: TemporaryDirectory) async throws -> (status: Int32, output: String) {
        var path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let bin = directory.file("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let docker = """
            #!/bin/sh
            case "$1 $2" in
              "info "*) exit \(fakeDocker.info) ;;
              "compose version") exit \(fakeDocker.compose) ;;
              "compose "*) exit 0 ;;
              *) exit 1 ;;
            esac
            """
        let compose = """
            #!/bin/sh
            [ "$1" = version ] && exit \(fakeDocker.compose == 0 ? 1 : 127)
            exit 0
            """
        for (name, text) in [("docker", docker), ("docker-compose", compose)] {
            try await writeExecutable(text, to: bin + "/" + name)
        }
        path = bin + ":" + path
        let process = ChildProcess()
        if let terminalInput {
            // A pseudo-terminal for the launcher (util-linux `script`), fed the given keystrokes.
            let input = directory.file("keys-\(UUID().uuidString)")
            try terminalInput.write(toFile: input, atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", ([script] + arguments).joined(separator: " "), "/dev/null"]
            process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        } else {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [script] + arguments
            process.standardInput = FileHandle.nullDevice
        }
        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ORCHESTRATOR_") && $0.key != "DATABASE_URL" }
        base["PATH"] = path
        base["ORCHESTRATOR_RUN_DIR"] = directory.file("run")
        base["ORCHESTRATOR_DATA_DIR"] = directory.file("data")
        process.environment = base.merging(environment) { $1 }
        // A file, not a pipe: the processes the launcher leaves running may inherit a pipe's write
        // end, and reading the pipe to its end would then wait for them.
        let log = directory.file("launch-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        await process.exited()
        try handle.close()
        return (process.terminationStatus, try String(contentsOfFile: log, encoding: .utf8))
    }

    /// Writes an executable script from a short-lived child process. Written from this process,
    /// the file's write descriptor can be inherited by a process another test spawns at that
    /// moment; while that process lives, executing the script fails with "Text file busy" (the
    /// launcher then saw `docker info` fail although the stand-in exits 0).
    static func writeExecutable(_ text: String, to path: String) async throws {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"printf '%s\n' "$1" > "$2" && chmod 755 "$2""#, "sh", text, path]
        try process.run()
        await process.exited()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    @Test("auto mode picks Docker only when the engine and compose answer, says why, and a dry run changes nothing", arguments: [
        ((1, 0), "mode bare-metal", "no Docker engine answers"),
        ((0, 1), "mode bare-metal", "neither docker compose nor docker-compose is available"),
        ((0, 0), "mode docker", "a Docker engine answers and docker compose is available"),
    ])
    func modeChoice(docker: (Int, Int), mode: String, reason: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try await Self.launch(["--dry-run"], fakeDocker: docker, in: directory)
        #expect(result.status == 0)
        #expect(result.output.contains(mode) && result.output.contains(reason), "\(result.output)")
        #expect(result.output.contains("would: ") && result.output.contains("nothing was changed"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("run")))
    }

    @Test("--mode docker with a dry run prints the compose command; bad options exit 64")
    func dockerDryRunAndUsage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let port = try await Self.freePort()
        let docker = try await Self.launch(["--mode", "docker", "--profile", "full", "--dry-run"], environment: ["ORCHESTRATOR_PORT": String(port)],
                                           fakeDocker: (0, 0), in: directory)
        #expect(docker.status == 0, "\(docker.output)")
        #expect(docker.output.contains("would: docker compose -f deploy/compose.yaml build migrate"), "\(docker.output)")
        #expect(docker.output.contains("would: docker compose -f deploy/compose.yaml --profile full up -d --no-build"), "\(docker.output)")
        #expect(docker.output.contains("would: docker pull grafana/grafana:11.3.0"), "\(docker.output)")
        #expect(try await Self.launch(["--mode", "kubernetes"], in: directory).status == 64)
        #expect(try await Self.launch(["--frobnicate"], in: directory).status == 64)
    }

    @Test("bare metal for real: starts, is ready, a second launch reports it running, --status, --stop")
    func bareMetal() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // Stopped whatever happens (a defer cannot await).
        do {
            try await bareMetalSteps(directory)
        } catch {
            _ = try? await Self.launch(["--stop"], in: directory)
            throw error
        }
        _ = try? await Self.launch(["--stop"], in: directory)
    }

    func bareMetalSteps(_ directory: TemporaryDirectory) async throws {
        let port = try await Self.freePort()
        let environment = ["ORCHESTRATOR_BINARY": CommandLineTests.executable.path, "ORCHESTRATOR_PORT": String(port),
                           "ORCHESTRATOR_SECURITY_CHECK_INTERVAL_SECONDS": "0"]
        let first = try await Self.launch([], environment: environment, in: directory)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("ready: API http://127.0.0.1:\(port)/api/v1"))
        #expect(FileManager.default.fileExists(atPath: directory.file("run/run.pid")))
        let second = try await Self.launch([], environment: environment, in: directory)
        #expect(second.status == 0 && second.output.contains("already running"), "\(second.output)")
        #expect(try await Self.launch(["--status"], environment: environment, in: directory).output.contains("run is running"))
        #expect(try await Self.launch(["--stop"], environment: environment, in: directory).status == 0)
        #expect(try await Self.launch(["--status"], environment: environment, in: directory).output.contains("nothing is running"))
    }

    @Test("with no options at a terminal it offers a menu: status, then mode and profile chosen, then a start (dry run)")
    func menuAtATerminal() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let port = try await Self.freePort()
        let result = try await Self.launch(["--dry-run"], environment: ["ORCHESTRATOR_PORT": String(port)],
                                           terminalInput: "3\n2\nbare-metal\nfull\n1\n", in: directory)
        #expect(result.status == 0, "\(result.output)")
        let menus = result.output.components(separatedBy: "TradingOrchestrator launcher: mode").count - 1
        #expect(menus == 3, "\(result.output)")
        #expect(result.output.contains("1) start (bare-metal, minimal)") && result.output.contains("1) start (bare-metal, full)"))
        #expect(result.output.contains("nothing is running from"))
        #expect(result.output.contains("would: start .build/release/orchestrator worker"), "\(result.output)")
        #expect(result.output.contains("dry run: nothing was changed"))
    }

    @Test("without a terminal it never waits for input: no options start in auto mode at once")
    func noMenuWithoutATerminal() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try await Self.launch(["--dry-run"], in: directory)
        #expect(result.status == 0 && !result.output.contains("choice:") && result.output.contains("mode bare-metal"), "\(result.output)")
    }

    @Test("bad input stops with the reason and the fix and starts nothing: a stopped engine, a port in use", arguments: ["engine", "port"])
    func badInput(problem: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let port = try await Self.freePort()
        let listener = ChildProcess()
        listener.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        listener.arguments = ["python3", "-c", "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', \(port))); s.listen(); time.sleep(60)"]
        if problem == "port" {
            try listener.run()
            var attempts = 0
            while try await Self.isFree(port), attempts < 100 {
                attempts += 1
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        defer { if listener.isRunning { listener.terminate() } }
        let arguments = problem == "engine" ? ["--mode", "docker"] : ["--mode", "bare-metal"]
        let result = try await Self.launch(arguments, environment: ["ORCHESTRATOR_PORT": String(port), "ORCHESTRATOR_BINARY": "/bin/false"], in: directory)
        #expect(result.status != 0, "\(result.output)")
        let reason = problem == "engine" ? "no Docker engine answers" : "port \(port) on 127.0.0.1 is already in use"
        #expect(result.output.contains(reason) && result.output.contains("launch: fix: ") && result.output.contains("nothing was started"), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("run/run.pid")))
    }

    static func isFree(_ port: Int) async throws -> Bool {
        let probe = ChildProcess()
        probe.executableURL = URL(fileURLWithPath: "/bin/bash")
        probe.arguments = ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        await probe.exited()
        return probe.terminationStatus != 0
    }

    static func freePort() async throws -> Int {
        for _ in 0..<50 {
            let port = Int.random(in: 20_000...30_000)
            if try await isFree(port) { return port }
        }
        throw CocoaError(.featureUnsupported)
    }
}
