import Foundation
import ParleyCore
import ParleySQLite
import Testing

@Suite struct DirectoryServiceTests {
    @Test func aNewTenantHasInteropOffAndAGlobalPolicyThatAllowsIt() async throws {
        let fixture = try await CoreFixture()
        let tenant = try await fixture.directory.createTenant(displayName: "Contoso", domain: "Contoso.com")
        #expect(tenant.domain == "contoso.com")
        #expect(tenant.federation == AcsFederationConfiguration())
        #expect(try await fixture.directory.policies(in: tenant.id) == [ExternalAccessPolicy(identity: "Global", enableAcsFederationAccess: true)])
        let duplicate = await #expect(throws: ParleyError.self) {
            try await fixture.directory.createTenant(displayName: "Again", domain: "contoso.com")
        }
        #expect(duplicate?.code == .conflict)
        let invalid = await #expect(throws: ParleyError.self) { try await fixture.directory.createTenant(displayName: "X", domain: "not a domain") }
        #expect(invalid?.code == .validation)
    }

    @Test func peopleBelongToTheTenantDomainAndGetCustomPoliciesThatExist() async throws {
        let fixture = try await CoreFixture()
        let tenant = try await fixture.directory.createTenant(displayName: "Contoso", domain: "contoso.com")
        let adele = try await fixture.directory.addUser(to: tenant.id, displayName: "Adele", userPrincipalName: "Adele@Contoso.com")
        #expect(adele.userPrincipalName == "adele@contoso.com")
        #expect(adele.rawId == "8:orgid:\(adele.id.uuidString.lowercased())")
        await #expect(throws: ParleyError.self) {
            try await fixture.directory.addUser(to: tenant.id, displayName: "Eve", userPrincipalName: "eve@fabrikam.com")
        }
        await #expect(throws: ParleyError.self) {
            try await fixture.directory.addUser(to: tenant.id, displayName: "Adele 2", userPrincipalName: "adele@contoso.com")
        }
        let missingPolicy = await #expect(throws: ParleyError.self) {
            try await fixture.directory.updateUser(adele.id, in: tenant.id, externalAccessPolicy: "Contractors")
        }
        #expect(missingPolicy?.code == .validation)
        try await fixture.directory.setPolicy(ExternalAccessPolicy(identity: "Contractors", enableAcsFederationAccess: false), in: tenant.id)
        let assigned = try await fixture.directory.updateUser(adele.id, in: tenant.id, coexistenceMode: .islands, externalAccessPolicy: "Contractors")
        #expect(assigned.externalAccessPolicy == "Contractors")
        #expect(assigned.coexistenceMode == .islands)
        #expect(try await fixture.directory.updateUser(adele.id, in: tenant.id, externalAccessPolicy: "Global").externalAccessPolicy == nil)
    }

    @Test func theDemoSeedIsIdempotentAndEnablesInteropForTheResource() async throws {
        let fixture = try await CoreFixture()
        let (tenant, people) = try await fixture.directory.seedDemo(for: fixture.resource)
        #expect(tenant.federation.enableAcsUsers)
        #expect(tenant.federation.allowedAcsResources == [fixture.resource.immutableId])
        #expect(people.count == DemoOrganization.people.count)
        let (again, samePeople) = try await fixture.directory.seedDemo(for: fixture.resource)
        #expect(again == tenant)
        #expect(samePeople == people)
    }
}

@Suite struct ChatInteropTests {
    /// A tenant with one TeamsOnly person, and the fixture's resource allowed when `enabled`.
    func organization(_ fixture: CoreFixture, enabled: Bool) async throws -> (Tenant, OrgUser) {
        let tenant = try await fixture.directory.createTenant(displayName: "Contoso", domain: "contoso.com")
        let adele = try await fixture.directory.addUser(to: tenant.id, displayName: "Adele Vance", userPrincipalName: "adele@contoso.com")
        if enabled {
            _ = try await fixture.directory.setFederation(
                AcsFederationConfiguration(enableAcsUsers: true, allowedAcsResources: [fixture.resource.immutableId]),
                of: tenant.id
            )
        }
        return (tenant, adele)
    }

    @Test func anAppUserStartsAChatWithATeamsUserOnceTheOrganizationAllowsIt() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let (tenant, adele) = try await organization(fixture, enabled: false)

