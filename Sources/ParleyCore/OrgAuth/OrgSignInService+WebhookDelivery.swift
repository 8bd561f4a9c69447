import Foundation

extension OrgSignInService {
    /// The app id Event Grid's tokens carry as `appid`/`azp`: the Microsoft.EventGrid service
    /// principal's (docs/events.md, "Entra-authenticated delivery").
    public static let eventGridAppId = "4962773b-9cdb-44cf-a8bf-237846a00ab7"
    /// The app role a webhook's app registration grants Event Grid.
    public static let webhookSubscriberRole = "AzureEventGridSecureWebhookSubscriber"

    /// An app-only access token of `tenantId`'s authority for `audience` (the webhook's app
    /// registration), as Event Grid attaches to deliveries to Entra-protected webhooks. It is
    /// signed with the org key published at `/{tenant}/discovery/v2.0/keys`, so a receiver
    /// checks it like any Entra token: signature, `iss`, `aud`, `exp`.
    public func webhookDeliveryToken(
        tenantId: UUID,
        audience: String,
        issuer: String,
        tokenId: UUID,
        at now: Date
    ) async throws -> (token: String, expiresAt: Date) {
        let iat = Int(now.timeIntervalSince1970)
        let exp = iat + Int(Self.tokenLifetime)
        let claims = OrgAccessTokenClaims(
            aud: audience,
            iss: issuer,
            iat: iat,
            nbf: iat,
            exp: exp,
            tid: tenantId.uuidString.lowercased(),
            oid: Self.eventGridAppId,
            sub: Self.eventGridAppId,
            appid: Self.eventGridAppId,
            azp: Self.eventGridAppId,
            idtyp: "app",
            ver: "2.0",
            uti: tokenId.uuidString.lowercased(),
            scp: nil,
            roles: [Self.webhookSubscriberRole],
            upn: nil,
            preferred_username: nil,
            name: nil
        )
        return (try await authority.sign(claims), Date(timeIntervalSince1970: TimeInterval(exp)))
    }
}

/// Issues delivery tokens with the org authority of the subscription's tenant.
public struct WebhookTokenIssuer: DeliveryTokenIssuer {
    private let signIn: OrgSignInService
    private let ids: any IdentifierGenerator
    /// `https://<parley>/`, as clients reach it (the issuer is `<base><tenant id>/v2.0`).
    private let baseURL: @Sendable () -> String

    public init(signIn: OrgSignInService, ids: any IdentifierGenerator = RandomIdentifierGenerator(), baseURL: @escaping @Sendable () -> String) {
        self.signIn = signIn
        self.ids = ids
        self.baseURL = baseURL
    }

    public func deliveryToken(for authentication: EntraDeliveryAuthentication, at now: Date) async throws -> (token: String, expiresAt: Date) {
        let tenant = authentication.tenantId.uuidString.lowercased()
        var base = baseURL()
        if !base.hasSuffix("/") { base += "/" }
        return try await signIn.webhookDeliveryToken(
            tenantId: authentication.tenantId,
            audience: authentication.applicationIdOrUri,
            issuer: base + tenant + "/v2.0",
            tokenId: ids.uuid(),
            at: now
        )
    }
}
