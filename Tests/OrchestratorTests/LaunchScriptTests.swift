import Foundation
import TestSupport
import Testing

/// `scripts/launch`: its choice of mode with a fake `docker` on the PATH, and a real bare-metal
/// launch, status, second launch and stop.
@Suite("The launcher", .serialized)
struct LaunchScriptTests {
    static let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/launch").path

    static func launch(_ arguments: [String], environment: [String: String] = [:], fakeDocker: (info: Int, compose: Int)? = nil,
                       in directory: TemporaryDirectory) async throws -> (status: Int32, output: String) {
        var path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        if let fakeDocker {
            let bin = directory.file("bin")
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            let docker = """
                #!/bin/sh
                # A stand-in for the docker CLI: `docker info` and `docker compose version` answer as the test says.
                case "$1 $2" in
                  "info "*) exit \(fakeDocker.info) ;;
                  "compose version") exit \(fakeDocker.compose) ;;
                  *) echo "fake docker: $*" ; exit 0 ;;
                esac
                """
            try docker.write(toFile: bin + "/docker", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/docker")
            path = bin + ":" + path
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
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

    @Test("auto mode picks Docker only when the engine and compose answer, says why, and a dry run changes nothing", arguments: [
        ((1, 0), "mode bare-metal", "no Docker engine answers"),
        ((0, 1), "mode bare-metal", "docker compose is not available"),
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
        let docker = try await Self.launch(["--mode", "docker", "--profile", "full", "--dry-run"], fakeDocker: (0, 0), in: directory)
        #expect(docker.output.contains("would: docker compose -f deploy/compose.yaml --profile full up -d --build"), "\(docker.output)")
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
        let first = try await Self.launch([], environment: environment, fakeDocker: (1, 1), in: directory)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("ready: API http://127.0.0.1:\(port)/api/v1"))
        #expect(FileManager.default.fileExists(atPath: directory.file("run/run.pid")))
        let second = try await Self.launch([], environment: environment, fakeDocker: (1, 1), in: directory)
        #expect(second.status == 0 && second.output.contains("already running"), "\(second.output)")
        #expect(try await Self.launch(["--status"], environment: environment, in: directory).output.contains("run is running"))
        #expect(try await Self.launch(["--stop"], environment: environment, in: directory).status == 0)
        #expect(try await Self.launch(["--status"], environment: environment, in: directory).output.contains("nothing is running"))
    }

    static func freePort() async throws -> Int {
        for _ in 0..<50 {
            let port = Int.random(in: 20_000...60_000)
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: "/bin/bash")
            probe.arguments = ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]
            probe.standardError = FileHandle.nullDevice
            try probe.run()
            await probe.exited()
            if probe.terminationStatus != 0 { return port }
        }
        throw CocoaError(.featureUnsupported)
    }
}
