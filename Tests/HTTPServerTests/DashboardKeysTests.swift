import Foundation
@testable import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TradingCore
import TradingEngine

@Suite("Dashboard: admins manage API keys")
struct DashboardKeysTests {
    typealias Browser = DashboardTests.Browser

    @Test("an admin creates a key shown once and revokes one after a confirmation, ending its sessions; a trader sees no keys page")
    func manageKeys() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let trader = Browser(client)
            _ = try await trader.signIn(fixture.keys[.trader]!)
            let overview = try await trader.send("/ui")
            #expect(try await trader.send("/ui/keys").status == 403 && !overview.text.contains("href=\"/ui/keys\""))
            let admin = Browser(client)
            _ = try await admin.signIn(fixture.keys[.admin]!)
            let page = try await admin.send("/ui/keys")
            #expect(page.status == 200 && page.text.contains("href=\"/ui/keys\" aria-current=\"page\"") && page.text.contains("(this session's key)"))
            #expect(!page.text.contains(fixture.keys[.trader]!) && page.text.contains("trader key"))
            let token = Browser.hidden("form_token", in: page.text) ?? ""
            let blank = try await admin.send("/ui/keys", method: .post, form: ["form_token": token, "name": "   ", "role": "viewer"])
            #expect(blank.status == 400 && blank.text.contains("field-error"))
            #expect(try await admin.send("/ui/keys", method: .post, form: ["form_token": token, "name": "x", "role": "owner"]).status == 400)
            #expect(try await admin.send("/ui/keys", method: .post, form: ["form_token": "forged", "name": "x", "role": "viewer"]).status == 403)
            let created = try await admin.send("/ui/keys", method: .post, form: ["form_token": token, "name": "grafana <reader>", "role": "viewer"])
            #expect(created.status == 200 && created.text.contains("grafana &lt;reader&gt;") && created.text.contains("shown only here"))
            let newKey = try #require(created.text.range(of: "<code id=\"new-key\">").map { String(created.text[$0.upperBound...].prefix { $0 != "<" }) })
            try await client.execute(uri: "/api/v1/system/status", method: .get, headers: [.authorization: "Bearer \(newKey)"]) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
            }
            // The trader's key revoked from the page: its session ends.
            let traderID = try #require(try await fixture.store.apiKeys().first { $0.name == "trader key" }?.id)
            let confirmation = try await admin.send("/ui/keys/\(traderID)/revoke")
            #expect(confirmation.status == 200 && confirmation.text.contains("every dashboard session opened with it ends"))
            let revoked = try await admin.send("/ui/keys/\(traderID)/revoke", method: .post, form: ["form_token": Browser.hidden("form_token", in: confirmation.text) ?? ""])
            #expect(revoked.status == 303 && revoked.location == "/ui/keys")
            #expect(try await fixture.store.apiKeys().first { $0.id == traderID }?.revokedAt != nil)
            #expect(try await trader.send("/ui").location?.hasPrefix("/ui/sign-in") == true)
            #expect(try await admin.send("/ui/keys/99999/revoke").status == 404)
        }
    }
}
