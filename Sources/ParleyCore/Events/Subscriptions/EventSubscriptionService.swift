import Foundation
import ParleyAPI

/// The operator's use cases for event subscriptions, and the validation handshakes that must
/// succeed before a subscription receives anything (docs/events.md).
public struct EventSubscriptionService: Sendable {
    /// How long a receiver has to validate by hand (a GET of the validation URL).
    public static let manualValidationWindow: TimeInterval = 300

    private let store: any ParleyStore
    private let clock: any WallClock
    private let ids: any IdentifierGenerator
    private let transport: any WebhookTransport
    private let tokens: (any DeliveryTokenIssuer)?
    private let allowPlainHttp: Bool
    /// The URL of manual validation for a subscription id and validation code.
    private let validationURL: @Sendable (UUID, String) -> String
    /// Told after every change, so the deliveries follow at once.
    private let changes: CommitNotifier

    public init(
        store: any ParleyStore,
        clock: any WallClock,
        ids: any IdentifierGenerator = RandomIdentifierGenerator(),
        transport: any WebhookTransport,
        tokens: (any DeliveryTokenIssuer)?,
        allowPlainHttp: Bool,
        validationURL: @escaping @Sendable (UUID, String) -> String,
        changes: CommitNotifier = CommitNotifier(bufferSize: 1)
    ) {
        self.store = store
        self.clock = clock
        self.ids = ids
        self.transport = transport
        self.tokens = tokens
        self.allowPlainHttp = allowPlainHttp
        self.validationURL = validationURL
        self.changes = changes
    }

    /// Subscription changes (created, updated, validated, deleted), for the delivery service.
    public var changeNotifications: CommitNotifier { changes }

    /// The `topic` (CloudEvents `source`) of a resource's events. Parley has no Azure
    /// subscription or resource group; their segments are fixed (docs/events.md).
    public static func topic(of resource: CommunicationResource) -> String {
        topic(ofResourceNamed: resource.name)
    }

    public static func topic(ofResourceNamed name: String) -> String {
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/parley/providers/Microsoft.Communication/communicationServices/\(name)"
    }

    // MARK: Reading

    public func subscriptions(of resource: CommunicationResource) async throws -> [EventSubscription] {
        try await store.subscriptions(resourceId: resource.immutableId)
    }

    public func subscription(_ name: String, of resource: CommunicationResource) async throws -> EventSubscription {
        guard let subscription = try await store.subscription(resourceId: resource.immutableId, name: name) else {
            throw ParleyError(.notFound, "Event subscription '\(name)' of resource '\(resource.name)' was not found.", target: "subscriptionName")
        }
        return subscription
    }

    // MARK: Changing

    /// Creates a subscription and runs its validation handshake: it comes back succeeded, or
    /// awaiting manual validation; a failed handshake is a 400 and leaves nothing behind.
    public func create(_ name: String, of resource: CommunicationResource, definition: EventSubscriptionDefinition) async throws -> EventSubscription
    {
        try EventSubscriptionRules.validateName(name)
        try await validate(definition)
        if try await store.subscription(resourceId: resource.immutableId, name: name) != nil {
            throw ParleyError(.conflict, "Resource '\(resource.name)' already has an event subscription named '\(name)'.", target: "name")
        }
        let now = clock.now()
        let code = ids.uuid().uuidString.uppercased()
        let subscription = EventSubscription(
            id: ids.uuid(),
            resourceId: resource.immutableId,
            name: name,
            definition: definition,
            state: .creating,
            validationCode: code,
            validationExpiresAt: now.addingTimeInterval(Self.manualValidationWindow),
            createdAt: now,
            updatedAt: now
        )
        try await store.insertSubscription(subscription, event: event(.eventSubscriptionCreated, subscription, now))
        return try await validateAndResolve(subscription, definition: definition, resource: resource, code: code, creating: true)
    }

