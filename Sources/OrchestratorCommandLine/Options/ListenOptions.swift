import ArgumentParser

/// `--host` and `--port` of a process that serves the API.
struct ListenOptions: ParsableArguments {
    @Option(name: .long, help: "Address to bind (default 127.0.0.1).") var host: String?
    @Option(name: .long, help: "Port to listen on (default 8080; 0 picks a free port).") var port: Int?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
    }

    /// The configuration keys they set.
    var overrides: [String: String] {
        var values: [String: String] = [:]
        if let host { values["http.host"] = host }
        if let port { values["http.port"] = String(port) }
        return values
    }
}