        let (refusedThread, refused) = try await fixture.chat.createThread(
            by: alice.chatCaller,
            topic: "t",
            participants: [ChatParticipant(rawId: adele.rawId)],
            idempotencyKey: nil
        )
        #expect(refused.map(\.code) == ["403"])
        #expect(refused.first?.detailCode == "AcsUsersNotEnabled")
        #expect(try await fixture.store.participant(adele.rawId, in: refusedThread.id) == nil)

        _ = try await fixture.directory.setFederation(
            AcsFederationConfiguration(enableAcsUsers: true, allowedAcsResources: [fixture.resource.immutableId]),
            of: tenant.id
        )
        let upper = "8:orgid:\(adele.id.uuidString.uppercased())"
        let (thread, invalid) = try await fixture.chat.createThread(
            by: alice.chatCaller,
            topic: "t",
            participants: [ChatParticipant(rawId: upper)],
            idempotencyKey: nil
        )
        #expect(invalid.isEmpty)
        let member = try #require(try await fixture.store.participant(adele.rawId, in: thread.id))
        #expect(member.displayName == "Adele Vance")
    }

    @Test(arguments: ["blocked", "policy", "sfb", "unknown"])
    func everyGateRuleRefusesOnAdd(rule: String) async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let (tenant, adele) = try await organization(fixture, enabled: true)
        var target = adele.rawId
        switch rule {
        case "blocked":
            _ = try await fixture.directory.setFederation(
                AcsFederationConfiguration(
                    enableAcsUsers: true,
                    allowedAcsResources: [fixture.resource.immutableId],
                    blockedAcsResources: [fixture.resource.immutableId]
                ),
                of: tenant.id
            )
        case "policy":
            try await fixture.directory.setPolicy(ExternalAccessPolicy(identity: "Global", enableAcsFederationAccess: false), in: tenant.id)
        case "sfb":
            _ = try await fixture.directory.updateUser(adele.id, in: tenant.id, coexistenceMode: .sfbOnly)
        default:
            target = "8:orgid:\(UUID().uuidString.lowercased())"
        }
        let thread = try await fixture.thread(by: alice)
        let invalid = try await fixture.chat.addParticipants([ChatParticipant(rawId: target)], to: thread.id, by: alice.chatCaller)
        #expect(invalid.count == 1)
        #expect(invalid.first?.code == (rule == "unknown" ? "404" : "403"))
        #expect(try await fixture.store.participantCount(in: thread.id) == 1)
    }

    @Test func anotherResourceIsNotAllowed() async throws {
        let fixture = try await CoreFixture()
        let (_, adele) = try await organization(fixture, enabled: true)
        let outsider = try await fixture.user(in: try await fixture.resources.create(name: "other"))
        let (_, invalid) = try await fixture.chat.createThread(
            by: outsider.chatCaller,
            topic: "t",
            participants: [ChatParticipant(rawId: adele.rawId)],
            idempotencyKey: nil
        )
        #expect(invalid.first?.detailCode == "AcsResourceNotAllowed")
    }
}

@Suite struct InteropProfileTests {
    /// Contoso allowing the fixture's resource, Adele as a chat caller, and a chat service with `profile`.
    func setUp(_ profile: InteropProfile) async throws -> (CoreFixture, ChatService, ChatCaller, OrgUser) {
        let fixture = try await CoreFixture()
        let (tenant, adele) = try await fixture.contosoAllowingResource()
        let chat = ChatService(store: fixture.store, clock: fixture.clock, profile: profile)
        return (fixture, chat, ChatCaller(rawId: adele.rawId, home: .tenant(tenant.id), scopes: [.chat]), adele)
    }

    @Test(arguments: InteropProfile.allCases)
    func ruleC1OrgUsersAddAppUsersOnlyUnderExtended(profile: InteropProfile) async throws {
        let (fixture, chat, adele, _) = try await setUp(profile)
        let alice = try await fixture.user()
        let (thread, invalid) = try await chat.createThread(
            by: adele,
            topic: "t",
            participants: [ChatParticipant(rawId: alice.user.rawId)],
            idempotencyKey: nil
        )
        if profile == .faithful {
            #expect(invalid.first?.detailCode == "OrgUserCannotAddAppUser")
            #expect(thread.resourceId == nil)
        } else {
            #expect(invalid.isEmpty)
            #expect(thread.resourceId == fixture.resource.immutableId)
            // The app user now sees the chat the Teams user started.
            #expect(try await chat.thread(thread.id, for: alice.chatCaller).id == thread.id)
        }
    }