    /// Replaces the definition. A new endpoint or schema (or a subscription that is not active)
    /// is validated again first; if that fails, nothing changes (400).
    public func update(
        _ name: String,
        of resource: CommunicationResource,
        to definition: EventSubscriptionDefinition
    ) async throws -> EventSubscription {
        try await validate(definition)
        let existing = try await subscription(name, of: resource)
        let now = clock.now()
        let revalidate =
            existing.state != .succeeded || existing.definition.endpointUrl != definition.endpointUrl
            || existing.definition.schema != definition.schema || existing.definition.entraAuthentication != definition.entraAuthentication
        guard revalidate else {
            guard
                let updated = try await store.updateDefinition(
                    of: existing.id,
                    to: definition,
                    at: now,
                    event: event(.eventSubscriptionUpdated, existing, now)
                )
            else { throw ParleyError(.notFound, "Event subscription '\(name)' was not found.", target: "subscriptionName") }
            changes.notify()
            return updated
        }
        let code = ids.uuid().uuidString.uppercased()
        guard
            try await store.beginValidation(
                of: existing.id,
                code: code,
                expiresAt: now.addingTimeInterval(Self.manualValidationWindow),
                pendingDefinition: definition
            )
        else { throw ParleyError(.notFound, "Event subscription '\(name)' was not found.", target: "subscriptionName") }
        return try await validateAndResolve(existing, definition: definition, resource: resource, code: code, creating: false)
    }

    public func delete(_ name: String, of resource: CommunicationResource) async throws {
        let existing = try await subscription(name, of: resource)
        _ = try await store.deleteSubscription(id: existing.id, event: event(.eventSubscriptionDeleted, existing, clock.now()))
        changes.notify()
    }

    /// A GET of the validation URL: validates the subscription if `code` is its pending
    /// validation's and the window is open.
    public func validateManually(subscriptionId: UUID, code: String) async throws {
        guard let subscription = try await store.subscription(id: subscriptionId) else {
            throw ParleyError(.notFound, "There is no event subscription to validate here.", target: "id")
        }
        let now = clock.now()
        guard subscription.validationCode == code else {
            // Validating an active subscription again is harmless.
            if subscription.state == .succeeded { return }
            throw ParleyError(.badRequest, wireCode: "InvalidValidationCode", "The validation code is not the pending one.", target: "code")
        }
        guard let expires = subscription.validationExpiresAt, expires > now else {
            throw ParleyError(
                .badRequest,
                wireCode: "ValidationWindowClosed",
                "The validation window of 5 minutes has closed; update the subscription to validate it again.",
                target: "code"
            )
        }
        switch try await store.resolveValidation(
            of: subscriptionId,
            code: code,
            outcome: .validated,
            at: now,
            event: event(.eventSubscriptionValidated, subscription, now)
        ) {
        case .applied: changes.notify()
        case .stale: throw ParleyError(.badRequest, wireCode: "InvalidValidationCode", "The validation code is not the pending one.", target: "code")
        }
    }

    /// Subscriptions whose manual validation window closed become failed; returns how many.
    @discardableResult
    public func failExpiredValidations() async throws -> Int {
        let now = clock.now()
        let failed = try await store.failExpiredValidations(at: now) { subscription in
            DomainEvent(
                kind: .eventSubscriptionFailed,
                resourceId: subscription.resourceId.uuidString.lowercased(),
                subject: subscription.name,
                occurredAt: now,
                data: ["reason": "ValidationWindowClosed"]
            )
        }
        if !failed.isEmpty { changes.notify() }
        return failed.count
    }

    // MARK: Handshakes

    /// How a validation handshake went.
    enum Handshake: Equatable {
        case validated
        /// The endpoint acknowledged without the code: it validates by hand.
        case manual
        case failed(String)
    }

    private func validateAndResolve(
        _ subscription: EventSubscription,
        definition: EventSubscriptionDefinition,
        resource: CommunicationResource,
        code: String,
        creating: Bool
    ) async throws -> EventSubscription {
        let handshake = await self.handshake(subscription, definition: definition, resource: resource, code: code)
        let now = clock.now()
        let outcome: ValidationOutcome
        let kind: DomainEvent.Kind
        switch handshake {
        case .validated: (outcome, kind) = (.validated, .eventSubscriptionValidated)
        case .manual: (outcome, kind) = (.awaitingManualAction(until: now.addingTimeInterval(Self.manualValidationWindow)), .eventSubscriptionUpdated)
        case .failed: (outcome, kind) = (.failed, creating ? .eventSubscriptionDeleted : .eventSubscriptionUpdated)
        }
        let resolution = try await store.resolveValidation(
            of: subscription.id,
            code: code,
            outcome: outcome,
            at: now,
            event: event(kind, subscription, now)
        )
        changes.notify()
        if case .failed(let reason) = handshake, resolution != .stale {
            throw ParleyError(
                .validation,
                wireCode: "WebhookValidationFailed",
                "Webhook validation handshake failed for \(definition.endpointUrl): \(reason)",
                target: "destination.endpointUrl"
            )
        }
        // Stale: validated by hand while the handshake ran (or deleted meanwhile).
        if case .applied(let stored?) = resolution { return stored }
        return try await self.subscription(subscription.name, of: resource)
    }

