import ParleyAPI
import Synchronization
import Testing

@testable import ParleyClient

/// Requests awaiting replies: answered, refused, failed when the connection drops, timed out.
@Suite struct PendingRequestsTests {
    /// What the completions were called with, in order.
    final class Outcomes: Sendable {
        private let values = Mutex<[String]>([])
        var all: [String] { values.withLock { $0 } }

        @Sendable func record(_ result: Result<RealtimeReply, CallingError>) {
            let text =
                switch result {
                case .success(let reply): "ok \(reply.requestId)"
                case .failure(let error): "\(error.code) \(error.status)"
                }
            values.withLock { $0.append(text) }
        }
    }

    @Test func repliesRefusalsAndDroppedConnections() {
        let requests = PendingRequests()
        let outcomes = Outcomes()
        let answered = requests.add(timeout: .seconds(60), completion: outcomes.record)
        let refused = requests.add(timeout: .seconds(60), completion: outcomes.record)
        _ = requests.add(timeout: .seconds(60), completion: outcomes.record)
        #expect(answered != refused)

        requests.complete(RealtimeReply(requestId: answered))
        requests.complete(RealtimeReply(requestId: refused, error: RealtimeRequestError(status: 409, code: "Glare", message: "crossed")))
        requests.complete(RealtimeReply(requestId: answered))
        requests.failAll(.connectionLost())
        #expect(outcomes.all == ["ok \(answered)", "Glare 409", "\(CallingError.connectionLostCode) 0"])
    }

    @Test func aRequestNobodyAnswersTimesOut() async {
        let requests = PendingRequests()
        let failure = Collector<CallingError>()
        _ = requests.add(timeout: .milliseconds(1)) { result in
            if case .failure(let error) = result { Task { await failure.append(error) } }
        }
        await failure.wait { !$0.isEmpty }
        #expect(await failure.values.map(\.code) == [CallingError.timeoutCode])
    }
}
