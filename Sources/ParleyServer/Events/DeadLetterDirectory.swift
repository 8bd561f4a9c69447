import Foundation
import ParleyAPI
import ParleyCore

/// Dead-lettered events, as files under the data directory laid out as Event Grid lays out its
/// dead-letter blobs: `dead-letters/<resource>/<SUBSCRIPTION>/<yyyy>/<M>/<d>/<H>/<uuid>.json`,
/// each a JSON array of events.
struct DeadLetterDirectory: DeadLetterSink {
    let root: URL

    func directory(resourceName: String, subscriptionName: String) -> URL {
        root.appendingPathComponent(resourceName, isDirectory: true).appendingPathComponent(subscriptionName.uppercased(), isDirectory: true)
    }

    func write(_ events: [Data], subscription: EventSubscription, resourceName: String, at time: Date) async throws {
        guard !events.isEmpty else { return }
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: time)
        let folder = [parts.year, parts.month, parts.day, parts.hour].reduce(
            directory(resourceName: resourceName, subscriptionName: subscription.name)
        ) {
            $0.appendingPathComponent(String($1 ?? 0), isDirectory: true)
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var body = Data("[".utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { body.append(contentsOf: Array(",\n".utf8)) }
            body.append(event)
        }
        body.append(contentsOf: Array("]\n".utf8))
        // Written, flushed to disk, then renamed into place: a file that exists is complete.
        let name = UUID().uuidString.lowercased()
        let temporary = folder.appendingPathComponent(".\(name).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw ParleyError(.internal, "Could not create a dead-letter file in \(folder.path).")
        }
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.write(contentsOf: body)
        try handle.synchronize()
        try handle.close()
        try FileManager.default.moveItem(at: temporary, to: folder.appendingPathComponent("\(name).json"))
    }

    /// The subscription's dead-lettered events, newest file first, at most `limit`.
    func events(resourceName: String, subscriptionName: String, limit: Int) throws -> [JSONValue] {
        let base = directory(resourceName: resourceName, subscriptionName: subscriptionName)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.contentModificationDateKey]) else { return [] }
        var files: [(URL, Date)] = []
        for case let url as URL in walker where url.pathExtension == "json" && !url.lastPathComponent.hasPrefix(".") {
            let date = (try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
            files.append((url, date))
        }
        var events: [JSONValue] = []
        for (url, _) in files.sorted(by: { $0.1 > $1.1 }) {
            guard events.count < limit else { break }
            let batch = (try? ParleyJSON.decoder().decode([JSONValue].self, from: Data(contentsOf: url))) ?? []
            events += batch.prefix(limit - events.count)
        }
        return events
    }

    /// Deletes the subscription's dead letters; returns whether there were any.
    @discardableResult
    func purge(resourceName: String, subscriptionName: String) throws -> Bool {
        let base = directory(resourceName: resourceName, subscriptionName: subscriptionName)
        guard FileManager.default.fileExists(atPath: base.path) else { return false }
        try FileManager.default.removeItem(at: base)
        return true
    }
}