    /// Runs the schema's handshake against the endpoint of `definition`.
    func handshake(
        _ subscription: EventSubscription,
        definition: EventSubscriptionDefinition,
        resource: CommunicationResource,
        code: String
    ) async -> Handshake {
        var headers = definition.deliveryHeaders.map { ($0.name, $0.value) }
        if let entra = definition.entraAuthentication, let tokens {
            guard let (token, _) = try? await tokens.deliveryToken(for: entra, at: clock.now()) else {
                return .failed("no token could be issued for the app registration")
            }
            headers.append(("Authorization", "Bearer \(token)"))
        }
        switch definition.schema {
        case .eventGrid:
            let event = EventGridEvent(
                id: ids.uuid().uuidString.lowercased(),
                topic: Self.topic(of: resource),
                subject: "",
                eventType: CommunicationEventType.subscriptionValidation,
                eventTime: WireTimestamp.rfc3339Milliseconds(clock.now()),
                data: SubscriptionValidationEventData(validationCode: code, validationUrl: validationURL(subscription.id, code)),
                dataVersion: "1",
                metadataVersion: "1"
            )
            headers += [
                (EventGridHeaders.eventType, EventGridHeaders.subscriptionValidation),
                (EventGridHeaders.subscriptionName, subscription.name.uppercased()),
                (EventGridHeaders.deliveryCount, "0"),
                (EventGridHeaders.dataVersion, "1"),
                (EventGridHeaders.metadataVersion, "1"),
                ("Content-Type", EventGridHeaders.eventGridJSON),
            ]
            let body = (try? ParleyJSON.encoder().encode([event])) ?? Data()
            let response = await transport.send(WebhookRequest(method: .post, url: definition.endpointUrl, headers: headers, body: body))
            guard let status = response.status else {
                return .failed("no answer (\(response.result.outcome.rawValue))")
            }
            guard status == 200 else { return .failed("the endpoint answered HTTP \(status); validation needs 200") }
            guard let echo = try? ParleyJSON.decoder().decode(SubscriptionValidationResponse.self, from: response.body) else { return .manual }
            return echo.validationResponse == code ? .validated : .failed("validationResponse is not the validation code")
        case .cloudEvents:
            headers += [(EventGridHeaders.requestOrigin, EventGridOrigin.name), ("WebHook-Request-Rate", "120")]
            let response = await transport.send(WebhookRequest(method: .options, url: definition.endpointUrl, headers: headers))
            guard let status = response.status else {
                return .failed("no answer to the OPTIONS abuse-protection request (\(response.result.outcome.rawValue))")
            }
            guard status == 200 else { return .failed("the endpoint answered OPTIONS with HTTP \(status); it needs 200") }
            let allowed = (response.header(EventGridHeaders.allowedOrigin) ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard allowed.contains(where: { $0 == "*" || $0.caseInsensitiveCompare(EventGridOrigin.name) == .orderedSame }) else {
                return .failed("the OPTIONS answer has no WebHook-Allowed-Origin granting \(EventGridOrigin.name)")
            }
            return .validated
        }
    }

    // MARK: Rules

    private func validate(_ definition: EventSubscriptionDefinition) async throws {
        try EventSubscriptionRules.validate(definition, allowPlainHttp: allowPlainHttp)
        guard let entra = definition.entraAuthentication else { return }
        guard try await store.tenant(id: entra.tenantId) != nil else {
            throw EventSubscriptionRules.invalid(
                "destination.azureActiveDirectoryTenantId",
                "There is no organization (tenant) '\(entra.tenantId.uuidString.lowercased())' here to issue delivery tokens."
            )
        }
        if let appId = UUID(uuidString: entra.applicationIdOrUri) {
            guard let (app, _) = try await store.app(id: appId), app.tenantId == entra.tenantId else {
                throw EventSubscriptionRules.invalid(
                    "destination.azureActiveDirectoryApplicationIdOrUri",
                    "No app '\(entra.applicationIdOrUri)' is registered in tenant '\(entra.tenantId.uuidString.lowercased())'."
                )
            }
        }
    }

    private func event(_ kind: DomainEvent.Kind, _ subscription: EventSubscription, _ now: Date) -> DomainEvent {
        DomainEvent(
            kind: kind,
            resourceId: subscription.resourceId.uuidString.lowercased(),
            subject: subscription.name,
            occurredAt: now,
            data: ["subscriptionId": subscription.id.uuidString.lowercased()]
        )
    }
}
