extension ServerReadyInfo {
    /// What a TURN server (coturn) needs to accept the credentials Parley issues, and the
    /// servers Parley hands out (docs/relay.md).
    public struct Relay: Codable, Sendable, Equatable {
        public var stunURLs: [String]
        public var turnURLs: [String]
        /// coturn's `realm`.
        public var realm: String
        /// coturn's `static-auth-secret` (with `use-auth-secret`).
        public var sharedSecret: String
        /// The file the secret was generated into, when it was not configured.
        public var sharedSecretFile: String?

        public init(stunURLs: [String], turnURLs: [String], realm: String, sharedSecret: String, sharedSecretFile: String?) {
            self.stunURLs = stunURLs
            self.turnURLs = turnURLs
            self.realm = realm
            self.sharedSecret = sharedSecret
            self.sharedSecretFile = sharedSecretFile
        }
    }
}
