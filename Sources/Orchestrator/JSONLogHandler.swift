import Foundation
import Logging
import Synchronization
import TradingCore

/// A swift-log handler that writes one JSON object per line (or a plain text line) to standard
/// error: time, level, label, message and metadata. Nothing here knows secrets; the rule that no
/// key is ever logged is kept by the callers and checked by a test on captured output.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: OrchestratorConfiguration.LogFormat
    private let sink: LogSink

    /// Creates a handler writing to a sink (standard error by default).
    public init(label: String, level: Logger.Level, format: OrchestratorConfiguration.LogFormat, sink: LogSink = .standardError) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let time = SystemClock().now().iso8601
        switch format {
        case .json:
            var members: [(String, JSONValue)] = [("time", .string(time)), ("level", .string(event.level.rawValue)),
                                                     ("label", .string(label)), ("message", .string(event.message.description))]
            for key in merged.keys.sorted() { members.append((key, Self.convert(merged[key]!))) }
            sink.write(JSONValue.object(members).serializedText() + "\n")
        case .text:
            let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
            sink.write("\(time) \(event.level.rawValue.uppercased()) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)\n")
        }
    }

    private static func convert(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(convert))
        case .dictionary(let dictionary): .object(dictionary.keys.sorted().map { ($0, convert(dictionary[$0]!)) })
        }
    }

}

/// Where log lines go: standard error, or a buffer tests read.
public final class LogSink: Sendable {
    private let lines = Mutex<[String]>([])
    private let capture: Bool

    private init(capture: Bool) { self.capture = capture }

    /// Standard error.
    public static let standardError = LogSink(capture: false)

    /// A sink that keeps lines in memory for tests.
    public static func memory() -> LogSink { LogSink(capture: true) }

    /// Every line written so far (memory sinks only).
    public var captured: [String] { lines.withLock { $0 } }

    func write(_ line: String) {
        if capture {
            lines.withLock { $0.append(line) }
        } else {
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}
