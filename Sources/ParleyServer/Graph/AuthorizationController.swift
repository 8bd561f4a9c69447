import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ParleyCore

/// The browser half of the organization sign-in: `/authorize` (the OAuth 2.0 authorization code
/// flow with PKCE, with a server-rendered sign-in page) and `/logout` (OpenID Connect RP-initiated
/// logout). The token half is ``OAuthController``.
///
/// The sign-in form is protected against cross-site request forgery with a double-submit token:
/// a random value in a `SameSite=Strict`, `HttpOnly` cookie that the form repeats in a hidden
/// field. Passwords travel only in the POST body; nothing secret goes into a URL but the code
/// itself, which is single-use, short-lived and useless without the client's PKCE verifier.
struct AuthorizationController {
    let signIn: OrgSignInService
    let security: BrowserSecurityHeaders
    let maxBodyBytes: Int

    func addRoutes(to router: some RouterMethods<ParleyRequestContext>) {
        router.get("{tenant}/oauth2/v2.0/authorize", use: show)
        router.post("{tenant}/oauth2/v2.0/authorize", use: submit)
        router.get("{tenant}/oauth2/v2.0/logout", use: logout)
    }

    /// `GET …/authorize`: checks the request and shows the sign-in page (or sends the error back).
    @Sendable func show(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let parameters = Self.query(request)
        guard let tenant = try? await signIn.tenant(named: try WireIO.pathParameter("tenant", in: context)) else { return noTenant(request) }
        do {
            return form(try await signIn.authorizationRequest(tenant: tenant, parameters: parameters), parameters, request, username: nil, error: nil)
        } catch {
            return refusal(error, request)
        }
    }

    /// `POST …/authorize`: the sign-in form. A wrong password shows the form again with the
    /// reason; a good one redirects to the client with a code.
    @Sendable func submit(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let fields = FormBody.parse(try await WireIO.body(of: &request, limit: maxBodyBytes))
        guard let tenant = try? await signIn.tenant(named: try WireIO.pathParameter("tenant", in: context)) else { return noTenant(request) }
        let authorization: AuthorizationRequest
        do {
            authorization = try await signIn.authorizationRequest(tenant: tenant, parameters: fields)
        } catch {
            return refusal(error, request)
        }
        let username = fields["username"] ?? ""
        func again(_ message: String) -> Response {
            form(authorization, fields, request, username: username, error: message)
        }
        guard let cookie = existingCSRF(request), let sent = fields["csrf"], SecretGenerator.constantTimeEquals(cookie, sent) else {
            return again("This sign-in page had expired, or your browser blocked its cookie. Sign in again.")
        }
        guard !username.isEmpty, let password = fields["password"], !password.isEmpty else {
            return again("Enter your email and your password.")
        }
        do {
            let code = try await signIn.issueAuthorizationCode(for: authorization, username: username, password: password)
            return redirect(authorization.response, with: [("code", code)], request)
        } catch let error as OAuthError where error.error == "invalid_grant" {
            return again("Your email or password is incorrect.")
        }
    }

    /// `GET …/logout`: ends the session of `id_token_hint` and returns to
    /// `post_logout_redirect_uri` when it is a redirect URI of that token's app.
    @Sendable func logout(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let parameters = Self.query(request)
        guard let tenant = try? await signIn.tenant(named: try WireIO.pathParameter("tenant", in: context)) else { return noTenant(request) }
        let app = try await signIn.endSession(tenant: tenant, idTokenHint: parameters["id_token_hint"])
        if let target = parameters["post_logout_redirect_uri"], let app, RedirectURI.matches(target, anyOf: app.redirectUris) {
            var location = target
            if let state = parameters["state"] { location += (target.contains("?") ? "&" : "?") + Self.encode([("state", state)]) }
            return Self.found(location)
        }
        return page(SignInPage.signedOut(tenant), status: .ok, request)
    }

    // MARK: Responses

    private func refusal(_ error: any Error, _ request: Request) -> Response {
        switch error {
        case AuthorizationRequestError.cannotRedirect(let message):
            return page(SignInPage.problem(message), status: .badRequest, request)
        case AuthorizationRequestError.redirect(let oauth, let response):
            return redirect(response, with: [("error", oauth.error), ("error_description", oauth.description)], request)
        default:
            return page(SignInPage.problem("The sign-in could not start. Try again."), status: .badRequest, request)
        }
    }

    /// The authorization response, as the request's `response_mode` asks.
    private func redirect(_ target: AuthorizationResponse, with fields: [(String, String)], _ request: Request) -> Response {
        let fields = fields + (target.state.map { [("state", $0)] } ?? [])
        switch target.mode {
        case .query:
            return Self.found(target.redirectUri + (target.redirectUri.contains("?") ? "&" : "?") + Self.encode(fields))
        case .fragment:
            return Self.found(target.redirectUri + "#" + Self.encode(fields))
        case .formPost:
            return page(SignInPage.formPost(to: target.redirectUri, fields: fields), status: .ok, request, formAction: target.redirectUri)
        }
    }

    private static func found(_ location: String) -> Response {
        Response(status: .found, headers: [.location: location, .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer()))
    }

    private func page(_ html: String, status: HTTPResponse.Status, _ request: Request, formAction redirectUri: String? = nil) -> Response {
        var formAction: [String] = []
        if let redirectUri, let origin = RedirectURI.origin(of: redirectUri) { formAction.append(origin) }
        var headers = security.headers(for: request, formAction: formAction)
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    // MARK: CSRF cookie

    private func existingCSRF(_ request: Request) -> String? {
        guard let value = request.cookies[security.cookieName("parley-signin")]?.value, OAuthSecrets.isWellFormed(value) else { return nil }
        return value
    }

    /// The sign-in form for `authorization`, with the browser's CSRF token (a new one if it has
    /// none) in the form and in the cookie.
    private func form(
        _ authorization: AuthorizationRequest,
        _ parameters: [String: String],
        _ request: Request,
        username: String?,
        error: String?
    ) -> Response {
        let csrf = existingCSRF(request) ?? OAuthSecrets.random()
        var response = page(
            SignInPage.form(authorization, parameters: parameters, csrf: csrf, action: request.uri.path, username: username, error: error),
            status: .ok,
            request,
            formAction: authorization.response.redirectUri
        )
        response.setCookie(security.cookie("parley-signin", value: csrf, maxAge: 3600))
        return response
    }

    /// The page for a tenant path segment that names no organization.
    private func noTenant(_ request: Request) -> Response {
        page(SignInPage.problem("There is no organization at this address: check the link you followed."), status: .notFound, request)
    }

    // MARK: Wire

    /// The query's parameters (the first of each name).
    private static func query(_ request: Request) -> [String: String] {
        guard let query = request.uri.query else { return [:] }
        return FormBody.parse(Data(query.utf8))
    }

    /// `name=value&…`, each part percent-encoded.
    static func encode(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return fields.map { name, value in
            (name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name) + "="
                + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }
        .joined(separator: "&")
    }
}

/// The random values of the sign-in pages.
enum OAuthSecrets {
    /// 32 random bytes, base64url: a CSRF token.
    static func random() -> String {
        SecretGenerator.base64Secret(byteCount: 32).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func isWellFormed(_ value: String) -> Bool {
        value.utf8.count == 43
            && value.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
                case UInt8(ascii: "-"), UInt8(ascii: "_"): true
                default: false
                }
            }
    }
}
