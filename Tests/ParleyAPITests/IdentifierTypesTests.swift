import Foundation
import ParleyAPI
import Testing

@Suite struct IdentifierTypesTests {
    @Test func rawIdsBecomeTheirTypedIdentifier() throws {
        let acs = try #require(createCommunicationIdentifier(fromRawId: "8:acs:r_1") as? CommunicationUserIdentifier)
        #expect(acs.identifier == "8:acs:r_1")

        let teams = try #require(createCommunicationIdentifier(fromRawId: "8:gcch:oid") as? MicrosoftTeamsUserIdentifier)
        #expect(teams == MicrosoftTeamsUserIdentifier(userId: "oid", cloudEnvironment: .gcch))
        #expect(teams.rawId == "8:gcch:oid")

        let anonymous = try #require(createCommunicationIdentifier(fromRawId: "8:teamsvisitor:x") as? MicrosoftTeamsUserIdentifier)
        #expect(anonymous.isAnonymous)

        let app = try #require(createCommunicationIdentifier(fromRawId: "28:dod:app") as? MicrosoftTeamsAppIdentifier)
        #expect(app == MicrosoftTeamsAppIdentifier(appId: "app", cloudEnvironment: .dod))

        let phone = try #require(createCommunicationIdentifier(fromRawId: "4:+14255550123") as? PhoneNumberIdentifier)
        #expect(phone.phoneNumber == "+14255550123")

        let unknown = try #require(createCommunicationIdentifier(fromRawId: "48:foo") as? UnknownIdentifier)
        #expect(unknown.identifier == "48:foo")
    }

    @Test(arguments: [
        "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081",
        "8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130",
        "8:dod:oid",
        "8:teamsvisitor:anon",
        "28:orgid:app-id",
        "28:gcch:app-id",
        "4:+14255550123",
        "garbage",
    ])
    func identifiersRoundTripThroughTheWireModel(rawId: String) throws {
        let identifier = createCommunicationIdentifier(fromRawId: rawId)
        #expect(identifier.rawId == rawId)
        #expect(identifier.kind == CommunicationIdentifierKind(rawId: rawId))
        let data = try ParleyJSON.encoder().encode(CommunicationIdentifierModel(identifier))
        let model = try ParleyJSON.decoder().decode(CommunicationIdentifierModel.self, from: data)
        #expect(model.rawId == rawId)
        #expect(model.communicationIdentifier?.rawId == rawId)
        #expect(model.communicationIdentifier?.kind == identifier.kind)
    }

    @Test func theWireModelCarriesTheTypedSubObject() {
        let model = CommunicationIdentifierModel(MicrosoftTeamsUserIdentifier(userId: "oid"))
        #expect(model.kind == "microsoftTeamsUser")
        #expect(model.microsoftTeamsUser == MicrosoftTeamsUserModel(userId: "oid", isAnonymous: false, cloud: .public))
        #expect(CommunicationIdentifierModel(CommunicationUserIdentifier("8:acs:r_1")).communicationUser?.id == "8:acs:r_1")
        #expect(CommunicationIdentifierModel(PhoneNumberIdentifier(phoneNumber: "+1555")).phoneNumber?.value == "+1555")
    }

    @Test func anExplicitRawIdIsKept() {
        let teams = MicrosoftTeamsUserIdentifier(userId: "OID", rawId: "8:orgid:oid")
        #expect(teams.rawId == "8:orgid:oid")
        #expect(CommunicationIdentifierModel(teams).rawId == "8:orgid:oid")
        #expect(PhoneNumberIdentifier(phoneNumber: "+1555").rawId == "4:+1555")
    }

    @Test func aModelWithoutRawIdIsReadFromItsSubObject() throws {
        let json = #"{"microsoftTeamsApp": {"appId": "app", "cloud": "GCCH"}}"#
        let model = try ParleyJSON.decoder().decode(CommunicationIdentifierModel.self, from: Data(json.utf8))
        let app = try #require(model.communicationIdentifier as? MicrosoftTeamsAppIdentifier)
        #expect(app.appId == "app")
        #expect(app.cloudEnvironment == .gcch)
        #expect(CommunicationIdentifierModel().communicationIdentifier == nil)
    }
}
