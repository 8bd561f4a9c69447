import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ParleyAPI
import ParleyCore
import Testing

@testable import ParleyServer

/// The web app's pages and assets, its backend's visitor session, and the browser half of the
/// authorization code flow, through the router.
@Suite struct WebAppRouteTests {
    /// The operator's headers for a JSON request.
    static func admin(_ fixture: ServerFixture) -> HTTPFields {
        [.authorization: "Bearer \(fixture.environment.adminKey)", .contentType: "application/json"]
    }

    @Test func pagesAndAssetsCarryTheSecurityHeadersAndRevalidateWithETags() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(page.headers[.contentSecurityPolicy])
            for directive in ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "connect-src 'self' ws://\(ServerFixture.host)"] {
                #expect(policy.contains(directive), "\(directive) missing from \(policy)")
            }
            #expect(!policy.contains("unsafe-inline"))
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(page.headers[.strictTransportSecurity] == nil)  // loopback default: no HSTS
            #expect(String(buffer: page.body).contains("<script type=\"module\" src=\"/app/js/main.js\">"))
            #expect(!String(buffer: page.body).contains("<script>"))  // no inline script

            let script = try await client.execute(uri: "/app/js/main.js", method: .get)
            #expect(script.status == .ok)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            let etag = try #require(script.headers[.eTag])
            #expect(script.headers[.cacheControl] == "no-cache")
            let again = try await client.execute(uri: "/app/js/main.js", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            let changed = try await client.execute(uri: "/app/js/main.js", method: .get, headers: [.ifNoneMatch: "\"other\""])
            #expect(changed.status == .ok)

            let missing = try await client.execute(uri: "/app/js/../../etc/passwd", method: .get)
            #expect(missing.status == .notFound)
            #expect(try await client.execute(uri: "/app/nothing.js", method: .get).status == .notFound)
        }
    }

    @Test func theShippedAssetsStayUnder300KB() throws {
        let total = try WebAppAssetsTotal.bytes()
        #expect(total > 10_000)
        #expect(total < 300 * 1024, "the web app ships \(total) bytes")
    }

    @Test func visitorsJoinGetACookieAndRefreshTheirTokenWithIt() async throws {
        let fixture = try await ServerFixture()
        try await fixture.application().test(.router) { client in
            let body = ByteBuffer(string: #"{"displayName": "Alice"}"#)
            let json: HTTPFields = [.contentType: "application/json"]
            let closed = try await client.execute(uri: "/webapp/v1/resources/default/visitors", method: .post, headers: json, body: body)
            #expect(closed.status == .notFound)
            #expect(closed.errorCode == "WebAppNotEnabled")

            let enabled = try await client.execute(
                uri: "/admin/resources/default/web-app",
                method: .put,
                headers: Self.admin(fixture),
                body: ByteBuffer(string: #"{"enabled": true}"#)
            )
            #expect(enabled.status == .ok)
            #expect(try enabled.decode(ResourceModel.self).webApp == WebAppSettingsModel(enabled: true))
            let config = try await client.execute(uri: "/webapp/v1/config", method: .get)
            #expect(try config.decode(WebAppConfigModel.self).resources.map(\.name) == ["default"])
            #expect(try config.decode(WebAppConfigModel.self).interopProfile == "faithful")

            let joined = try await client.execute(uri: "/webapp/v1/resources/default/visitors", method: .post, headers: json, body: body)
            #expect(joined.status == .created)
            let visitor = try joined.decode(WebVisitorTokenModel.self)
            #expect(visitor.displayName == "Alice")
            let cookie = try #require(joined.headers[.setCookie])
            #expect(cookie.hasPrefix("parley-visitor="))  // plain HTTP here: no __Host- prefix
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] { #expect(cookie.contains(attribute), "\(cookie)") }
            let me = try await client.execute(uri: "/parley/v1/me", method: .get, headers: [.authorization: "Bearer \(visitor.token)"])
            #expect(try me.decode(TokenIntrospection.self).communicationUser.rawId == visitor.communicationUserId)

            let pair = String(cookie.prefix { $0 != ";" })
            let refreshed = try await client.execute(uri: "/webapp/v1/visitor/token", method: .post, headers: [.cookie: pair])
            #expect(refreshed.status == .ok)
            #expect(try refreshed.decode(WebVisitorTokenModel.self).communicationUserId == visitor.communicationUserId)
            let crossSite = try await client.execute(
                uri: "/webapp/v1/visitor/token",
                method: .post,
                headers: [.cookie: pair, .origin: "https://evil.example"]
            )
            #expect(crossSite.status == .forbidden)
            #expect(try await client.execute(uri: "/webapp/v1/visitor/token", method: .post).status == .unauthorized)

            let left = try await client.execute(uri: "/webapp/v1/visitor/session", method: .delete, headers: [.cookie: pair])
            #expect(left.status == .noContent)
            #expect(left.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await client.execute(uri: "/webapp/v1/visitor/token", method: .post, headers: [.cookie: pair]).status == .unauthorized)
        }
    }

    @Test func redirectURIsAreRegisteredAndChecked() async throws {
        let fixture = try await ServerFixture()
        let tenant = try await fixture.environment.directory.createTenant(displayName: "Contoso", domain: "contoso.com")
        try await fixture.application().test(.router) { client in
            let headers = Self.admin(fixture)
            let bad = try await client.execute(
                uri: "/admin/tenants/\(tenant.id.uuidString)/apps",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: #"{"displayName": "Web", "redirectUris": ["http://example.com/"]}"#)
            )
            #expect(bad.status == .badRequest)
            #expect(try await fixture.environment.orgSignIn.apps(in: tenant.id).isEmpty)
            let made = try await client.execute(
                uri: "/admin/tenants/\(tenant.id.uuidString)/apps",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: #"{"displayName": "Web", "redirectUris": ["https://127.0.0.1/"]}"#)
            )
            #expect(made.status == .created)
            let app = try made.decode(TenantAppModel.self)
            #expect(app.redirectUris == ["https://127.0.0.1/"])
            let replaced = try await client.execute(
                uri: "/admin/tenants/\(tenant.id.uuidString)/apps/\(app.appId)/redirect-uris",
                method: .put,
                headers: headers,
                body: ByteBuffer(string: #"{"redirectUris": ["https://app.example/cb", "http://localhost/"]}"#)
            )
            #expect(try replaced.decode(TenantAppModel.self).redirectUris == ["https://app.example/cb", "http://localhost/"])
            #expect(try replaced.decode(TenantAppModel.self).clientSecret == nil)
        }
    }

    @Test func theSignInPageIsProtectedAgainstForgedPostsAndRedirectsWithACode() async throws {
        let fixture = try await ServerFixture()
        let environment = fixture.environment
        let tenant = try await environment.directory.createTenant(displayName: "Contoso", domain: "contoso.com")
        _ = try await environment.directory.addUser(
            to: tenant.id,
            displayName: "Adele",
            userPrincipalName: "adele@contoso.com",
            password: "correct horse"
        )
        let (app, _) = try await environment.orgSignIn.registerApp(in: tenant.id, displayName: "Web", redirectUris: ["https://app.example/cb"])
        let query = [
            "client_id=\(app.appId.uuidString)", "response_type=code", "redirect_uri=https%3A%2F%2Fapp.example%2Fcb", "scope=openid%20offline_access",
            "state=xyz", "nonce=n1", "code_challenge=\(String(repeating: "c", count: 43))", "code_challenge_method=S256",
        ]
        .joined(separator: "&")
        try await fixture.application().test(.router) { client in
            let page = try await client.execute(uri: "/contoso.com/oauth2/v2.0/authorize?\(query)", method: .get)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("Sign in to Contoso"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("form-action 'self' https://app.example") == true)
            #expect(page.headers[.cacheControl] == "no-store")
            let cookie = try #require(page.headers[.setCookie])
            let token = String(cookie.prefix { $0 != ";" }.drop { $0 != "=" }.dropFirst())
            #expect(html.contains("name=\"csrf\" value=\"\(token)\""))

            func post(_ fields: String, cookie: String?) async throws -> TestResponse {
                var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                if let cookie { headers[.cookie] = "parley-signin=\(cookie)" }
                return try await client.execute(
                    uri: "/contoso.com/oauth2/v2.0/authorize",
                    method: .post,
                    headers: headers,
                    body: ByteBuffer(string: query + "&" + fields)
                )
            }
            // A forged post (no cookie, or a token that is not the cookie's) signs nobody in.
            for (fields, cookie) in [("csrf=\(token)", nil), ("csrf=\(String(repeating: "A", count: 43))", token)] as [(String, String?)] {
                let forged = try await post(fields + "&username=adele%40contoso.com&password=correct+horse", cookie: cookie)
                #expect(forged.status == .ok)
                #expect(forged.headers[.location] == nil)
                #expect(String(buffer: forged.body).contains("expired"))
            }
            let wrong = try await post("csrf=\(token)&username=adele%40contoso.com&password=wrong", cookie: token)
            #expect(wrong.headers[.location] == nil)
            #expect(String(buffer: wrong.body).contains("Your email or password is incorrect."))
            #expect(String(buffer: wrong.body).contains("value=\"adele@contoso.com\""))

            let good = try await post("csrf=\(token)&username=adele%40contoso.com&password=correct+horse", cookie: token)
            #expect(good.status == .found)
            let location = try #require(good.headers[.location])
            #expect(location.hasPrefix("https://app.example/cb?code="))
            #expect(location.hasSuffix("&state=xyz"))

            let unregistered = try await client.execute(
                uri: "/contoso.com/oauth2/v2.0/authorize?" + query.replacingOccurrences(of: "app.example%2Fcb", with: "evil.example%2F"),
                method: .get
            )
            #expect(unregistered.status == .badRequest)
            #expect(unregistered.headers[.location] == nil)
            #expect(String(buffer: unregistered.body).contains("is not one of its registered redirect URIs"))
            let noPKCE = try await client.execute(
                uri: "/contoso.com/oauth2/v2.0/authorize?" + query.replacingOccurrences(of: "S256", with: "plain"),
                method: .get
            )
            #expect(noPKCE.headers[.location]?.hasPrefix("https://app.example/cb?error=invalid_request&error_description=") == true)
        }
    }
}

/// The size of everything the web app ships.
enum WebAppAssetsTotal {
    static func bytes() throws -> Int {
        try WebAppController(security: BrowserSecurityHeaders(publicEndpoint: nil, scheme: "https")).assets.values.reduce(0) {
            $0 + $1.body.readableBytes
        }
    }
}
