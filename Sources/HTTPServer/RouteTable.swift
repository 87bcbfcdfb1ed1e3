/// The served route templates and their methods, so an unmatched request can be answered 405
/// (path known, method not) instead of Hummingbird's 404.
struct RouteTable: Sendable {
    private let templates: [(components: [Substring], method: String)]

    /// A table of (method, template) pairs such as ("GET", "/api/v1/apikeys/{id}").
    init(_ routes: [(method: String, template: String)]) {
        templates = routes.map { (components: $0.template.split(separator: "/"), method: $0.method) }
    }

    /// The methods served for a concrete path, sorted; empty when no template matches it.
    func methods(forPath path: String) -> [String] {
        let components = path.split(separator: "/")
        let methods = templates.filter { template in
            template.components.count == components.count && zip(template.components, components).allSatisfy { pattern, part in
                (pattern.hasPrefix("{") && pattern.hasSuffix("}")) || pattern == part
            }
        }.map(\.method)
        return Array(Set(methods)).sorted()
    }
}
