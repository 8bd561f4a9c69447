import Foundation
import JWTKit

/// Signs and verifies organization tokens (ES256) with the server's org signing key, and
/// publishes the key as a JSON Web Key so that standard libraries verify them too.
public struct OrgTokenAuthority: Sendable {
    private let keys: JWTKeyCollection
    /// The key id in token headers and in the JWKS.
    public let keyId: String
    /// The public key's coordinates, base64url (for the JWKS).
    public let publicKeyX: String
    public let publicKeyY: String

    public init(signingKeyPEM: String) async throws {
        let key = try ES256PrivateKey(pem: signingKeyPEM)
        guard let parameters = key.publicKey.parameters else {
            throw ParleyError(.internal, "The org signing key has no public parameters.")
        }
        self.publicKeyX = parameters.x
        self.publicKeyY = parameters.y
        self.keyId = "org-" + String(parameters.x.prefix(16))
        self.keys = await JWTKeyCollection().add(ecdsa: key, kid: JWKIdentifier(string: keyId))
    }

    func sign(_ claims: some JWTPayload) async throws -> String {
        try await keys.sign(claims, kid: JWKIdentifier(string: keyId))
    }

    /// The claims of an id token this authority signed, expired or not (for `id_token_hint`).
    func verifiedIdClaims(of token: String) async -> OrgIdTokenClaims? {
        try? await keys.verify(token, as: OrgIdTokenClaims.self)
    }

    func verifiedAccessClaims(of token: String) async throws(ParleyError) -> OrgAccessTokenClaims {
        do {
            return try await keys.verify(token, as: OrgAccessTokenClaims.self)
        } catch {
            throw ParleyError(
                .unauthenticated,
                wireCode: "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience or signature."
            )
        }
    }
}
