import Foundation

/// The `host:port` of URLs, each once in order (the default port of its scheme when none is
/// written): what the supervisor's network checks probe for a venue's endpoints.
public enum EndpointHosts {
    /// The distinct `host:port` of `urls`; a URL without a host is left out.
    public static func of(_ urls: [String]) -> [String] {
        var seen: [String] = []
        for url in urls {
            guard let components = URLComponents(string: url), let host = components.host else { continue }
            let port = components.port ?? (["https", "wss"].contains(components.scheme ?? "") ? 443 : 80)
            let endpoint = "\(host):\(port)"
            if !seen.contains(endpoint) { seen.append(endpoint) }
        }
        return seen
    }
}
