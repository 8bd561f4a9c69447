import JWTKit

/// The payload of a user access token.
///
/// The first six claims are those of real ACS tokens; `gen` is Parley's: the user's token
/// generation at minting time, which makes revocation exact. Every value is ASCII without `>`,
/// `?` or `~`: with ASCII JSON those are the only characters that put `-` or `_` into the
/// base64url text, which the Python SDK's non-strict standard-base64 decoder would drop
/// (reference §1.3).
struct UserAccessTokenClaims: JWTPayload, Equatable {
    /// `acs:<resource>_<id>`: the raw id without its `8:` prefix.
    var skypeid: String
    var scp: Int
    /// Creation time, seconds, as a string (as real tokens carry it).
    var csi: String
    var iat: Int
    var exp: Int
    /// Comma-separated scopes.
    var acsScope: String
    /// The resource's immutable id.
    var resourceId: String
    var gen: Int

    func verify(using algorithm: some JWTAlgorithm) async throws {
        // Expiry, resource, user and revocation are checked by ``TokenAuthority`` and
        // ``IdentityService`` against the injected clock and the store.
    }
}