    @Test func underExtendedTheOrgCreatorStillPassesTheGate() async throws {
        let (fixture, chat, adele, person) = try await setUp(.extended)
        _ = try await fixture.directory.updateUser(person.id, in: person.tenantId, coexistenceMode: .sfbOnly)
        let alice = try await fixture.user()
        let error = await #expect(throws: ParleyError.self) {
            try await chat.createThread(by: adele, topic: "t", participants: [ChatParticipant(rawId: alice.user.rawId)], idempotencyKey: nil)
        }
        #expect(error?.wireCode == "TeamsChatNotAvailable")
    }

    @Test func ruleC3DeletingAChatRemovesTheOrgUsers() async throws {
        let (fixture, chat, adele, person) = try await setUp(.faithful)
        let alice = try await fixture.user()
        let (thread, _) = try await chat.createThread(
            by: alice.chatCaller,
            topic: "t",
            participants: [ChatParticipant(rawId: person.rawId)],
            idempotencyKey: nil
        )
        #expect(try await chat.threads(for: adele, startTime: nil, after: nil, pageSize: nil).items.map(\.id) == [thread.id])
        try await chat.deleteThread(thread.id, by: alice.chatCaller)
        #expect(try await chat.threads(for: adele, startTime: nil, after: nil, pageSize: nil).items.isEmpty)
        await #expect(throws: ParleyError.self) {
            try await chat.messages(in: thread.id, for: adele, startTime: nil, beforeSequence: nil, pageSize: nil)
        }
        // The app side keeps its own semantics: the deleted chat stays listed for the app user.
        #expect(try await chat.threads(for: alice.chatCaller, startTime: nil, after: nil, pageSize: nil).items.first?.deletedAt != nil)
    }
}

@Suite struct AttachmentRuleTests {
    @Test(arguments: InteropProfile.allCases)
    func ruleC2AppUsersSendFilesToTeamsUsersOnlyUnderExtended(profile: InteropProfile) async throws {
        let fixture = try await CoreFixture()
        let (_, adele) = try await fixture.contosoAllowingResource()
        let chat = ChatService(store: fixture.store, clock: fixture.clock, profile: profile)
        let alice = try await fixture.user()
        let file = ChatAttachmentDraft(id: "f", name: "plan.docx", content: .file(url: "https://example.com/plan.docx"))

        let (appOnly, _) = try await chat.createThread(by: alice.chatCaller, topic: "t", participants: [], idempotencyKey: nil)
        _ = try await chat.sendMessage(
            to: appOnly.id,
            by: alice.chatCaller,
            type: .text,
            content: "x",
            senderDisplayName: nil,
            metadata: nil,
            attachments: [file]
        )

        let (interop, _) = try await chat.createThread(
            by: alice.chatCaller,
            topic: "t",
            participants: [ChatParticipant(rawId: adele.rawId)],
            idempotencyKey: nil
        )
        if profile == .faithful {
            let error = await #expect(throws: ParleyError.self) {
                try await chat.sendMessage(
                    to: interop.id,
                    by: alice.chatCaller,
                    type: .text,
                    content: "x",
                    senderDisplayName: nil,
                    metadata: nil,
                    attachments: [file]
                )
            }
            #expect(error?.wireCode == "AppUserCannotSendFiles")
        } else {
            let sent = try await chat.sendMessage(
                to: interop.id,
                by: alice.chatCaller,
                type: .text,
                content: "x",
                senderDisplayName: nil,
                metadata: nil,
                attachments: [file]
            )
            #expect(sent.content.attachments?.map(\.url) == ["https://example.com/plan.docx"])
        }
    }

    @Test func imagesAreStoredForParticipantsAndGoWithADeletedMessage() async throws {
        let fixture = try await CoreFixture()
        let alice = try await fixture.user()
        let bob = try await fixture.user()
        let thread = try await fixture.thread(by: alice)
        let png = Data([0x89, 0x50, 0x4E, 0x47])
        let sent = try await fixture.chat.sendMessage(
            to: thread.id,
            by: alice.chatCaller,
            type: .html,
            content: "<img>",
            senderDisplayName: nil,
            metadata: nil,
            attachments: [ChatAttachmentDraft(id: "1", name: "1", content: .image(data: png, contentType: "image/png"))]
        )
        let imageId = try #require(sent.content.attachments?.first?.id)
        #expect(imageId != "1")  // server ids, not the sender's
        #expect(try await fixture.chat.image(imageId, in: thread.id, for: alice.chatCaller).data == png)
        await #expect(throws: ParleyError.self) { try await fixture.chat.image(imageId, in: thread.id, for: bob.chatCaller) }
        try await fixture.chat.deleteMessage(sent.id, in: thread.id, by: alice.chatCaller)
        await #expect(throws: ParleyError.self) { try await fixture.chat.image(imageId, in: thread.id, for: alice.chatCaller) }
    }
}

