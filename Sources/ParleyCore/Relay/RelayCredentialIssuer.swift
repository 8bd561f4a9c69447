import Crypto
import Foundation

/// Issues STUN/TURN server lists with short-lived TURN credentials in the TURN REST API scheme
/// that coturn's `use-auth-secret` + `static-auth-secret` accept:
///
/// - username: `<unix time of expiry>:<user>`, where the user is the raw id asked for, or a
///   random UUID;
/// - credential: `base64(HMAC-SHA1(key: shared secret, message: username))`.
///
/// The TURN server recomputes the credential from the username with the same secret, and
/// refuses a username whose timestamp has passed. Nothing is stored: issuing is pure, so the
/// calling service can hand ICE servers to every call endpoint.
public struct RelayCredentialIssuer: Sendable {
    /// The longest lifetime credentials get (ACS: 48 hours).
    public static let maximumTTL: Duration = .seconds(172_800)
    /// The longest user id that goes into a username (STUN usernames are under 513 bytes).
    public static let maximumUserBytes = 256

    /// `stun:` URLs handed out, in order.
    public let stunURLs: [String]
    /// `turn:`/`turns:` URLs handed out, in order.
    public let turnURLs: [String]
    /// The lifetime of credentials when the caller names none, or names more than the maximum.
    public let defaultTTL: Duration
    /// The secret shared with the TURN server (coturn's `static-auth-secret`).
    public let sharedSecret: String
    private let key: SymmetricKey
    private let clock: any WallClock
    private let ids: any IdentifierGenerator

    /// - Parameters:
    ///   - sharedSecret: the TURN server's `static-auth-secret`; its UTF-8 bytes are the HMAC key.
    ///   - stunURLs: `stun:` URLs, e.g. `stun:127.0.0.1:3478`.
    ///   - turnURLs: `turn:`/`turns:` URLs, e.g. `turn:127.0.0.1:3478?transport=udp`.
    ///   - defaultTTL: lifetime when none is asked for; clamped to 1 s … ``maximumTTL``.
    ///   - clock: where "now" comes from.
    ///   - ids: where the user part of anonymous usernames comes from.
    public init(
        sharedSecret: String,
        stunURLs: [String],
        turnURLs: [String],
        defaultTTL: Duration = RelayCredentialIssuer.maximumTTL,
        clock: any WallClock,
        ids: any IdentifierGenerator = RandomIdentifierGenerator()
    ) {
        self.sharedSecret = sharedSecret
        self.key = SymmetricKey(data: Data(sharedSecret.utf8))
        self.stunURLs = stunURLs
        self.turnURLs = turnURLs
        self.defaultTTL = min(max(defaultTTL, .seconds(1)), Self.maximumTTL)
        self.clock = clock
        self.ids = ids
    }

    /// A relay configuration valid from now for `ttl`.
    ///
    /// - Parameters:
    ///   - rawId: whose credentials these are (any raw id, e.g. `8:acs:…`, `8:orgid:…`); it
    ///     becomes the user part of the username, so the TURN server's logs name the user. Nil:
    ///     a random UUID.
    ///   - routeType: the one route type wanted; nil gives one ICE server per route type.
    ///   - ttl: how long the credentials work at least: 0 … ``maximumTTL``. Nil, or more than the
    ///     maximum, gives ``defaultTTL`` (as ACS does). The expiry is now + ttl rounded up to a
    ///     whole second, the same in `expiresOn` and in the username.
    /// - Throws: ``ParleyError`` 400 for a negative `ttl` or an unusable `rawId`; nothing is issued.
    public func issue(forUser rawId: String? = nil, routeType: RelayRouteType? = nil, ttl: Duration? = nil) throws(ParleyError) -> RelayConfiguration
    {
        let lifetime = try Self.lifetime(of: ttl, default: defaultTTL).components
        let user = try rawId.map(Self.validated) ?? ids.uuid().uuidString.lowercased()
        // Whole seconds (the username's timestamp), rounded up: never before now + ttl, which a
        // client may have computed before it asked.
        let end = clock.now().timeIntervalSince1970 + Double(lifetime.seconds) + Double(lifetime.attoseconds) / 1e18
        let expiry = Int64(end.rounded(.up))
        let username = "\(expiry):\(user)"
        let credential = Data(HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: key)).base64EncodedString()
        let routeTypes = routeType.map { [$0] } ?? RelayRouteType.allCases
        return RelayConfiguration(
            expiresOn: Date(timeIntervalSince1970: TimeInterval(expiry)),
            iceServers: routeTypes.map { .init(routeType: $0, urls: stunURLs + turnURLs, username: username, credential: credential) }
        )
    }

    /// The lifetime `ttl` asks for: a 400 below zero, `fallback` when absent or above the maximum.
    private static func lifetime(of ttl: Duration?, default fallback: Duration) throws(ParleyError) -> Duration {
        let maximum = maximumTTL.components.seconds
        guard let ttl else { return fallback }
        guard ttl >= .zero else {
            throw ParleyError(
                .validation,
                "ttl \(ttl.components.seconds) is invalid. Value must be within the [0, \(maximum)] interval.",
                target: "ttl"
            )
        }
        return ttl > maximumTTL ? fallback : ttl
    }

    /// `rawId` if it can be the user part of a username: not empty, at most
    /// ``maximumUserBytes`` bytes, no white space or control characters.
    private static func validated(_ rawId: String) throws(ParleyError) -> String {
        let unusable = rawId.unicodeScalars.contains { $0.properties.isWhitespace || $0.properties.generalCategory == .control }
        guard !rawId.isEmpty, rawId.utf8.count <= maximumUserBytes, !unusable else {
            throw ParleyError(.badRequest, wireCode: "InvalidIdentifier", "Identifier format is invalid (\(rawId)).", target: "id")
        }
        return rawId
    }
}
