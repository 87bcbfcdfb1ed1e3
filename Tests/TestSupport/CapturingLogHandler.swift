import Logging
import Synchronization

/// Keeps every log line in memory, rendered with its metadata, so tests can read what was logged.
public struct CapturingLogHandler: LogHandler {
    /// The shared buffer lines go to.
    public final class Buffer: Sendable {
        private let lines = Mutex<[String]>([])
        /// Creates an empty buffer.
        public init() {}
        /// Every line so far.
        public var all: [String] { lines.withLock { $0 } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace
    private let buffer: Buffer

    /// Creates a handler writing to a buffer.
    public init(buffer: Buffer) { self.buffer = buffer }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        buffer.append("\(event.level) \(event.message) \(merged)")
    }

    /// A logger writing to a new buffer.
    public static func logger(label: String = "test") -> (Logger, Buffer) {
        let buffer = Buffer()
        return (Logger(label: label) { _ in CapturingLogHandler(buffer: buffer) }, buffer)
    }
}
