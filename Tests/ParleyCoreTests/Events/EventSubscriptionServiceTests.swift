import Foundation
import ParleyAPI
import ParleyCore
import ParleySQLite
import Testing

/// Creating, validating, updating and refusing subscriptions.
@Suite struct EventSubscriptionServiceTests {
    @Test func anEndpointThatEchoesTheCodeIsValidatedAtOnce() async throws {
        let harness = try await EventsHarness()
        let before = try await harness.fixture.store.eventLogBounds()?.last ?? 0
        let subscription = try await harness.subscribe()
        #expect(subscription.state == .succeeded)
        let handshake = try #require(harness.endpoint.requests.first)
        #expect(handshake.method == .post)
        #expect(handshake.header("aeg-event-type") == "SubscriptionValidation")
        let event = try #require(try JSONDecoder().decode([EventGridEvent<SubscriptionValidationEventData>].self, from: handshake.body).first)
        #expect(event.eventType == "Microsoft.EventGrid.SubscriptionValidationEvent")
        #expect(event.data.validationUrl.contains("id=\(subscription.id)"))
        // Activation puts the cursor at the end of the log: nothing older is delivered.
        let after = try await harness.fixture.store.eventLogBounds()?.last ?? 0
        #expect(subscription.delivery.cursor > before && subscription.delivery.cursor <= after)
    }

    @Test func anEndpointThatOnlyAcknowledgesWaitsForManualValidation() async throws {
        let harness = try await EventsHarness()
        harness.endpoint.answer { _ in WebhookResponse(status: 200) }
        let subscription = try await harness.subscribe()
        #expect(subscription.state == .awaitingManualAction)
        let code = try #require(subscription.validationCode)
        await #expect(throws: ParleyError.self) { try await harness.service.validateManually(subscriptionId: subscription.id, code: "wrong") }
        harness.fixture.clock.advance(by: 299)
        try await harness.service.validateManually(subscriptionId: subscription.id, code: code)
        #expect(try await harness.stored(subscription).state == .succeeded)
    }

