import Foundation
import Glibc

/// A child process the tests start: the part of Foundation's `Process` they use, started with
/// `posix_spawn` directly.
///
/// Why not `Process`: on Linux its `run()` lists /proc/self/fd to close the descriptors a child
/// must not inherit, and copies each whole 256-byte directory entry name out of glibc's buffer,
/// reading past its end; when the next page is unmapped the test process crashes
/// (swift-corelibs-foundation#5472, about one suite run in five here with Swift 6.3.1, fixed
/// upstream after it). This one asks glibc to close them in the child instead
/// (`posix_spawn_file_actions_addclosefrom_np`).
///
/// Standard streams as with `Process`: a `Pipe`, a `FileHandle`, `nil` or `FileHandle.nullDevice`
/// for /dev/null, and by default the test process's own.
public final class ChildProcess: @unchecked Sendable {
    /// The program to run.
    public var executableURL: URL?
    /// Its arguments, after the program's path.
    public var arguments: [String]? = []
    /// Its environment; the test process's when nil.
    public var environment: [String: String]?
    /// Its working directory; the test process's when nil.
    public var currentDirectoryURL: URL?
    /// Its standard input: a `Pipe`, a `FileHandle`, or nil for /dev/null.
    public var standardInput: Any? = FileHandle.standardInput
    /// Its standard output: a `Pipe`, a `FileHandle`, or nil for /dev/null.
    public var standardOutput: Any? = FileHandle.standardOutput
    /// Its standard error: a `Pipe`, a `FileHandle`, or nil for /dev/null.
    public var standardError: Any? = FileHandle.standardError

    /// The child's process id once started (0 before).
    public private(set) var processIdentifier: pid_t = 0

    /// The outcome, set once by the thread that waits for the child.
    private var outcome: (reason: Process.TerminationReason, status: Int32)?
    private var started = false
    private let condition = NSCondition()

    /// A process to configure and `run()`.
    public init() {}

    /// Whether the child has started and not yet ended.
    public var isRunning: Bool {
        condition.withLock { started && outcome == nil }
    }

    /// The exit status, or the signal that ended the child (after it ended).
    public var terminationStatus: Int32 {
        condition.withLock {
            guard let outcome else { preconditionFailure("the child process has not ended") }
            return outcome.status
        }
    }

    /// Whether the child exited or was ended by a signal (after it ended).
    public var terminationReason: Process.TerminationReason {
        condition.withLock {
            guard let outcome else { preconditionFailure("the child process has not ended") }
            return outcome.reason
        }
    }

    /// Starts the child, in a process group of its own as `Process` does.
    public func run() throws {
        guard let executable = executableURL?.path else { throw POSIXError(.ENOENT) }
        var actions = posix_spawn_file_actions_t()
        try check(posix_spawn_file_actions_init(&actions))
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, stream) in [(STDIN_FILENO, standardInput), (STDOUT_FILENO, standardOutput), (STDERR_FILENO, standardError)] {
            try redirect(target, to: stream, reading: target == STDIN_FILENO, actions: &actions)
        }
        if let directory = currentDirectoryURL?.path {
            try check(spawnFileActionsAddChangeDirectory(&actions, directory))
        }
        try check(spawnFileActionsAddCloseFrom(&actions, 3))
        var attributes = posix_spawnattr_t()
        try check(posix_spawnattr_init(&attributes))
        defer { posix_spawnattr_destroy(&attributes) }
        try check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP)))

        let argumentStrings = [executable] + (arguments ?? [])
        let environmentStrings = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStrings(argumentStrings) { argv in
            withCStrings(environmentStrings) { envp in posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        }
        try check(result)
        let child = pid
        condition.withLock {
            processIdentifier = child
            started = true
        }
        // The parent's copies of the child's pipe ends, so that a reader sees end of file when the
        // child ends, as `Process` does.
        if let pipe = standardInput as? Pipe { try? pipe.fileHandleForReading.close() }
        if let pipe = standardOutput as? Pipe { try? pipe.fileHandleForWriting.close() }
        if let pipe = standardError as? Pipe { try? pipe.fileHandleForWriting.close() }
        Thread { [self] in awaitExit(of: child) }.start()
    }

    /// Sends SIGTERM.
    public func terminate() {
        if processIdentifier > 0 { kill(processIdentifier, SIGTERM) }
    }

    /// Sends SIGINT.
    public func interrupt() {
        if processIdentifier > 0 { kill(processIdentifier, SIGINT) }
    }

    /// Blocks until the child has ended (returns at once if it never started).
    public func waitUntilExit() {
        condition.withLock {
            while started && outcome == nil { condition.wait() }
        }
    }

    /// Waits for the child to end without blocking a cooperative thread.
    public func exited() async {
        _ = try? await offPool { self.waitUntilExit() }
    }

    /// Reaps the child and records how it ended.
    private func awaitExit(of pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7f
        let ended: (Process.TerminationReason, Int32) = signal == 0 ? (.exit, (status >> 8) & 0xff) : (.uncaughtSignal, signal)
        condition.withLock {
            outcome = ended
            condition.broadcast()
        }
    }

    /// The file action that gives the child `stream` as descriptor `target`.
    private func redirect(_ target: Int32, to stream: Any?, reading: Bool, actions: inout posix_spawn_file_actions_t) throws {
        switch stream {
        case let pipe as Pipe:
            let end = reading ? pipe.fileHandleForReading : pipe.fileHandleForWriting
            try check(posix_spawn_file_actions_adddup2(&actions, end.fileDescriptor, target))
        case let handle as FileHandle where handle === FileHandle.nullDevice:
            try check(posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_RDWR, 0))
        case let handle as FileHandle where handle.fileDescriptor == target:
            break  // its own stream: inherited as it is
        case let handle as FileHandle:
            try check(posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target))
        case nil:
            try check(posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_RDWR, 0))
        default:
            preconditionFailure("a standard stream is a Pipe or a FileHandle")
        }
    }

    /// Throws the error a posix_spawn call returned.
    private func check(_ result: Int32) throws {
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
    }
}

/// Calls `body` with a NULL-terminated array of C copies of `strings`, freed afterwards.
private func withCStrings<Result>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Result) -> Result {
    let copies = strings.map { strdup($0) } + [nil]
    defer { copies.forEach { free($0) } }
    return body(copies)
}

// glibc's GNU extensions (glibc 2.29 and 2.34), which the Glibc module does not export without
// _GNU_SOURCE; declared here with their C signatures.
@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnFileActionsAddChangeDirectory(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnFileActionsAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowest: Int32) -> Int32
