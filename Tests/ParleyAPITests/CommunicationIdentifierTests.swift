import Foundation
import ParleyAPI
import Testing

@Suite struct CommunicationIdentifierTests {
    @Test(arguments: [
        ("8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081", "communicationUser"),
        ("8:spool:abc", "communicationUser"),
        ("8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130", "microsoftTeamsUser"),
        ("8:gcch:45ab2481", "microsoftTeamsUser"),
        ("8:teamsvisitor:anon", "microsoftTeamsUser"),
        ("28:orgid:app-id", "microsoftTeamsApp"),
        ("4:+14255550123", "phoneNumber"),
        ("48:foo", "unknown"),
        ("garbage", "unknown"),
    ])
    func rawIdsRoundTrip(rawId: String, kind: String) {
        let identifier = CommunicationIdentifierKind(rawId: rawId)
        #expect(identifier.rawId == rawId)
        #expect(CommunicationIdentifierModel(identifier).kind == kind)
    }

    @Test func teamsUserFields() {
        #expect(CommunicationIdentifierKind(rawId: "8:dod:oid") == .microsoftTeamsUser(userId: "oid", isAnonymous: false, cloud: .dod))
        #expect(CommunicationIdentifierKind(rawId: "8:teamsvisitor:x") == .microsoftTeamsUser(userId: "x", isAnonymous: true, cloud: .public))
    }

    @Test func decodesWhatThePythonSDKSends() throws {
        let json = #"{"rawId": "8:gcch:aad-oid", "microsoftTeamsUser": {"userId": "aad-oid", "isAnonymous": false, "cloud": "GCCH"}}"#
        let model = try JSONDecoder().decode(CommunicationIdentifierModel.self, from: Data(json.utf8))
        #expect(model.microsoftTeamsUser?.cloud == .gcch)
        #expect(model.identifier == .microsoftTeamsUser(userId: "aad-oid", isAnonymous: false, cloud: .gcch))
    }

    @Test func derivesTheIdentifierWithoutRawId() throws {
        let json = #"{"communicationUser": {"id": "8:acs:r_1"}}"#
        let model = try JSONDecoder().decode(CommunicationIdentifierModel.self, from: Data(json.utf8))
        #expect(model.identifier == .communicationUser(id: "8:acs:r_1"))
    }

    @Test func responsesCarryRawIdAndTheSubObject() throws {
        let data = try ParleyJSON.encoder().encode(CommunicationIdentifierModel(.communicationUser(id: "8:acs:r_1")))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["rawId"] as? String == "8:acs:r_1")
        #expect((object["communicationUser"] as? [String: Any])?["id"] as? String == "8:acs:r_1")
    }
}

@Suite struct WireTimestampTests {
    @Test func identityExpiryHasSevenFractionalDigitsAndAnOffset() {
        let date = Date(timeIntervalSince1970: 1_713_893_627.5)
        #expect(WireTimestamp.identityExpiry(date) == "2024-04-23T17:33:47.5000000+00:00")
    }

    @Test func rfc3339IsWholeSecondsUTC() {
        #expect(WireTimestamp.rfc3339(Date(timeIntervalSince1970: 1_713_807_228.9)) == "2024-04-22T17:33:48Z")
    }
}
