import Foundation
import ParleyCore
import Testing

@testable import ParleyServer

@Suite struct GraphFilterTests {
    static let adele = OrgUser(
        id: UUID(uuidString: "45ab2481-1c1c-4005-be24-0ffb879b1130")!,
        tenantId: UUID(),
        displayName: "Adele Vance",
        userPrincipalName: "adele@contoso.com",
        mail: "adele@contoso.com",
        createdAt: Date()
    )

    @Test(arguments: [
        ("userPrincipalName eq 'ADELE@contoso.com'", true),
        ("id eq '45ab2481-1c1c-4005-be24-0ffb879b1130'", true),
        ("startswith(displayName,'ad')", true),
        ("startswith( displayName , 'Vance')", false),
        ("mail eq 'x@contoso.com' or displayName eq 'Adele Vance'", true),
        ("mail eq 'adele@contoso.com' and displayName eq 'Megan'", false),
        ("displayName eq 'Megan' and mail eq 'x' or id eq '45ab2481-1c1c-4005-be24-0ffb879b1130'", true),
        ("displayName eq 'O''Brien'", false),
    ])
    func matches(filter: String, expected: Bool) throws {
        #expect(try GraphFilter.parse(filter).matches(Self.adele) == expected)
    }

    @Test func quotesAreEscapedByDoubling() throws {
        #expect(try GraphFilter.parse("displayName eq 'O''Brien'") == .equals(property: "displayName", value: "O'Brien"))
    }

    @Test(arguments: [
        "jobTitle eq 'x'", "displayName ne 'x'", "displayName eq x", "startswith(displayName,'a'", "displayName eq 'a' xor", "displayName eq 'open",
    ])
    func unsupportedFiltersAreClearErrors(filter: String) {
        let error = #expect(throws: ParleyError.self) { try GraphFilter.parse(filter) }
        #expect(error?.wireCode == "Request_UnsupportedQuery")
    }
}
