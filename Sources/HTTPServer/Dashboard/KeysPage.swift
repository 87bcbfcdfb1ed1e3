import TradingCore
import TradingEngine

/// API keys for admins: every key with its role and state (never the key itself), a form that
/// creates one (its secret shown once, on the page that answers the form, never in a URL), and a
/// revoke button behind a confirmation.
enum KeysPage {
    /// The list and the create form.
    static func body(_ keys: [APIKeyRecord], session: DashboardSession, problem: String? = nil, name: String = "", role: APIKeyRole = .viewer) -> String {
        var html = "<h2>Create a key</h2><form class=\"backtest\" method=\"post\" action=\"/ui/keys\">"
            + "<input type=\"hidden\" name=\"form_token\" value=\"\(HTML.escape(session.formToken))\">"
            + "<label>Name <input type=\"text\" name=\"name\" value=\"\(HTML.escape(name))\" maxlength=\"\(APIKeyIssuer.maximumNameLength)\" required>"
            + (problem.map { "<div class=\"field-error\">\(HTML.escape($0))</div>" } ?? "") + "</label>"
            + "<label>Role <select name=\"role\">" + APIKeyRole.allCases.map {
                "<option value=\"\($0.rawValue)\"\($0 == role ? " selected" : "")>\($0.rawValue)</option>"
            }.joined() + "</select></label><button class=\"primary\" type=\"submit\">Create</button></form>"
        html += "<p class=\"note\">Viewers see; traders also halt, resume, acknowledge and queue backtests; admins also manage keys and the feedback loop.</p>"
        html += "<h2>Keys</h2><table><thead><tr><th class=\"number\">Id</th><th>Name</th><th>Role</th><th>Begins with</th><th>Created</th><th>State</th></tr></thead><tbody>"
        for key in keys {
            var state = key.revokedAt.map { "revoked " + HTML.time($0) } ?? "active"
            if key.revokedAt == nil {
                state += key.id == session.principal.keyID ? " (this session's key)" : " <a class=\"button danger\" href=\"/ui/keys/\(key.id)/revoke\">Revoke…</a>"
            }
            html += "<tr><td class=\"number\">\(key.id)</td><td>\(HTML.escape(key.name))</td><td>\(key.role.rawValue)</td><td><code>\(HTML.escape(key.prefix))…</code></td>"
                + "<td>\(HTML.time(key.createdAt))</td><td>\(state)</td></tr>"
        }
        return html + "</tbody></table>"
    }

    /// The answer to the form: the new key, once.
    static func created(_ key: String, record: APIKeyRecord) -> String {
        """
        <div class="notice">Key <strong>\(HTML.escape(record.name))</strong> (\(record.role.rawValue), id \(record.id)) created. \
        Copy it now: it is shown only here, and only its hash is kept.</div>
        <p><code id="new-key">\(HTML.escape(key))</code></p><p><a class="button" href="/ui/keys">Back to the keys</a></p>
        """
    }

    /// The confirmation of a revocation.
    static func confirmation(_ record: APIKeyRecord, session: DashboardSession) -> String {
        """
        <p>Key <strong>\(HTML.escape(record.name))</strong> (\(record.role.rawValue), id \(record.id), begins with <code>\(HTML.escape(record.prefix))…</code>) \
        stops working at once on this server, within the key cache's lifetime on others, and every dashboard session opened with it ends.</p>
        <form method="post" action="/ui/keys/\(record.id)/revoke" class="actions"><input type="hidden" name="form_token" value="\(HTML.escape(session.formToken))">
        <button class="danger" type="submit">Revoke</button><a class="button" href="/ui/keys">Cancel</a></form>
        """
    }
}
