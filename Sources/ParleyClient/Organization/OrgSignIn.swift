import Foundation
import NIOHTTP1
import ParleyAPI

/// Signs people and apps of an organization in against Parley's Entra-shaped token endpoint
/// (`POST /{tenant}/oauth2/v2.0/token`), for bots and tests acting as Teams users; what MSAL
/// does against Entra ID.
///
/// ```swift
/// let signIn = try OrgSignIn(endpoint: url, tenant: "contoso.com", clientId: clientId, options: options)
/// let teams = try TeamsChatClient(endpoint: url, credential: signIn.credential(username: upn, password: password), options: options)
/// ```
public final class OrgSignIn: Sendable {
    /// `https://<parley>/<tenant>/`
    public let authority: URL
    public let clientId: String
    private let transport: HTTPTransport

    /// The scope asked for when none is given: Graph, with the permissions the app has.
    public static let defaultScopes = ["https://graph.microsoft.com/.default"]

    /// - Parameters:
    ///   - endpoint: the server, e.g. `https://127.0.0.1:8443/`.
    ///   - tenant: the organization's tenant id or domain.
    ///   - clientId: the app (client) id registered in the tenant.
    ///   - options: whom to trust, or which `HTTPClient` to use.
    public init(endpoint: URL, tenant: String, clientId: String, options: ChatClientOptions = .init()) throws {
        let base = endpoint.absoluteString.hasSuffix("/") ? endpoint.absoluteString : endpoint.absoluteString + "/"
        guard let authority = URL(string: base + URLEscaping.escape(tenant) + "/") else {
            throw ParleyClientError(status: 0, code: "InvalidAuthority", message: "'\(base)\(tenant)/' is not a URL.")
        }
        self.authority = authority
        self.clientId = clientId
        self.transport = try options.makeTransport()
    }

    /// Closes the connection pool this object created (not an `HTTPClient` passed in options).
    public func shutdown() async throws {
        try await transport.shutdown()
    }

    /// A person's sign-in with their password (the resource-owner password grant).
    public func signIn(username: String, password: String, scopes: [String] = OrgSignIn.defaultScopes) async throws -> OrgAccessToken {
        try await token([("grant_type", "password"), ("username", username), ("password", password), ("scope", scopes.joined(separator: " "))])
    }

    /// The app's own sign-in with its client secret (the client-credentials grant).
    public func signIn(clientSecret: String, scopes: [String] = OrgSignIn.defaultScopes) async throws -> OrgAccessToken {
        try await token([("grant_type", "client_credentials"), ("client_secret", clientSecret), ("scope", scopes.joined(separator: " "))])
    }

    /// A credential for a person that signs in again whenever its token is about to expire.
    public func credential(username: String, password: String, scopes: [String] = OrgSignIn.defaultScopes) throws -> CommunicationTokenCredential {
        try CommunicationTokenCredential(
            options: CommunicationTokenRefreshOptions(refreshProactively: true) { [self] in
                try await signIn(username: username, password: password, scopes: scopes).accessToken
            }
        )
    }

    private func token(_ fields: [(String, String?)]) async throws -> OrgAccessToken {
        var request = TransportRequest(method: .POST, url: authority.absoluteString + "oauth2/v2.0/token")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = Data(URLEscaping.query([("client_id", clientId)] + fields).utf8)
        let response = try await transport.send(request).decode(TokenResponse.self)
        let expiresOn = (try? JWTClaims(response.accessToken).expiresOn) ?? Date().addingTimeInterval(TimeInterval(response.expiresIn))
        return OrgAccessToken(accessToken: response.accessToken, expiresOn: expiresOn, scope: response.scope, idToken: response.idToken)
    }
}
