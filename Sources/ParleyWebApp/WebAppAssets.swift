import Foundation

/// The files of Parley's web app, read from the package's resources.
public enum WebAppAssets {
    /// Every asset by its path below the assets folder (`index.html`, `js/main.js`, …).
    /// Throws if the resources are missing (a binary copied without its resource bundle).
    public static func load() throws -> [String: Data] {
        guard let root = Bundle.module.resourceURL?.appendingPathComponent("Assets", isDirectory: true) else {
            throw CocoaError(.fileNoSuchFile)
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
