import Foundation
import HTTPTypes
import Hummingbird
import ParleyAPI
import ParleyCore

/// The application backend Parley ships for its web app (`/webapp/v1`, docs/webapp.md): its
/// start-up facts, the organization lookup for sign-in, visitors who join a resource by name
/// (a session cookie that fetches ACS access tokens) and the people an app user may reach.
/// Everything else the web app does goes through Parley's public APIs.
struct WebAppBackendController {
    static let visitorCookieMaxAge = 30 * 86_400

    let webApp: WebAppService
    let identities: IdentityService
    let security: BrowserSecurityHeaders
    let interopProfile: InteropProfile
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<ParleyRequestContext>) {
        group.get("config", use: config)
        group.get("organizations/{domain}", use: organization)
        group.post("resources/{name}/visitors", use: join)
        group.post("visitor/token", use: token)
        group.delete("visitor/session", use: leave)
        group.get("resources/{name}/people", use: people)
    }

    @Sendable func config(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let resources = try await webApp.enabledResources().map(Self.model)
        return try WireIO.json(
            WebAppConfigModel(resources: resources, interopProfile: interopProfile.rawValue, redirectUri: redirectUri(request))
        )
    }

    @Sendable func organization(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let (tenant, app) = try await webApp.signInClient(domain: try WireIO.pathParameter("domain", in: context), redirectUri: redirectUri(request))
        let id = tenant.id.uuidString.lowercased()
        return try WireIO.json(
            WebAppSignInModel(
                tenantId: id,
                displayName: tenant.displayName,
                domain: tenant.domain,
                authority: security.origin(of: request) + "/" + id,
                clientId: app.appId.uuidString.lowercased()
            )
        )
    }

    @Sendable func join(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try checkSameOrigin(request)
        var request = request
        let body = try await WireIO.required(
            WireIO.decodeStrict(WebVisitorJoinRequest.self, allowedFields: ["displayName"], from: &request, limit: maxBodyBytes)
        )
        let (visitor, key, token) = try await webApp.join(resource: try WireIO.pathParameter("name", in: context), displayName: body.displayName)
        let resource = try await resourceModel(visitor)
        var response = try WireIO.json(Self.model(visitor, resource, token), status: .created)
        response.setCookie(visitorCookie(key, maxAge: Self.visitorCookieMaxAge))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    @Sendable func token(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try checkSameOrigin(request)
        guard let key = request.cookies[cookieName]?.value else {
            throw ParleyError(.unauthenticated, wireCode: "NoVisitorSession", "You have not joined, or your visit has ended: join again.")
        }
        let (visitor, resource, token) = try await webApp.refresh(sessionKey: key)
        var response = try WireIO.json(Self.model(visitor, Self.model(resource), token))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    @Sendable func leave(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try checkSameOrigin(request)
        if let key = request.cookies[cookieName]?.value { try await webApp.leave(sessionKey: key) }
        var response = WireIO.empty(.noContent)
        response.setCookie(visitorCookie("", maxAge: 0))
        return response
    }

    /// Bearer-authenticated with an app user's access token of the resource.
    @Sendable func people(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        guard let token = BearerToken.from(request) else {
            throw ParleyError(.unauthenticated, wireCode: "InvalidAccessToken", "The request has no bearer access token.")
        }
        let caller = try await identities.authenticate(accessToken: token)
        let search = request.uri.queryParameters.get("search") ?? ""
        let people = try await webApp.people(matching: search, for: caller, resource: try WireIO.pathParameter("name", in: context))
        return try WireIO.json(
            PageModel(
                value: people.map {
                    ReachablePersonModel(
                        id: $0.user.id.uuidString.lowercased(),
                        rawId: $0.user.rawId,
                        displayName: $0.user.displayName,
                        userPrincipalName: $0.user.userPrincipalName,
                        organization: $0.organization
                    )
                }
            )
        )
    }

    // MARK: Helpers

    /// The web app's own address, the redirect URI organizations register for it.
    private func redirectUri(_ request: Request) -> String {
        security.origin(of: request) + "/"
    }

    /// Requests that act on the visitor cookie must come from the web app's own pages: a browser
    /// names the page's origin in `Origin` (and `Sec-Fetch-Site`); other clients send neither.
    private func checkSameOrigin(_ request: Request) throws {
        let refused = ParleyError(.forbidden, wireCode: "CrossOriginRequest", "Only Parley's own web app may use its visitor session.")
        if let origin = request.headers[.origin], origin != security.origin(of: request) { throw refused }
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" { throw refused }
    }

    private var cookieName: String { security.cookieName("parley-visitor") }

    private func visitorCookie(_ value: String, maxAge: Int) -> Cookie {
        security.cookie("parley-visitor", value: value, maxAge: maxAge)
    }

    private func resourceModel(_ visitor: WebVisitor) async throws -> WebAppResourceModel {
        guard let resource = try await webApp.enabledResources().first(where: { $0.immutableId == visitor.resourceId }) else {
            throw ParleyError(.notFound, wireCode: "WebAppNotEnabled", "This web app is no longer available.")
        }
        return Self.model(resource)
    }

    static func model(_ resource: CommunicationResource) -> WebAppResourceModel {
        WebAppResourceModel(name: resource.name, immutableResourceId: resource.immutableIdString)
    }

    static func model(_ visitor: WebVisitor, _ resource: WebAppResourceModel, _ token: IssuedAccessToken) -> WebVisitorTokenModel {
        WebVisitorTokenModel(
            communicationUserId: visitor.rawId,
            displayName: visitor.displayName,
            resource: resource,
            token: token.token,
            expiresOn: WireTimestamp.identityExpiry(token.expiresOn)
        )
    }
}
