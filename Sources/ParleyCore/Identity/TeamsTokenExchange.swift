import Foundation

/// `POST /teamsUser/:exchangeAccessToken`: a Teams user's organization token becomes an ACS
/// access token of the resource (Custom Teams Endpoint), for the ACS calling SDKs.
///
/// The exchanged token identifies the Teams user (`8:orgid:<oid>`) within the resource, carries
/// the `voip` scope, and expires with the organization token it came from.
public struct TeamsTokenExchange: Sendable {
    private let orgSignIn: OrgSignInService
    private let tokens: TokenAuthority
    private let clock: any WallClock

    public init(orgSignIn: OrgSignInService, tokens: TokenAuthority, clock: any WallClock) {
        self.orgSignIn = orgSignIn
        self.tokens = tokens
        self.clock = clock
    }

    /// Checks the token was issued to `appId` for `userId` (the spec's `appid` and `oid` checks).
    ///
    /// The token is a person's, for `https://auth.msft.communication.azure.com` with
    /// `Teams.ManageCalls` or `Teams.ManageChats`, as the service requires; Parley also takes its
    /// own Microsoft Graph tokens of people, which the service does not (docs/api.md).
    public func exchange(in resource: CommunicationResource, orgToken: String, appId: String, userId: String) async throws -> IssuedAccessToken {
        let principal: OrgPrincipal
        do {
            principal = try await orgSignIn.authenticate(accessToken: orgToken, for: [.teams, .graph])
        } catch let error as ParleyError where error.code == .unauthenticated {
            throw ParleyError(.unauthenticated, wireCode: "InvalidAccessToken", "Provided access token is not valid.")
        }
        guard let person = principal.user else {
            throw ParleyError(.unauthenticated, wireCode: "InvalidAccessToken", "Provided access token is not valid: it is not a user's token.")
        }
        guard principal.audience != .teams || !principal.permissions.isDisjoint(with: OrgTokenAudience.teamsPermissions) else {
            throw ParleyError(
                .unauthenticated,
                wireCode: "InvalidAccessToken",
                "Provided access token is not valid: it has neither Teams.ManageCalls nor Teams.ManageChats."
            )
        }
        guard principal.clientAppId.lowercased() == appId.lowercased() else {
            throw ParleyError(.validation, "AAD application is not the expected one.", target: "appId")
        }
        guard person.id.uuidString.lowercased() == userId.lowercased() else {
            throw ParleyError(.validation, "Provided AAD token issued for unexpected user.", target: "userId")
        }
        let now = clock.now()
        let identity = AcsUser(rawId: person.rawId, resourceId: resource.immutableId, createdAt: person.createdAt)
        return try await tokens.mint(for: identity, scopes: [.voip], now: now, lifetime: max(60, principal.expiresOn.timeIntervalSince(now)))
    }
}
