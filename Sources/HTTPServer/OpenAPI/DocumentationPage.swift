import TradingCore

/// Renders the OpenAPI document as one self-contained HTML page: no script, no CDN, works offline.
public enum DocumentationPage {
    /// The page for a document.
    public static func render(_ document: JSONValue) -> String {
        let title = document["info"]?["title"]?.stringValue ?? "API"
        let version = document["info"]?["version"]?.stringValue ?? ""
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) \(HTML.escape(version))</title>
            <style>
            body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d232a;background:#f6f7f9;line-height:1.45}
            header{background:#14213d;color:#fff;padding:20px 32px}header h1{margin:0;font-size:24px}header p{margin:6px 0 0;max-width:900px;color:#d8dee9}
            main{display:flex;gap:24px;padding:24px 32px}nav{min-width:260px;font-size:14px}nav a{display:block;color:#14213d;text-decoration:none;padding:2px 0}
            section.op{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:16px 20px;margin-bottom:16px}
            .method{display:inline-block;font-weight:700;font-size:12px;padding:3px 8px;border-radius:4px;color:#fff;margin-right:8px}
            .get{background:#2b7a4b}.post{background:#1f5fa8}.delete{background:#b03a2e}.put,.patch{background:#8a5a00}
            code,.path{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}.path{font-size:16px;font-weight:600}
            table{border-collapse:collapse;width:100%;font-size:14px;margin:8px 0}th,td{border:1px solid #dde1e6;padding:4px 8px;text-align:left;vertical-align:top}
            th{background:#eef1f4}.role{font-size:12px;color:#5c6773}h2{margin-top:8px}.content{flex:1;min-width:0}
            </style></head><body>
            <header><h1>\(HTML.escape(title)) <small>\(HTML.escape(version))</small></h1><p>\(prose(document["info"]?["description"]?.stringValue ?? ""))</p></header>
            <main><nav><strong>Routes</strong>
            """
        let operations = collectOperations(document)
        for operation in operations {
            html += "<a href=\"#\(HTML.escape(operation.id))\"><code>\(operation.method.uppercased()) \(HTML.escape(operation.path))</code></a>"
        }
        html += "<br><strong>Schemas</strong>"
        let schemas = document["components"]?["schemas"]
        for name in schemas?.objectKeys ?? [] { html += "<a href=\"#schema-\(HTML.escape(name))\">\(HTML.escape(name))</a>" }
        html += "<br><a href=\"#problems\"><strong>Problem types</strong></a></nav><div class=\"content\"><h2>Routes</h2>"
        for operation in operations { html += render(operation) }
        html += "<h2>Schemas</h2>"
        for name in schemas?.objectKeys ?? [] {
            guard let schema = schemas?[name] else { continue }
            html += "<section class=\"op\" id=\"schema-\(HTML.escape(name))\"><div class=\"path\">\(HTML.escape(name))</div>"
            if let description = schema["description"]?.stringValue { html += "<p>\(HTML.escape(description))</p>" }
            html += schemaTable(schema) + "</section>"
        }
        html += "<h2 id=\"problems\">Problem types</h2><p>Every error is <code>application/problem+json</code> (RFC 9457) with one of these stable <code>type</code> values.</p>"
        html += "<table><tr><th>type</th><th>status</th><th>title</th><th>when</th></tr>"
        for kind in ProblemDetails.Kind.allCases {
            html += "<tr id=\"problem-\(kind.rawValue)\"><td><code>\(HTML.escape(kind.typeURI))</code></td><td>\(kind.status.code)</td>"
            html += "<td>\(HTML.escape(kind.title))</td><td>\(prose(kind.explanation))</td></tr>"
        }
        html += "</table></div></main></body></html>\n"
        return html
    }

    private struct Operation {
        let path: String
        let method: String
        let value: JSONValue
        var id: String { value["operationId"]?.stringValue ?? "\(method)-\(path)" }
    }

    private static func collectOperations(_ document: JSONValue) -> [Operation] {
        guard case .object(let paths)? = document["paths"] else { return [] }
        return paths.flatMap { path, item -> [Operation] in
            guard case .object(let methods) = item else { return [] }
            return methods.map { Operation(path: path, method: $0.0, value: $0.1) }
        }
    }

    private static func render(_ operation: Operation) -> String {
        let value = operation.value
        var html = "<section class=\"op\" id=\"\(HTML.escape(operation.id))\"><span class=\"method \(operation.method)\">\(operation.method.uppercased())</span>"
        html += "<span class=\"path\">\(HTML.escape(operation.path))</span>"
        if let role = value["x-required-role"]?.stringValue {
            html += " <span class=\"role\">needs role: <strong>\(HTML.escape(role))</strong></span>"
        } else {
            html += " <span class=\"role\">no key needed</span>"
        }
        html += "<p><strong>\(HTML.escape(value["summary"]?.stringValue ?? ""))</strong>. \(prose(value["description"]?.stringValue ?? ""))</p>"
        if let parameters = value["parameters"]?.arrayValue, !parameters.isEmpty {
            html += "<table><tr><th>parameter</th><th>in</th><th>required</th><th>type</th><th>description</th></tr>"
            for parameter in parameters {
                html += "<tr><td><code>\(HTML.escape(parameter["name"]?.stringValue ?? ""))</code></td><td>\(HTML.escape(parameter["in"]?.stringValue ?? ""))</td>"
                html += "<td>\(parameter["required"] == .bool(true) ? "yes" : "no")</td><td>\(HTML.escape(typeText(parameter["schema"])))</td>"
                html += "<td>\(HTML.escape(parameter["description"]?.stringValue ?? ""))</td></tr>"
            }
            html += "</table>"
        }
        if let body = value["requestBody"]?["content"]?["application/json"]?["schema"] {
            html += "<p>Body (application/json): \(typeLink(body))</p>"
        }
        html += "<table><tr><th>status</th><th>response</th></tr>"
        if case .object(let responses)? = value["responses"] {
            for (status, response) in responses {
                var text: String
                if let reference = response["$ref"]?.stringValue {
                    let name = String(reference.split(separator: "/").last ?? "")
                    let kind = ProblemDetails.Kind.allCases.first { OpenAPIDocument.responseName($0) == name }
                    text = "problem: <a href=\"#problem-\(kind?.rawValue ?? "")\">\(HTML.escape(kind?.title ?? name))</a>"
                } else {
                    text = HTML.escape(response["description"]?.stringValue ?? "")
                    if case .object(let content)? = response["content"], let first = content.first, let schema = first.1["schema"] {
                        text += " <code>\(HTML.escape(first.0))</code> \(typeLink(schema))"
                    }
                }
                html += "<tr><td>\(HTML.escape(status))</td><td>\(text)</td></tr>"
            }
        }
        return html + "</table></section>"
    }

    private static func schemaTable(_ schema: JSONValue) -> String {
        guard case .object(let properties)? = schema["properties"] else { return "<p>\(HTML.escape(typeText(schema)))</p>" }
        let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        var html = "<table><tr><th>field</th><th>type</th><th>required</th><th>description</th></tr>"
        for (name, property) in properties {
            html += "<tr><td><code>\(HTML.escape(name))</code></td><td>\(typeLink(property))</td><td>\(required.contains(name) ? "yes" : "no")</td>"
            html += "<td>\(HTML.escape(property["description"]?.stringValue ?? ""))</td></tr>"
        }
        return html + "</table>"
    }

    private static func typeLink(_ schema: JSONValue) -> String {
        if let reference = schema["$ref"]?.stringValue {
            let name = String(reference.split(separator: "/").last ?? "")
            return "<a href=\"#schema-\(HTML.escape(name))\">\(HTML.escape(name))</a>"
        }
        if schema["type"] == .string("array"), let items = schema["items"] { return "array of " + typeLink(items) }
        return HTML.escape(typeText(schema))
    }

    private static func typeText(_ schema: JSONValue?) -> String {
        guard let schema else { return "" }
        var text: String
        switch schema["type"] {
        case .string(let type)?: text = type
        case .array(let types)?: text = types.compactMap(\.stringValue).joined(separator: " | ")
        default: text = "object"
        }
        if let format = schema["format"]?.stringValue { text += " (\(format))" }
        if let values = schema["enum"]?.arrayValue { text += ": " + values.compactMap(\.stringValue).joined(separator: ", ") }
        return text
    }

    /// HTML-escapes text and shows `backticked` spans as code.
    static func prose(_ text: String) -> String {
        let parts = text.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count % 2 == 1 else { return HTML.escape(text) }
        return parts.enumerated().map { index, part in
            index % 2 == 1 ? "<code>\(HTML.escape(String(part)))</code>" : HTML.escape(String(part))
        }.joined()
    }
}
