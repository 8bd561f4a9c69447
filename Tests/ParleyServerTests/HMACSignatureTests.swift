import Foundation
import ParleyCore
import Testing

@testable import ParleyServer

/// The test vectors of the reference (acs-identity-chat.md §1.2), captured from the official SDK.
@Suite struct HMACSignatureTests {
    static let key = Data(base64Encoded: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")!
    static let date = "Sun, 29 Nov 2026 00:58:39 GMT"
    static let host = "localhost:18443"

    @Test(arguments: [
        (
            "/identities?api-version=2023-10-01", "",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "FqIzinKybOoVJnBTnlLzE/QaQ1PahFpshljxtWBhtSo="
        ),
        (
            "/identities?api-version=2023-10-01", #"{"createTokenWithScopes": ["chat", "voip"]}"#,
            "V8+u8Ex0JoTgTgmpir8t4JxsTqBhz791KhW/8639K2A=", "/D1l9D1rZQyOVLlMh1hmg0wlywmN8w+0BjygmfVpExI="
        ),
        (
            "/identities/8%3Aacs%3Ab6aada1f-0b1d-47ac-866f-91aae00a1d01_00000001-0000-0000-0000-000000000001/:issueAccessToken?api-version=2023-10-01",
            #"{"scopes": ["chat", "chat.join", "chat.join.limited", "voip", "voip.join"]}"#,
            "AqzzUXRnTFSaUHGqYnOQa5VtWO5ULBtRw55Cbs+GOyc=", "7F59ZI+sMIq/5liGAYH+BWJI01epEjYusxDI71Idh0o="
        ),
    ])
    func matchesTheSDKVectors(target: String, body: String, contentHash: String, signature: String) {
        #expect(HMACSignature.contentHash(Data(body.utf8)) == contentHash)
        let stringToSign = HMACSignature.stringToSign(method: "POST", pathAndQuery: target, signedHeaderValues: [Self.date, Self.host, contentHash])
        #expect(HMACSignature.signature(key: Self.key, stringToSign: stringToSign) == signature)
    }

    @Test func parsesTheSDKsDateFormat() throws {
        let date = try #require(HMACAuthenticator.parseHTTPDate(Self.date))
        #expect(date.timeIntervalSince1970 == 1_795_913_919)
    }
}

@Suite struct HMACAuthenticatorTests {
    let resource = CommunicationResource(
        name: "default",
        immutableId: UUID(),
        primaryKey: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        secondaryKey: Data(repeating: 7, count: 64).base64EncodedString(),
        createdAt: Date()
    )

    func request(
        target: String = "/identities?api-version=2023-10-01",
        host: String = "localhost:18443",
        signedHost: String? = nil,
        signedTarget: String? = nil,
        body: String = "",
        date: Date,
        key: String? = nil
    ) -> HMACAuthenticator.SignedRequest {
        let headers = TestSigner.headers(
            method: "POST",
            target: signedTarget ?? target,
            host: signedHost ?? host,
            body: Data(body.utf8),
            key: key ?? resource.primaryKey,
            date: date
        )
        return .init(method: "POST", target: target, authority: host, header: { headers[$0] }, body: Data(body.utf8))
    }

    func authenticator(_ clock: ManualWallClock) -> HMACAuthenticator {
        HMACAuthenticator(clock: clock, clockSkew: 900, publicHosts: [])
    }

    @Test func acceptsEitherKeyAndIdentifiesTheResource() throws {
        let clock = ManualWallClock()
        let other = CommunicationResource(
            name: "other",
            immutableId: UUID(),
            primaryKey: Data(repeating: 1, count: 64).base64EncodedString(),
            secondaryKey: Data(repeating: 2, count: 64).base64EncodedString(),
            createdAt: Date()
        )
        for key in [resource.primaryKey, resource.secondaryKey] {
            let found = try authenticator(clock).authenticate(request(date: clock.now(), key: key), against: [other, resource])
            #expect(found.name == "default")
        }
    }

    @Test func acceptsTheTrailingSlashHostQuirkAndDecodedTargets() throws {
        let clock = ManualWallClock()
        _ = try authenticator(clock).authenticate(request(signedHost: "localhost:18443/", date: clock.now()), against: [resource])
        // The async SDK signs the decoded target but the server may receive it encoded.
        let encoded = "/identities/8%3Aacs%3Ax/:revokeAccessTokens?api-version=2023-10-01"
        let decoded = "/identities/8:acs:x/:revokeAccessTokens?api-version=2023-10-01"
        _ = try authenticator(clock).authenticate(request(target: encoded, signedTarget: decoded, date: clock.now()), against: [resource])
    }

    @Test func rejectsAStaleDate() {
        let clock = ManualWallClock()
        let signed = request(date: clock.now())
        clock.advance(by: 901)
        #expect(throws: ParleyError.self) { try authenticator(clock).authenticate(signed, against: [resource]) }
    }

    @Test func rejectsAWrongKeyOrAChangedBody() {
        let clock = ManualWallClock()
        let wrongKey = request(date: clock.now(), key: Data(repeating: 9, count: 32).base64EncodedString())
        #expect(throws: ParleyError.self) { try authenticator(clock).authenticate(wrongKey, against: [resource]) }

        var changedBody = request(body: "{}", date: clock.now())
        changedBody.body = Data("{\"a\":1}".utf8)
        #expect(throws: ParleyError.self) { try authenticator(clock).authenticate(changedBody, against: [resource]) }
    }

    @Test func rejectsAnOtherHost() {
        let clock = ManualWallClock()
        let signed = request(host: "localhost:18443", signedHost: "evil.example:18443", date: clock.now())
        #expect(throws: ParleyError.self) { try authenticator(clock).authenticate(signed, against: [resource]) }
    }
}