@Suite struct InteropOnTheMessagePathTests {
    @Test func anOrganizationWithdrawingInteropStopsMessagesBothWays() async throws {
        let fixture = try await CoreFixture()
        let tenant = try await fixture.directory.createTenant(displayName: "Contoso", domain: "contoso.com")
        let adele = try await fixture.directory.addUser(to: tenant.id, displayName: "Adele", userPrincipalName: "adele@contoso.com")
        let allowed = AcsFederationConfiguration(enableAcsUsers: true, allowedAcsResources: [fixture.resource.immutableId])
        _ = try await fixture.directory.setFederation(allowed, of: tenant.id)
        let alice = try await fixture.user()
        let adeleCaller = ChatCaller(rawId: adele.rawId, home: .tenant(tenant.id), scopes: [.chat])
        let (thread, _) = try await fixture.chat.createThread(
            by: alice.chatCaller,
            topic: "t",
            participants: [ChatParticipant(rawId: adele.rawId)],
            idempotencyKey: nil
        )
        try await fixture.send("before", to: thread.id, by: alice.chatCaller)
        try await fixture.send("reply", to: thread.id, by: adeleCaller)

        var blocked = allowed
        blocked.blockedAcsResources = [fixture.resource.immutableId]
        _ = try await fixture.directory.setFederation(blocked, of: tenant.id)
        let fromApp = await #expect(throws: ParleyError.self) { try await fixture.send("after", to: thread.id, by: alice.chatCaller) }
        #expect(fromApp?.wireCode == "AcsResourceBlocked")
        let fromTeams = await #expect(throws: ParleyError.self) { try await fixture.send("after", to: thread.id, by: adeleCaller) }
        #expect(fromTeams?.wireCode == "AcsResourceBlocked")
        #expect(try await fixture.allMessages(in: thread.id, for: alice.chatCaller).compactMap(\.content.message) == ["reply", "before"])
    }
}

@Suite struct LargeThreadRuleTests {
    /// Rule C4 holds for Teams users too: typing and receipts only up to 20 participants.
    @Test func teamsUsersGetNoTypingOrReceiptsInLargeThreadsEither() async throws {
        let fixture = try await CoreFixture()
        let (tenant, adele) = try await fixture.contosoAllowingResource()
        let alice = try await fixture.user()
        var members = [ChatParticipant(rawId: adele.rawId)]
        for _ in 0..<19 {
            let (user, _) = try await fixture.identities.createUser(in: fixture.resource, tokenScopes: nil, expiresInMinutes: nil)
            members.append(ChatParticipant(rawId: user.rawId))
        }
        let (thread, invalid) = try await fixture.chat.createThread(by: alice.chatCaller, topic: "t", participants: members, idempotencyKey: nil)
        #expect(invalid.isEmpty)
        let adeleCaller = ChatCaller(rawId: adele.rawId, home: .tenant(tenant.id), scopes: [.chat])
        let message = try await fixture.send("hi", to: thread.id, by: alice.chatCaller)
        let typing = await #expect(throws: ParleyError.self) {
            try await fixture.chat.sendTypingNotification(in: thread.id, by: adeleCaller, senderDisplayName: nil)
        }
        #expect(typing?.wireCode == "ThreadTooLarge")
        let receipt = await #expect(throws: ParleyError.self) {
            try await fixture.chat.sendReadReceipt(for: message.id, in: thread.id, by: adeleCaller)
        }
        #expect(receipt?.wireCode == "ThreadTooLarge")
    }
}
