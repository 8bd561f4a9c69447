import Foundation

/// The files of Parley's web app, read from the package's resources.
public enum WebAppAssets {
    /// The folder SwiftPM puts this target's resources in, beside the executable
    /// (`<package>_<target>.resources`).
    static let bundleName = "parley_ParleyWebApp.resources"

    /// Every asset by its path below the assets folder (`index.html`, `js/main.js`, …). Throws if
    /// the resources are not beside the executable (a `parley` binary copied without its
    /// `parley_ParleyWebApp.resources` folder), where SwiftPM's `Bundle.module` would stop the
    /// process instead.
    public static func load() throws -> [String: Data] {
        let beside = [
            Bundle.main.bundleURL,
            URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent(),
        ]
        .map { $0.appendingPathComponent(bundleName).appendingPathComponent("Assets", isDirectory: true) }
        guard let root = beside.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: beside.map(\.path).joined(separator: ", ")])
        }
        let base = root.standardizedFileURL.path
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw CocoaError(.fileNoSuchFile)
        }
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base + "/") else { continue }
            files[String(path.dropFirst(base.count + 1))] = try Data(contentsOf: url)
        }
        return files
    }
}
