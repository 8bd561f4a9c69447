import Hummingbird
import NIOCore

/// `GET /health` and `GET /metrics`, unauthenticated, for load balancers and scrapers.
struct OperationsController {
    func addRoutes(to router: Router<ParleyRequestContext>) {
        router.get("health") { _, _ in
            try WireIO.json(["status": "ok"])
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: ParleyMetrics.exposition()))
            )
        }
    }
}
