import Foundation
import Logging
import ParleyAPI
import ParleyCore

/// Saves the whole state of the server (the store and the key material of the data directory)
/// under a name, and restores it while the server runs (development mode).
///
/// A restore replaces the store's content underneath the running server: running calls end for
/// every party (0/7000), real-time connections close with 4009 and clients that resume from an
/// earlier position are told to reload. Only one save or restore runs at a time.
actor SnapshotService {
    /// Files of the data directory a snapshot keeps beside the database: the CA and its key, the
    /// server certificate of the start that saved it, the TURN secret. The CA and the TURN secret
    /// must match the running server's for a restore.
    static let keyFiles = ["ca.pem", "ca-key.pem", "server.pem", "server-key.pem", "relay-secret"]
    static let mustMatch: Set<String> = ["ca.pem", "ca-key.pem", "relay-secret"]
    /// Directories of the data directory a snapshot keeps and a restore puts back: the event
    /// subscriptions' dead letters (docs/events.md).
    static let directories = ["dead-letters"]
    static let databaseFile = "parley.sqlite"
    static let manifestFile = "snapshot.json"

    private let store: any ParleyStore
    private let dataDirectory: URL
    private let directory: URL
    private let calls: CallService
    private let realtime: RealtimeGateway
    private let eventDelivery: EventDeliveryService?
    private let clock: any WallClock
    private let realClock: any WallClock
    private let logger: Logger

    init(
        store: any ParleyStore,
        dataDirectory: URL,
        directory: URL,
        calls: CallService,
        realtime: RealtimeGateway,
        eventDelivery: EventDeliveryService?,
        clock: any WallClock,
        realClock: any WallClock,
        logger: Logger = Logger(label: "parley.dev")
    ) {
        self.store = store
        self.dataDirectory = dataDirectory
        self.directory = directory
        self.calls = calls
        self.realtime = realtime
        self.eventDelivery = eventDelivery
        self.clock = clock
        self.realClock = realClock
        self.logger = logger
    }

    /// The saved snapshots, by name.
    func list() throws -> [DevSnapshotModel] {
        _ = try snapshotStore()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { try? manifest(of: $0) }
    }

    func snapshot(named name: String) throws -> DevSnapshotModel {
        _ = try snapshotStore()
        try Self.checkName(name)
        return try manifest(of: name)
    }

    /// Saves the state now under `name`.
    func save(name: String, replace: Bool) async throws -> DevSnapshotModel {
        let store = try snapshotStore()
        try Self.checkName(name)
        let target = directory.appendingPathComponent(name, isDirectory: true)
        let files = FileManager.default
        if files.fileExists(atPath: target.path), !replace {
            throw ParleyError(
                .conflict,
                wireCode: "SnapshotExists",
                "A snapshot named '\(name)' exists; delete it, or save with \"replace\": true.",
                target: "name"
            )
        }
        try files.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Written aside, then moved into place: a failed save leaves no half snapshot.
        let partial = directory.appendingPathComponent(".\(name).partial-\(UUID().uuidString)", isDirectory: true)
        try files.createDirectory(at: partial, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        do {
            let clockTime = clock.now()
            try await store.writeSnapshot(to: partial.appendingPathComponent(Self.databaseFile).path)
            for file in Self.keyFiles where files.fileExists(atPath: dataDirectory.appendingPathComponent(file).path) {
                try files.copyItem(at: dataDirectory.appendingPathComponent(file), to: partial.appendingPathComponent(file))
            }
            for folder in Self.directories where files.fileExists(atPath: dataDirectory.appendingPathComponent(folder).path) {
                try files.copyItem(at: dataDirectory.appendingPathComponent(folder), to: partial.appendingPathComponent(folder))
            }
            let size = (try? files.attributesOfItem(atPath: partial.appendingPathComponent(Self.databaseFile).path)[.size] as? NSNumber)?.int64Value
            let model = DevSnapshotModel(
                name: name,
                createdAt: WireTimestamp.rfc3339Milliseconds(realClock.now()),
                clockTime: WireTimestamp.rfc3339Milliseconds(clockTime),
                databaseBytes: size ?? 0
            )
            try ParleyJSON.encoder().encode(model).write(to: partial.appendingPathComponent(Self.manifestFile))
            if files.fileExists(atPath: target.path) { try files.removeItem(at: target) }
            try files.moveItem(at: partial, to: target)
            logger.notice("Saved snapshot '\(name)' (\(model.databaseBytes) bytes).")
            return model
        } catch {
            try? files.removeItem(at: partial)
            throw error
        }
    }

    /// Replaces the running server's state with the snapshot's.
    func restore(name: String) async throws -> DevSnapshotRestoreResult {
        let store = try snapshotStore()
        try Self.checkName(name)
        let started = ContinuousClock.now
        let model = try manifest(of: name)
        let folder = directory.appendingPathComponent(name, isDirectory: true)
        let database = folder.appendingPathComponent(Self.databaseFile).path
        try checkKeyFiles(of: folder)
        let (live, saved) = (try await store.snapshotFingerprint(ofSnapshotAt: nil), try await store.snapshotFingerprint(ofSnapshotAt: database))
        guard live.migrations == saved.migrations else {
            throw ParleyError(
                .conflict,
                wireCode: "SnapshotOfAnotherVersion",
                "Snapshot '\(name)' was saved by a Parley with another database schema; save it again with this version."
            )
        }
        guard live.secrets == saved.secrets else { throw Self.otherInstallation(name) }

        // Who is connected now belongs to the state being replaced: calls end (their records are
        // written before the store is replaced, so none lands after), connections close.
        let callsEnded = calls.endAll(reason: .endedByPlatform)
        await calls.flushRecords()
        let closed = realtime.closeAll(.stateRestored)
        let marker = DomainEvent(kind: .stateRestored, resourceId: "", subject: name, occurredAt: clock.now(), data: ["snapshot": name])
        let position = try await store.restoreSnapshot(from: database, marker: marker)
        // Connections that opened meanwhile close too; deliveries start again from the restored cursors.
        realtime.restored(at: position)
        eventDelivery?.stateRestored()
        try replaceDirectories(with: folder)
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        logger.notice("Restored snapshot '\(name)' in \(Int(milliseconds)) ms: \(callsEnded) calls ended, \(closed) connections closed.")
        return DevSnapshotRestoreResult(snapshot: model, milliseconds: milliseconds, callsEnded: callsEnded, connectionsClosed: closed)
    }

    func delete(name: String) throws {
        _ = try snapshotStore()
        try Self.checkName(name)
        _ = try manifest(of: name)
        try FileManager.default.removeItem(at: directory.appendingPathComponent(name, isDirectory: true))
    }

    /// Puts the snapshot's directories (dead letters) in place of the live ones: the live one is
    /// moved aside first, so a reader sees the old or the new, and removed after.
    private func replaceDirectories(with folder: URL) throws {
        let files = FileManager.default
        for name in Self.directories {
            let live = dataDirectory.appendingPathComponent(name, isDirectory: true)
            let aside = dataDirectory.appendingPathComponent(".\(name).replaced-\(UUID().uuidString)", isDirectory: true)
            if files.fileExists(atPath: live.path) { try files.moveItem(at: live, to: aside) }
            let saved = folder.appendingPathComponent(name, isDirectory: true)
            if files.fileExists(atPath: saved.path) { try files.copyItem(at: saved, to: live) }
            try? files.removeItem(at: aside)
        }
    }

    // MARK: Checks

    private func snapshotStore() throws -> any SnapshotStore {
        guard let store = store as? any SnapshotStore else {
            throw ParleyError(
                .notImplemented,
                wireCode: "SnapshotsNotSupported",
                "Snapshots need the embedded SQLite store; this server's store is shared by several nodes (docs/testing-your-app.md)."
            )
        }
        return store
    }

    private func manifest(of name: String) throws -> DevSnapshotModel {
        let url = directory.appendingPathComponent(name, isDirectory: true).appendingPathComponent(Self.manifestFile)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw Self.notFound(name) }
        do {
            return try ParleyJSON.decoder().decode(DevSnapshotModel.self, from: data)
        } catch {
            throw ParleyError(.conflict, wireCode: "SnapshotDamaged", "Snapshot '\(name)' has an unreadable \(Self.manifestFile).")
        }
    }

    /// The snapshot's CA and TURN secret are the running server's: the clients' trust and the
    /// relay's configuration stay valid.
    private func checkKeyFiles(of folder: URL) throws {
        for file in Self.mustMatch {
            let live = FileManager.default.contents(atPath: dataDirectory.appendingPathComponent(file).path)
            let saved = FileManager.default.contents(atPath: folder.appendingPathComponent(file).path)
            if let live, let saved, live != saved { throw Self.otherInstallation(folder.lastPathComponent) }
        }
    }

    static func checkName(_ name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
        guard (1...64).contains(name.count), allowed, !name.hasPrefix(".") else {
            throw ParleyError(
                .validation,
                "A snapshot name is 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'.",
                target: "name"
            )
        }
    }

    private static func notFound(_ name: String) -> ParleyError {
        ParleyError(.notFound, wireCode: "SnapshotNotFound", "There is no snapshot '\(name)'.")
    }

    private static func otherInstallation(_ name: String) -> ParleyError {
        ParleyError(
            .conflict,
            wireCode: "SnapshotOfAnotherInstallation",
            "Snapshot '\(name)' has other keys (signing keys, admin key, CA or TURN secret) than this server: start a server on a copy of it instead."
        )
    }
}
