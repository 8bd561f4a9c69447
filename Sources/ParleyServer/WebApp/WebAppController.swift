import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ParleyWebApp

/// Serves Parley's web app: `/` is the app's page, `/app/…` its modules, styles and images, all
/// held in memory (the whole app is a few dozen kilobytes). Every response carries the browser
/// security headers and a strong ETag; `If-None-Match` gets a 304, so a returning browser
/// revalidates without downloading anything.
struct WebAppController: Sendable {
    struct Asset: Sendable {
        var body: ByteBuffer
        var contentType: String
        var etag: String
    }

    let assets: [String: Asset]
    let security: BrowserSecurityHeaders

    /// Reads the assets from the package's resources.
    init(security: BrowserSecurityHeaders) throws {
        self.init(files: try WebAppAssets.load(), security: security)
    }

    init(files: [String: Data], security: BrowserSecurityHeaders) {
        var assets: [String: Asset] = [:]
        for (path, data) in files {
            let digest = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
            assets[path] = Asset(body: ByteBuffer(bytes: data), contentType: Self.contentType(of: path), etag: "\"\(digest)\"")
        }
        self.assets = assets
        self.security = security
    }

    func addRoutes(to router: Router<ParleyRequestContext>) {
        router.get("/") { request, _ in self.serve("index.html", request) }
        router.get("app/**") { request, context in self.serve(Self.path(context), request) }
    }

    /// The asset at `path`, a 304 when the browser has it, or a 404 page.
    func serve(_ path: String, _ request: Request) -> Response {
        var headers = security.headers(for: request)
        guard let asset = assets[path] else {
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(status: .notFound, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "Not found\n")))
        }
        headers[.eTag] = asset.etag
        headers[.cacheControl] = "no-cache"
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }

    private static func path(_ context: ParleyRequestContext) -> String {
        context.parameters.getCatchAll().joined(separator: "/")
    }

    static func contentType(of path: String) -> String {
        switch path.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "json", "webmanifest": "application/json"
        default: "application/octet-stream"
        }
    }
}
