import Foundation
import HTTPTypes
import HummingbirdTesting
import ParleyAPI
import ParleyCore
import Synchronization
import Testing

@testable import ParleyServer

/// `POST /calling/recordings` and friends through the router, HMAC-signed as Call Automation
/// signs them: the resource records its calls and every participant is told.
@Suite struct CallRecordingRouteTests {
    static let query = "?api-version=2023-10-15"

    /// A connected call between two app users of the fixture's resource; returns its id and the
    /// frames its caller received.
    func connectedCall(_ fixture: ServerFixture) async throws -> (String, FrameSink) {
        let calls = fixture.environment.calls
        var sessions: [CallSession] = []
        let sinks = [FrameSink(), FrameSink()]
        for sink in sinks {
            let (user, _) = try await fixture.environment.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
            let agent = CallAgentIdentity(party: CallParty(rawId: user.rawId, home: .resource(fixture.resource.immutableId)), mayStartCalls: true)
            let session = CallSession(agent: agent, sink: sink)
            await calls.handle(RealtimeClientFrame(requestId: "r", request: .registerCallAgent(.init())), from: session)
            sessions.append(session)
        }
        let callee = CommunicationIdentifierModel(rawId: sessions[1].agent.party.rawId)
        await calls.handle(RealtimeClientFrame(requestId: "s", request: .startCall(.init(targets: [callee]))), from: sessions[0])
        let callId = try #require(sinks[1].incomingCallIds.first)
        await calls.handle(RealtimeClientFrame(requestId: "a", request: .acceptCall(.init(callId: callId))), from: sessions[1])
        return (callId, sinks[0])
    }

    @Test func theResourceStartsAndStopsRecordingAndTheParticipantsAreTold() async throws {
        let fixture = try await ServerFixture()
        let (callId, caller) = try await connectedCall(fixture)
        try await fixture.application().test(.router) { client in
            let body = #"{"callLocator": {"kind": "serverCallLocator", "serverCallId": "\#(callId)"}, "recordingContentType": "audio"}"#
            let started = try await client.signed(.post, "/calling/recordings" + Self.query, body: body, fixture: fixture)
            #expect(started.status == .ok)
            let recording = try started.decode(CallRecordingStateResponse.self)
            #expect(recording.recordingState == "active")
            #expect(caller.latest(callId)?.isRecordingActive == true)

            let again = try await client.signed(.post, "/calling/recordings" + Self.query, body: body, fixture: fixture)
            #expect(again.status == .conflict)

            let state = try await client.signed(.get, "/calling/recordings/\(recording.recordingId)" + Self.query, fixture: fixture)
            #expect(state.status == .ok)
            let stopped = try await client.signed(.delete, "/calling/recordings/\(recording.recordingId)" + Self.query, fixture: fixture)
            #expect(stopped.status == .noContent)
            #expect(caller.latest(callId)?.isRecordingActive == false)
            let gone = try await client.signed(.get, "/calling/recordings/\(recording.recordingId)" + Self.query, fixture: fixture)
            #expect(gone.status == .notFound)
        }
    }

    @Test func badLocatorsUnknownCallsAndMissingVersionsAreRefused() async throws {
        let fixture = try await ServerFixture()
        let (callId, caller) = try await connectedCall(fixture)
        try await fixture.application().test(.router) { client in
            let path = "/calling/recordings" + Self.query
            let group = #"{"callLocator": {"kind": "groupCallLocator", "groupCallId": "\#(UUID())"}}"#
            let unknown = #"{"callLocator": {"kind": "serverCallLocator", "serverCallId": "\#(UUID())"}}"#
            let body = #"{"callLocator": {"serverCallId": "\#(callId)"}}"#
            var statuses: [HTTPResponse.Status] = []
            for (target, request) in [
                (path, group), (path, #"{"callConnectionId": "x"}"#), (path, "[]"), (path, unknown), ("/calling/recordings", body),
            ] {
                statuses.append(try await client.signed(.post, target, body: request, fixture: fixture).status)
            }
            #expect(statuses == [.badRequest, .badRequest, .badRequest, .notFound, .badRequest])
            #expect(caller.latest(callId)?.isRecordingActive == false)
        }
    }

    @Test func pausingIsNotImplementedAndSaysSo() async throws {
        let fixture = try await ServerFixture()
        let (callId, caller) = try await connectedCall(fixture)
        try await fixture.application().test(.router) { client in
            let paused = #"{"callLocator": {"kind": "serverCallLocator", "serverCallId": "\#(callId)"}, "pauseOnStart": true}"#
            let refused = try await client.signed(.post, "/calling/recordings" + Self.query, body: paused, fixture: fixture)
            #expect(refused.status == .notImplemented)
            #expect(refused.errorCode == "NotImplemented")
            #expect(caller.latest(callId)?.isRecordingActive == false)

            let body = #"{"callLocator": {"kind": "serverCallLocator", "serverCallId": "\#(callId)"}}"#
            let recordingId = try await client.signed(.post, "/calling/recordings" + Self.query, body: body, fixture: fixture)
                .decode(CallRecordingStateResponse.self).recordingId
            for action in [":pause", ":resume"] {
                let response = try await client.signed(.post, "/calling/recordings/\(recordingId)\(action)" + Self.query, fixture: fixture)
                #expect(response.status == .notImplemented)
                #expect(response.errorCode == "NotImplemented")
            }
            #expect(try await client.signed(.post, "/calling/recordings/\(recordingId):rewind" + Self.query, fixture: fixture).status == .notFound)
            // Unsigned, it is the signature that is wrong first.
            #expect(try await client.execute(uri: "/calling/recordings/\(recordingId):pause" + Self.query, method: .post).status == .unauthorized)
            #expect(caller.latest(callId)?.isRecordingActive == true)
        }
    }
}

/// Collects the frames a calling endpoint is sent.
final class FrameSink: CallFrameSink {
    private let frames = Mutex<[RealtimeServerFrame]>([])
    func deliver(_ frame: RealtimeServerFrame) { frames.withLock { $0.append(frame) } }

    var incomingCallIds: [String] {
        frames.withLock { $0.compactMap { if case .incomingCall(let call) = $0 { call.id } else { nil } } }
    }

    func latest(_ callId: String) -> CallSnapshot? {
        frames.withLock { $0.compactMap(\.callSnapshot).filter { $0.id == callId }.max { $0.version < $1.version } }
    }
}
