/// The Identity API's published limits, per resource per 30 seconds (service-limits.md).
enum IdentityOperation: String, Sendable {
    case createIdentity, deleteIdentity, issueAccessToken, revokeAccessToken, createUserAndToken

    var rule: RateLimiter.Rule {
        switch self {
        case .createIdentity, .issueAccessToken, .createUserAndToken: .init(limit: 1000, window: 30)
        case .deleteIdentity, .revokeAccessToken: .init(limit: 500, window: 30)
        }
    }
}
