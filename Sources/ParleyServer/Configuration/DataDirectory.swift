import Foundation

/// The files Parley keeps in its data directory.
struct DataDirectory: Sendable {
    let root: URL

    /// Creates the directory (owner-only) if it does not exist.
    init(path: String) throws {
        let url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        self.root = url
    }

    var databasePath: String { root.appendingPathComponent("parley.sqlite").path }
    var certificateAuthorityPath: String { root.appendingPathComponent("ca.pem").path }
    var certificateAuthorityKeyPath: String { root.appendingPathComponent("ca-key.pem").path }
    var serverCertificatePath: String { root.appendingPathComponent("server.pem").path }
    var serverKeyPath: String { root.appendingPathComponent("server-key.pem").path }
    /// The ready document of the last start; the CLI reads it to find the server and admin key.
    var readyDocumentPath: String { root.appendingPathComponent("ready.json").path }
    /// Dead-lettered events of event subscriptions.
    var deadLetters: URL { root.appendingPathComponent("dead-letters", isDirectory: true) }

    /// This node's id (created on first start): it owns the leases of the event subscriptions
    /// it delivers, and takes them back at once after a restart.
    func nodeId() throws -> String {
        let path = root.appendingPathComponent("node-id").path
        if let existing = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }),
            let id = UUID(uuidString: existing.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            return id.uuidString.lowercased()
        }
        let id = UUID().uuidString.lowercased()
        try Self.write(Data((id + "\n").utf8), to: path, secret: false)
        return id
    }

    /// Writes `contents` atomically; secrets are readable by the owner only.
    static func write(_ contents: Data, to path: String, secret: Bool) throws {
        let url = URL(fileURLWithPath: path)
        try contents.write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: secret ? 0o600 : 0o644], ofItemAtPath: path)
    }
}
