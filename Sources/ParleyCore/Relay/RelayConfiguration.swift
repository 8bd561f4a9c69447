import Foundation

/// STUN and TURN servers with short-lived TURN credentials, for a client's ICE negotiation.
public struct RelayConfiguration: Sendable, Equatable {
    /// When the credentials stop working: whole seconds, the same instant as the timestamp in
    /// every ``IceServer/username``.
    public var expiresOn: Date
    /// One entry per route type asked for (both when none was).
    public var iceServers: [IceServer]

    public init(expiresOn: Date, iceServers: [IceServer]) {
        self.expiresOn = expiresOn
        self.iceServers = iceServers
    }

    /// One STUN/TURN server set and the credentials for it.
    public struct IceServer: Sendable, Equatable {
        public var routeType: RelayRouteType
        /// `stun:` URLs first, then `turn:`/`turns:` URLs.
        public var urls: [String]
        /// `<unix expiry>:<user>` (the TURN REST API scheme).
        public var username: String
        /// `base64(HMAC-SHA1(shared secret, username))`.
        public var credential: String

        public init(routeType: RelayRouteType, urls: [String], username: String, credential: String) {
            self.routeType = routeType
            self.urls = urls
            self.username = username
            self.credential = credential
        }
    }
}
