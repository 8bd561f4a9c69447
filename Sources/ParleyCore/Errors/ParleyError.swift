import Foundation

/// The one error type the domain throws. Every adapter renders it the same way (for HTTP: a status
/// and the ACS error envelope), so a rule decided here reads the same through every API.
public struct ParleyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; decides the HTTP status.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case badRequest, validation, unauthenticated, forbidden, notFound, conflict, preconditionFailed
            case payloadTooLarge, unsupportedMediaType, tooManyRequests, notImplemented, unavailable, `internal`
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The request is malformed (syntax, types, identifiers).
        public static var badRequest: Self { .init(.badRequest) }
        /// The request is well formed but a value is out of range or missing.
        public static var validation: Self { .init(.validation) }
        /// No valid credential: missing, wrong, expired or revoked.
        public static var unauthenticated: Self { .init(.unauthenticated) }
        /// A valid credential that may not do this.
        public static var forbidden: Self { .init(.forbidden) }
        /// The addressed thing does not exist (or is not visible to the caller).
        public static var notFound: Self { .init(.notFound) }
        /// The thing already exists.
        public static var conflict: Self { .init(.conflict) }
        /// A precondition of the target is not met (Enterprise Voice off: ACS 412 / 41056).
        public static var preconditionFailed: Self { .init(.preconditionFailed) }
        /// The body is larger than the documented cap.
        public static var payloadTooLarge: Self { .init(.payloadTooLarge) }
        /// The body's content type is not accepted.
        public static var unsupportedMediaType: Self { .init(.unsupportedMediaType) }
        /// A rate limit was hit; ``ParleyError/retryAfter`` says when to try again.
        public static var tooManyRequests: Self { .init(.tooManyRequests) }
        /// An operation of the contract that Parley does not do (docs/api.md says which and why).
        public static var notImplemented: Self { .init(.notImplemented) }
        /// A dependency is not available right now.
        public static var unavailable: Self { .init(.unavailable) }
        /// A bug or an environment failure; never a client's mistake.
        public static var `internal`: Self { .init(.internal) }

        public var description: String { base.rawValue }

        /// The HTTP status every adapter reports for this kind of failure (the real-time
        /// protocol's replies carry it too).
        public var status: Int {
            switch base {
            case .badRequest, .validation: 400
            case .unauthenticated: 401
            case .forbidden: 403
            case .notFound: 404
            case .conflict: 409
            case .preconditionFailed: 412
            case .payloadTooLarge: 413
            case .unsupportedMediaType: 415
            case .tooManyRequests: 429
            case .notImplemented: 501
            case .unavailable: 503
            case .internal: 500
            }
        }
    }

    public var code: Code
    /// The ACS error code string clients see (`ValidationError`, `NotFound`, …).
    public var wireCode: String
    public var message: String
    /// The request field the error is about, when there is one.
    public var target: String?
    /// For ``Code/tooManyRequests``: seconds until the caller may retry.
    public var retryAfterSeconds: Int?
    /// For calling refusals: the ACS-style sub-code (41056, or Parley's 47xxx; docs/errors.md).
    public var subCode: Int?

    public init(
        _ code: Code,
        wireCode: String? = nil,
        _ message: String,
        target: String? = nil,
        retryAfterSeconds: Int? = nil,
        subCode: Int? = nil
    ) {
        self.code = code
        self.wireCode = wireCode ?? Self.defaultWireCode(for: code)
        self.message = message
        self.target = target
        self.retryAfterSeconds = retryAfterSeconds
        self.subCode = subCode
    }

    public var description: String { "\(wireCode): \(message)" }

    private static func defaultWireCode(for code: Code) -> String {
        switch code {
        case .badRequest: "BadRequest"
        case .validation: "ValidationError"
        case .unauthenticated: "Denied"
        case .forbidden: "Forbidden"
        case .notFound: "NotFound"
        case .conflict: "Conflict"
        case .preconditionFailed: "PreconditionFailed"
        case .payloadTooLarge: "PayloadTooLarge"
        case .unsupportedMediaType: "UnsupportedMediaType"
        case .tooManyRequests: "TooManyRequests"
        case .notImplemented: "NotImplemented"
        case .unavailable: "ServiceUnavailable"
        default: "InternalError"
        }
    }
}
