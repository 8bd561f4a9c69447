import Foundation

/// An API the token endpoint issues access tokens for: the `aud` of the token, and how the
/// `scope` parameter of a token request names it.
///
/// Scopes name their API as Entra's v2.0 endpoint reads them: `<API>/<permission>`, where the
/// API is everything before the last `/` without trailing slashes (so the Communication SDKs'
/// `https://communication.azure.com//.default` names `https://communication.azure.com`), and a
/// bare permission (`User.Read`) is Microsoft Graph's. `openid`, `profile`, `email` and
/// `offline_access` name no API.
public struct OrgTokenAudience: Sendable, Hashable {
    /// The `aud` claim.
    public let identifier: String
    /// Other names a scope may give the API (its application id).
    let aliases: [String]

    /// Microsoft Graph, whose shape Parley's organization API takes; the default.
    public static let graph = OrgTokenAudience(identifier: "https://graph.microsoft.com", aliases: ["00000003-0000-0000-c000-000000000000"])
    /// Azure Communication Services: the resource APIs (Identity, Network Traversal, Call
    /// Automation) with a role assignment. For apps (client credentials).
    public static let communication = OrgTokenAudience(identifier: "https://communication.azure.com", aliases: [])
    /// Azure Communication Services for Teams users: a person's token for it is what
    /// `get_token_for_teams_user` exchanges (Custom Teams Endpoint). For people (delegated).
    public static let teams = OrgTokenAudience(identifier: "https://auth.msft.communication.azure.com", aliases: [])
    /// Every API Parley issues tokens for.
    public static let known: [OrgTokenAudience] = [.graph, .communication, .teams]

    /// The delegated permissions of ``teams``; `.default` asks for both.
    public static let teamsPermissions = ["Teams.ManageCalls", "Teams.ManageChats"]

    /// Scopes that are about the sign-in itself, not an API.
    static let openIDScopes: Set<String> = ["openid", "profile", "email", "offline_access"]

    /// Whether `name` (an `aud` claim, or the API part of a scope) names this API: case does not
    /// matter, nor do trailing slashes.
    public func matches(_ name: String) -> Bool {
        let name = Self.trimmed(name).lowercased()
        return name == identifier || aliases.contains(name)
    }

    static func trimmed(_ name: String) -> String {
        var name = Substring(name)
        while name.hasSuffix("/") { name = name.dropLast() }
        return String(name)
    }
}

/// What a token request's `scope` asks for: one API, its permissions, and the scope string to
/// report back.
struct OrgTokenRequestScope: Sendable, Equatable {
    /// Whose token is asked for: a person's (password, authorization code and refresh token
    /// grants) or an app's (client credentials).
    enum Grant { case delegated, clientCredentials }

    var audience: OrgTokenAudience
    /// The scope as asked for (the response's `scope`; MSAL caches the token under it).
    var requested: String
    /// The permissions named for the API (`User.Read`, `.default`), in order.
    var permissions: [String] = []

    /// Reads `scope` for `grant` in `tenant`, or the OAuth error Entra gives for it: a request
    /// must name exactly one API Parley knows, and an app (client credentials) asks for
    /// `<API>/.default`.
    static func parse(_ scope: String?, grant: Grant, tenant: Tenant) throws(OAuthError) -> OrgTokenRequestScope {
        let scopes = (scope ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        guard !scopes.isEmpty else {
            throw OAuthError.invalidRequest("AADSTS900144: The request body must contain the following parameter: 'scope'.")
        }
        var audience: OrgTokenAudience?
        var permissions: [String] = []
        for scope in scopes where !OrgTokenAudience.openIDScopes.contains(scope.lowercased()) {
            let (api, permission) = split(scope)
            var named = OrgTokenAudience.graph
            if let api {
                guard let known = OrgTokenAudience.known.first(where: { $0.matches(api) }) else {
                    throw OAuthError.invalidResource(
                        "AADSTS500011: The resource principal named \(api) was not found in the tenant named \(tenant.domain). "
                            + "Parley issues tokens for \(OrgTokenAudience.known.map(\.identifier).joined(separator: " and "))."
                    )
                }
                named = known
            }
            if let audience, audience != named {
                throw OAuthError.invalidScope(
                    "AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource. "
                        + "Scope \(scopes.joined(separator: " ")) is not valid."
                )
            }
            if grant == .clientCredentials, permission != ".default" {
                throw OAuthError.invalidScope(
                    "AADSTS1002012: The provided value for scope \(scope) is not valid. Client credential flows must have a scope value "
                        + "with /.default suffixed to the resource identifier (application ID URI)."
                )
            }
            audience = named
            permissions.append(permission)
        }
        guard let audience else {
            if grant == .clientCredentials {
                throw OAuthError.invalidScope(
                    "AADSTS1002012: The provided value for scope \(scopes.joined(separator: " ")) is not valid. Client credential flows "
                        + "must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                )
            }
            return OrgTokenRequestScope(audience: .graph, requested: scopes.joined(separator: " "))
        }
        let forPeople: [OrgTokenAudience] = [.graph, .teams]
        let forApps: [OrgTokenAudience] = [.graph, .communication]
        guard (grant == .delegated ? forPeople : forApps).contains(audience) else {
            throw OAuthError.invalidScope(
                "AADSTS70011: The provided value for the input parameter 'scope' is not valid. Parley issues tokens for "
                    + "\(audience.identifier) to \(grant == .delegated ? "applications (client credentials)" : "people (delegated)") only."
            )
        }
        if audience == .teams, let unknown = permissions.first(where: { $0 != ".default" && !OrgTokenAudience.teamsPermissions.contains($0) }) {
            throw OAuthError.invalidScope(
                "AADSTS65005: The application asked for permission '\(unknown)' of \(audience.identifier), which has "
                    + OrgTokenAudience.teamsPermissions.joined(separator: " and ") + "."
            )
        }
        return OrgTokenRequestScope(audience: audience, requested: scopes.joined(separator: " "), permissions: permissions)
    }

    /// The `scp` of a person's token: Graph's fixed delegated scopes, or the Teams permissions
    /// asked for (both for `.default`).
    var delegatedScopes: [String] {
        guard audience == .teams else { return OrgSignInService.userScopes }
        if permissions.contains(".default") { return OrgTokenAudience.teamsPermissions }
        return OrgTokenAudience.teamsPermissions.filter(permissions.contains)
    }

    /// `https://x.y//.default` → (`https://x.y/`, `.default`); `User.Read` → (nil, `User.Read`).
    private static func split(_ scope: String) -> (api: String?, permission: String) {
        guard let slash = scope.lastIndex(of: "/") else { return (nil, scope) }
        return (String(scope[..<slash]), String(scope[scope.index(after: slash)...]))
    }
}
