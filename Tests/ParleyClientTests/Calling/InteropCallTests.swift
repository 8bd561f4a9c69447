import ParleyAPI
import Testing

@testable import ParleyClient

/// Calls between an app user and a Teams user (an org user's agent): the interop rules as the
/// SDK sees them, and the privacy signal of recording and transcription (P1).
@Suite struct InteropCallTests {
    @Test func theAppUserSeesTheTeamsUserRecordAndTranscribe() async throws {
        try await LiveServer.run { server in
            let (aliceId, alice) = try await server.callAgent(displayName: "Customer")
            let (adele, teams) = try await server.teamsCallAgent(0)
            let ringing = Recording(teams.incomingCalls)

            let call = try await alice.startCall([MicrosoftTeamsUserIdentifier(userId: adele.objectId)])
            let incoming = try await nextIncoming(ringing, id: call.id)
            #expect(incoming.callerInfo.identifier.participantKey == aliceId)
            let teamsCall = try await incoming.accept()
            await eventually(call.stateChanged) { call.state == .connected }
            #expect(call.isInterop)
            #expect(call.remoteParticipants.first?.identifier.rawId == adele.rawId)
            #expect(call.remoteParticipants.first?.identifier is MicrosoftTeamsUserIdentifier)

            // Under the faithful profile an interop call does not grow (K2).
            let capabilities = call.feature(.capabilities).capabilities
            #expect(capabilities[CallCapabilityName.addTeamsUser]?.isPresent == false)
            #expect(capabilities[CallCapabilityName.addTeamsUser]?.reason == "FeatureNotSupported")
            #expect(capabilities[CallCapabilityName.addCommunicationUser]?.isPresent == false)

            // The app user cannot record; the Teams user can, and the app user learns it at once.
            let refused = await #expect(throws: CallingError.self) { try await call.startRecording() }
            #expect(refused?.status == 403)
            let recording = call.feature(.recording)
            let transcription = call.feature(.transcription)
            #expect(!recording.isRecordingActive)
            let recordingChanges = Recording(recording.isRecordingActiveChanged)
            let transcriptionChanges = Recording(transcription.isTranscriptionActiveChanged)
            try await teamsCall.startRecording()
            await recordingChanges.first { $0 }
            #expect(recording.isRecordingActive)
            try await teamsCall.startTranscription()
            await transcriptionChanges.first { $0 }
            #expect(transcription.isTranscriptionActive)
            try await teamsCall.stopRecording()
            try await teamsCall.stopTranscription()
            await recordingChanges.first { !$0 }
            await transcriptionChanges.first { !$0 }
            #expect(await recordingChanges.values == [true, false])
            #expect(await transcriptionChanges.values == [true, false])
            await eventually(teamsCall.feature(.recording).isRecordingActiveChanged) { !teamsCall.feature(.recording).isRecordingActive }

            try await teamsCall.hangUp()
            await eventually(call.stateChanged) { call.state == .disconnected }
            await alice.dispose()
            await teams.dispose()
        }
    }

    @Test func aTeamsUserOutsideTeamsOnlyModeCannotBeCalled() async throws {
        try await LiveServer.run { server in
            let (_, alice) = try await server.callAgent()
            let lee = server.person(1)
            #expect(lee.displayName == "Lee Gu")
            let refused = await #expect(throws: CallingError.self) {
                try await alice.startCall([MicrosoftTeamsUserIdentifier(userId: lee.objectId)])
            }
            #expect(refused?.status == 403)
            #expect(refused?.code == "TeamsUserNotTeamsOnly")
            #expect(alice.calls.isEmpty)
            await alice.dispose()
        }
    }
}
