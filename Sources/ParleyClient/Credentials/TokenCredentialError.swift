/// Why a credential could not produce a token, before any request was sent.
public struct TokenCredentialError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong; more codes may come, so switch with a `default`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String {
            case malformedToken
            case tokenExpired
            case refreshedTokenExpired
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The token is not a JWT with a numeric `exp` claim.
        public static let malformedToken = Code(.malformedToken)
        /// A static token expired; the credential has no way to get a new one.
        public static let tokenExpired = Code(.tokenExpired)
        /// The refresher returned a token that had already expired.
        public static let refreshedTokenExpired = Code(.refreshedTokenExpired)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
