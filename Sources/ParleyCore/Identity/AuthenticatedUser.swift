import Foundation

/// The app user a request acts as, established from a valid user access token.
public struct AuthenticatedUser: Sendable, Equatable {
    public var user: AcsUser
    public var scopes: Set<TokenScope>
    public var expiresOn: Date

    public func has(_ scope: TokenScope) -> Bool { scopes.contains(scope) }
}
