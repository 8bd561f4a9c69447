import ParleyAPI
import Testing

@testable import ParleyClient

/// SDP and ICE relayed between endpoints with fake media engines: who offers when, and glare.
@Suite struct MediaNegotiationTests {
    @Test func theCalleeOffersWhenItAcceptsAndCandidatesFollow() async throws {
        try await LiveServer.run { server in
            let aliceMedia = FakeMediaEngine(name: "alice")
            let bobMedia = FakeMediaEngine(name: "bob")
            let (aliceId, alice) = try await server.callAgent(mediaEngine: aliceMedia)
            let (bobId, bob) = try await server.callAgent(mediaEngine: bobMedia)
            let (aliceCall, _) = try await connect(alice, to: bob, bobId)

            await bobMedia.wait(for: .madeOffer(to: aliceId, sdp: "offer-1-from-bob"))
            await aliceMedia.wait(for: .acceptedOffer(from: bobId, sdp: "offer-1-from-bob"))
            await bobMedia.wait(for: .acceptedAnswer(from: aliceId, sdp: "answer-from-alice-to-offer-1-from-bob"))
            await aliceMedia.wait(for: .addedCandidate(from: bobId, candidate: "candidate-of-offer-1-from-bob"))
            await bobMedia.wait(for: .addedCandidate(from: aliceId, candidate: "candidate-of-answer-from-alice-to-offer-1-from-bob"))
            // The caller never offered.
            #expect(await !aliceMedia.operations.values.contains { if case .madeOffer = $0 { true } else { false } })

            try await aliceCall.hangUp()
            await aliceMedia.wait(for: .closed(peer: bobId))
            await bobMedia.wait(for: .closed(peer: aliceId))
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func whenOffersCrossThePoliteSideRollsBackAndAnswers() async throws {
        try await LiveServer.run { server in
            let aliceMedia = FakeMediaEngine(name: "alice")
            let bobMedia = FakeMediaEngine(name: "bob")
            let (aliceId, alice) = try await server.callAgent(mediaEngine: aliceMedia)
            let (bobId, bob) = try await server.callAgent(mediaEngine: bobMedia)
            let (aliceCall, bobCall) = try await connect(alice, to: bob, bobId)
            await bobMedia.wait(for: .acceptedAnswer(from: aliceId, sdp: "answer-from-alice-to-offer-1-from-bob"))

            // Both renegotiate at once: both offers are outstanding before either arrives.
            let barrier = Barrier(count: 2)
            aliceMedia.holdOffers(at: barrier)
            bobMedia.holdOffers(at: barrier)
            aliceCall.renegotiateMedia()
            bobCall.renegotiateMedia()

            // Bob joined later: he is polite, rolls his offer back and answers Alice's; Alice
            // ignores his crossing offer and takes his answer.
            await bobMedia.wait(for: .rolledBack(peer: aliceId))
            await bobMedia.wait(for: .acceptedOffer(from: aliceId, sdp: "offer-1-from-alice"))
            await aliceMedia.wait(for: .acceptedAnswer(from: bobId, sdp: "answer-from-bob-to-offer-1-from-alice"))
            let aliceOperations = await aliceMedia.operations.values
            #expect(!aliceOperations.contains(.acceptedOffer(from: bobId, sdp: "offer-2-from-bob")))
            #expect(!aliceOperations.contains(.rolledBack(peer: bobId)))
            let bobOperations = await bobMedia.operations.values
            #expect(bobOperations.count(where: { $0 == .rolledBack(peer: aliceId) }) == 1)
            #expect(!bobOperations.contains { if case .acceptedAnswer(_, let sdp) = $0 { sdp.contains("offer-2-from-bob") } else { false } })

            // Negotiation goes on normally afterwards.
            aliceMedia.holdOffers(at: nil)
            bobMedia.holdOffers(at: nil)
            bobCall.renegotiateMedia()
            await aliceMedia.wait(for: .acceptedOffer(from: bobId, sdp: "offer-3-from-bob"))
            await bobMedia.wait(for: .acceptedAnswer(from: aliceId, sdp: "answer-from-alice-to-offer-3-from-bob"))

            try await aliceCall.hangUp()
            await alice.dispose()
            await bob.dispose()
        }
    }

    @Test func withoutAnEngineNothingIsNegotiated() async throws {
        try await LiveServer.run { server in
            let aliceMedia = FakeMediaEngine(name: "alice")
            let (_, alice) = try await server.callAgent(mediaEngine: aliceMedia)
            let (bobId, bob) = try await server.callAgent()
            let (aliceCall, bobCall) = try await connect(alice, to: bob, bobId)
            bobCall.renegotiateMedia()
            // Alice's own renegotiation reaches Bob, who has no engine and does not answer.
            aliceCall.renegotiateMedia()
            await aliceMedia.wait(for: .madeOffer(to: bobId, sdp: "offer-1-from-alice"))
            try await bobCall.hangUp()
            await aliceMedia.wait(for: .closed(peer: bobId))
            #expect(await !aliceMedia.operations.values.contains { if case .acceptedAnswer = $0 { true } else { false } })
            await alice.dispose()
            await bob.dispose()
        }
    }
}