    @Test func theManualValidationWindowClosesAfterFiveMinutes() async throws {
        let harness = try await EventsHarness()
        harness.endpoint.answer { _ in WebhookResponse(status: 200) }
        let subscription = try await harness.subscribe()
        let code = try #require(subscription.validationCode)
        harness.fixture.clock.advance(by: 300)
        #expect(try await harness.service.failExpiredValidations() == 1)
        #expect(try await harness.stored(subscription).state == .failed)
        let error = await #expect(throws: ParleyError.self) {
            try await harness.service.validateManually(subscriptionId: subscription.id, code: code)
        }
        #expect(error?.code == .badRequest)
        // A failed subscription delivers nothing.
        harness.endpoint.answer(status: 200)
        let alice = try await harness.fixture.user()
        _ = try await harness.fixture.thread(by: alice)
        #expect(try await harness.deliverer(for: subscription).pass() == .stop)
        #expect(harness.endpoint.deliveries.isEmpty)
    }

    @Test(arguments: [
        WebhookResponse(status: 500), WebhookResponse(status: 202), .failed(.socketError), .failed(.timedOut),
        WebhookResponse(status: 200, body: Data(#"{"validationResponse":"not-the-code"}"#.utf8)),
    ])
    func aFailedHandshakeIsA400AndCreatesNothing(answer: WebhookResponse) async throws {
        let harness = try await EventsHarness()
        harness.endpoint.answer { _ in answer }
        let error = await #expect(throws: ParleyError.self) { try await harness.subscribe() }
        #expect(error?.code == .validation)
        #expect(error?.wireCode == "WebhookValidationFailed")
        #expect(error?.target == "destination.endpointUrl")
        #expect(try await harness.service.subscriptions(of: harness.resource).isEmpty)
    }

    @Test func cloudEventsEndpointsGrantTheOriginOverOptions() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe(schema: .cloudEvents)
        #expect(subscription.state == .succeeded)
        let handshake = try #require(harness.endpoint.requests.first)
        #expect(handshake.method == .options)
        #expect(handshake.header("WebHook-Request-Origin") == "eventgrid.azure.net")

        harness.endpoint.answer { _ in WebhookResponse(status: 200) }  // no WebHook-Allowed-Origin
        await #expect(throws: ParleyError.self) { try await harness.subscribe("other", schema: .cloudEvents) }
        harness.endpoint.answer { _ in WebhookResponse(status: 405) }
        await #expect(throws: ParleyError.self) { try await harness.subscribe("third", schema: .cloudEvents) }
        #expect(try await harness.service.subscriptions(of: harness.resource).map(\.name) == ["sub"])
    }

    /// Definitions the admin API must refuse, and the field each error names.
    enum Invalid: String, CaseIterable, Sendable {
        case plainHttp, notAURL, otherScheme, batchTooLarge, batchSizeZero, tooManyAttempts, ttlTooLong, unknownEventType, noEventTypes
        case elevenHeaders, reservedHeader, unknownFilterKey, boolFilterWithString, unknownTenant

        var field: String {
            switch self {
            case .plainHttp, .notAURL, .otherScheme: "destination.endpointUrl"
            case .batchTooLarge: "destination.maxEventsPerBatch"
            case .batchSizeZero: "destination.preferredBatchSizeInKilobytes"
            case .tooManyAttempts: "retryPolicy.maxDeliveryAttempts"
            case .ttlTooLong: "retryPolicy.eventTimeToLiveInMinutes"
            case .unknownEventType, .noEventTypes: "filter.includedEventTypes"
            case .elevenHeaders, .reservedHeader: "destination.deliveryAttributeMappings"
            case .unknownFilterKey: "filter.advancedFilters[0].key"
            case .boolFilterWithString: "filter.advancedFilters[0].value"
            case .unknownTenant: "destination.azureActiveDirectoryTenantId"
            }
        }

        func apply(_ d: inout EventSubscriptionDefinition) {
            switch self {
            case .plainHttp: d.endpointUrl = "http://receiver.test/hook"
            case .notAURL: d.endpointUrl = "not a url"
            case .otherScheme: d.endpointUrl = "ftp://receiver.test/"
            case .batchTooLarge: d.maxEventsPerBatch = 5001
            case .batchSizeZero: d.preferredBatchSizeInKilobytes = 0
            case .tooManyAttempts: d.maxDeliveryAttempts = 31
            case .ttlTooLong: d.eventTimeToLiveInMinutes = 1441
            case .unknownEventType: d.filter.includedEventTypes = ["Microsoft.Communication.SMSReceived"]
            case .noEventTypes: d.filter.includedEventTypes = []
            case .elevenHeaders: d.deliveryHeaders = (0..<11).map { DeliveryHeader(name: "x-h\($0)", value: "v") }
            case .reservedHeader: d.deliveryHeaders = [DeliveryHeader(name: "aeg-event-type", value: "x")]
            case .unknownFilterKey: d.filter.advancedFilters = [AdvancedFilter(operatorType: .stringIn, key: "body", values: [.string("x")])]
            case .boolFilterWithString:
                d.filter.advancedFilters = [AdvancedFilter(operatorType: .boolEquals, key: "data.isTwoParty", values: [.string("yes")])]
            case .unknownTenant: d.entraAuthentication = EntraDeliveryAuthentication(tenantId: UUID(), applicationIdOrUri: "api://receiver")
            }
        }
    }

    @Test(arguments: Invalid.allCases)
    func invalidDefinitionsAreRefusedNamingTheField(invalid: Invalid) async throws {
        let harness = try await EventsHarness()
        let error = await #expect(throws: ParleyError.self) { try await harness.subscribe { invalid.apply(&$0) } }
        #expect(error?.code == .validation)
        #expect(error?.target == invalid.field)
        #expect(harness.endpoint.requests.isEmpty, "nothing is sent for an invalid subscription")
        #expect(try await harness.service.subscriptions(of: harness.resource).isEmpty)
    }

    @Test func plainHttpOnlyWhenTheOperatorAllowsIt() async throws {
        let harness = try await EventsHarness(allowPlainHttp: true)
        let subscription = try await harness.subscribe { $0.endpointUrl = "http://127.0.0.1:9/hook" }
        #expect(subscription.state == .succeeded)
    }

    @Test func namesAreUniquePerResourceAndWellFormed() async throws {
        let harness = try await EventsHarness()
        try await harness.subscribe("orders")
        let conflict = await #expect(throws: ParleyError.self) { try await harness.subscribe("orders") }
        #expect(conflict?.code == .conflict)
        let invalid = await #expect(throws: ParleyError.self) { try await harness.subscribe("a b") }
        #expect(invalid?.target == "name")
    }

    @Test func anUpdateToANewEndpointIsValidatedFirstAndChangesNothingIfThatFails() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe()
        var moved = subscription.definition
        moved.endpointUrl = "https://elsewhere.test/hook"
        harness.endpoint.answer { _ in WebhookResponse(status: 404) }
        await #expect(throws: ParleyError.self) { try await harness.service.update("sub", of: harness.resource, to: moved) }
        let unchanged = try await harness.stored(subscription)
        #expect(unchanged.definition.endpointUrl == "https://receiver.test/hook")
        #expect(unchanged.state == .succeeded)

        harness.endpoint.answer(status: 200)
        let updated = try await harness.service.update("sub", of: harness.resource, to: moved)
        #expect(updated.definition.endpointUrl == "https://elsewhere.test/hook")
        #expect(updated.state == .succeeded)
        #expect(updated.delivery.cursor == unchanged.delivery.cursor, "an active subscription keeps its place in the log")

        // A filter change needs no handshake.
        harness.endpoint.forget()
        var filtered = updated.definition
        filtered.filter.includedEventTypes = [CommunicationEventType.chatMessageReceived]
        _ = try await harness.service.update("sub", of: harness.resource, to: filtered)
        #expect(harness.endpoint.requests.isEmpty)
    }

    @Test func deletingASubscriptionDropsItsWaitingRetries() async throws {
        let harness = try await EventsHarness()
        let subscription = try await harness.subscribe()
        harness.endpoint.answer(status: 500)
        let alice = try await harness.fixture.user()
        _ = try await harness.fixture.thread(by: alice)
        try await harness.drain(harness.deliverer(for: subscription))
        #expect(try await harness.fixture.store.retryCount(of: subscription.id) > 0)
        try await harness.service.delete("sub", of: harness.resource)
        #expect(try await harness.fixture.store.retryCount(of: subscription.id) == 0)
        #expect(try await harness.fixture.store.subscription(id: subscription.id) == nil)
    }
}
