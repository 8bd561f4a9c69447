import Hummingbird
import NIOCore

/// `GET /health` and `GET /metrics`, unauthenticated, for load balancers and scrapers.
struct OperationsController {
    /// Whether the development tools are on: `/health` says so (and says nothing otherwise).
    var developmentMode = false

    func addRoutes(to router: Router<ParleyRequestContext>) {
        let health = developmentMode ? Health(status: "ok", developmentMode: true) : Health(status: "ok", developmentMode: nil)
        router.get("health") { _, _ in
            try WireIO.json(health)
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: ParleyMetrics.exposition()))
            )
        }
    }

    /// The `/health` document.
    struct Health: Encodable {
        var status: String
        var developmentMode: Bool?
    }
}
