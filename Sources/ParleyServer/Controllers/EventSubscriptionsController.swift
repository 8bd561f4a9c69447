import Foundation
import Hummingbird
import ParleyAPI
import ParleyCore

/// Event subscriptions of a resource (`/admin/resources/{name}/eventSubscriptions…`, admin
/// key), their dead letters, and the manual validation URL receivers GET (docs/events.md).
struct EventSubscriptionsController {
    let resources: ResourceService
    let subscriptions: EventSubscriptionService
    let store: any ParleyStore
    let deadLetters: DeadLetterDirectory
    let maxBodyBytes: Int

    /// The route receivers GET to validate by hand (no admin key: the code is the credential).
    static let validationPath = "eventGrid/validate"

    func addRoutes(to admin: RouterGroup<ParleyRequestContext>) {
        admin.get("resources/{name}/eventSubscriptions", use: list)
        admin.post("resources/{name}/eventSubscriptions", use: create)
        admin.get("resources/{name}/eventSubscriptions/{subscription}", use: show)
        admin.patch("resources/{name}/eventSubscriptions/{subscription}", use: update)
        admin.delete("resources/{name}/eventSubscriptions/{subscription}", use: delete)
        admin.get("resources/{name}/eventSubscriptions/{subscription}/deadLetters", use: listDeadLetters)
        admin.delete("resources/{name}/eventSubscriptions/{subscription}/deadLetters", use: purgeDeadLetters)
    }

    func addValidationRoute(to router: Router<ParleyRequestContext>) {
        router.get(RouterPath(Self.validationPath), use: validate)
    }

    // MARK: Routes

    @Sendable func list(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let resource = try await resource(context)
        var models: [EventSubscriptionModel] = []
        for subscription in try await subscriptions.subscriptions(of: resource) { models.append(try await model(subscription, resource)) }
        return try WireIO.json(EventSubscriptionList(value: models))
    }

    @Sendable func create(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let resource = try await resource(context)
        var request = request
        let body = try await decode(&request)
        guard let name = body.name else { throw ParleyError(.validation, "A subscription needs a 'name'.", target: "name") }
        let created = try await subscriptions.create(name, of: resource, definition: try Self.definition(from: body, over: nil))
        return try WireIO.json(try await model(created, resource), status: .created)
    }

    @Sendable func show(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let resource = try await resource(context)
        return try WireIO.json(try await model(try await subscriptions.subscription(try subscriptionName(context), of: resource), resource))
    }

    @Sendable func update(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let resource = try await resource(context)
        let name = try subscriptionName(context)
        var request = request
        let body = try await decode(&request)
        if let renamed = body.name, renamed != name {
            throw ParleyError(.validation, "A subscription cannot be renamed; create another one.", target: "name")
        }
        let existing = try await subscriptions.subscription(name, of: resource)
        let updated = try await subscriptions.update(name, of: resource, to: try Self.definition(from: body, over: existing.definition))
        return try WireIO.json(try await model(updated, resource))
    }

    @Sendable func delete(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let resource = try await resource(context)
        try await subscriptions.delete(try subscriptionName(context), of: resource)
        return WireIO.empty(.noContent)
    }

    @Sendable func listDeadLetters(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let resource = try await resource(context)
        let subscription = try await subscriptions.subscription(try subscriptionName(context), of: resource)
        let top = try request.uri.queryParameters.get("top").map { text -> Int in
            guard let value = Int(text), (1...10_000).contains(value) else {
                throw ParleyError(.validation, "top must be between 1 and 10000.", target: "top")
            }
            return value
        }
        let events = try deadLetters.events(resourceName: resource.name, subscriptionName: subscription.name, limit: top ?? 1000)
        return try WireIO.json(DeadLetterList(value: events))
    }

    @Sendable func purgeDeadLetters(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let resource = try await resource(context)
        let subscription = try await subscriptions.subscription(try subscriptionName(context), of: resource)
        try deadLetters.purge(resourceName: resource.name, subscriptionName: subscription.name)
        return WireIO.empty(.noContent)
    }

    /// `GET /eventGrid/validate?id=<subscription id>&code=<validation code>`.
    @Sendable func validate(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let id = query.get("id").flatMap(UUID.init(uuidString:)) else {
            throw ParleyError(.badRequest, "The validation URL needs the subscription 'id'.", target: "id")
        }
        guard let code = query.get("code"), !code.isEmpty else {
            throw ParleyError(.badRequest, "The validation URL needs the validation 'code'.", target: "code")
        }
        try await subscriptions.validateManually(subscriptionId: id, code: code)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: "Webhook successfully validated as a result of user's validate URL trigger.\n"))
        )
    }

    // MARK: Wire

    static let allowedFields: [String: Set<String>] = [
        "": ["name", "destination", "eventDeliverySchema", "filter", "retryPolicy"],
        "destination": [
            "endpointType", "endpointUrl", "maxEventsPerBatch", "preferredBatchSizeInKilobytes", "azureActiveDirectoryTenantId",
            "azureActiveDirectoryApplicationIdOrUri", "deliveryAttributeMappings",
        ],
        "destination.deliveryAttributeMappings[]": ["name", "type", "properties"],
        "destination.deliveryAttributeMappings[].properties": ["value", "isSecret"],
        "filter": ["includedEventTypes", "subjectBeginsWith", "subjectEndsWith", "isSubjectCaseSensitive", "advancedFilters"],
        "filter.advancedFilters[]": ["operatorType", "key", "value", "values"],
        "retryPolicy": ["maxDeliveryAttempts", "eventTimeToLiveInMinutes"],
    ]

    private func decode(_ request: inout Request) async throws -> EventSubscriptionRequest {
        let data = try await WireIO.body(of: &request, limit: maxBodyBytes)
        if let contentType = request.headers[.contentType]?.lowercased(), !contentType.hasPrefix("application/json") {
            throw ParleyError(.unsupportedMediaType, "Content-Type '\(contentType)' is not supported; send application/json.")
        }
        return try StrictJSON.decode(EventSubscriptionRequest.self, from: data, allowed: Self.allowedFields)
    }

    /// The definition a request asks for: on create, over the defaults; on update, over the
    /// current one (destination and retry policy field by field, the filter as a whole).
    static func definition(from body: EventSubscriptionRequest, over current: EventSubscriptionDefinition?) throws -> EventSubscriptionDefinition {
        guard var definition = current ?? body.destination?.endpointUrl.map({ EventSubscriptionDefinition(endpointUrl: $0) }) else {
            throw ParleyError(
                .validation,
                "A subscription needs a 'destination' with an 'endpointUrl'.",
                target: body.destination == nil ? "destination" : "destination.endpointUrl"
            )
        }
        if let destination = body.destination {
            if let type = destination.endpointType, type.caseInsensitiveCompare("WebHook") != .orderedSame {
                throw ParleyError(
                    .validation,
                    "endpointType '\(type)' is not supported; Parley delivers to webhooks ('WebHook').",
                    target: "destination.endpointType"
                )
            }
            if let url = destination.endpointUrl { definition.endpointUrl = url }
            if let value = destination.maxEventsPerBatch { definition.maxEventsPerBatch = value }
            if let value = destination.preferredBatchSizeInKilobytes { definition.preferredBatchSizeInKilobytes = value }
            switch (destination.azureActiveDirectoryTenantId, destination.azureActiveDirectoryApplicationIdOrUri) {
            case (nil, nil): break
            case (let tenant?, let app?):
                if tenant.isEmpty && app.isEmpty {
                    definition.entraAuthentication = nil
                    break
                }
                guard let tenantId = UUID(uuidString: tenant) else {
                    throw ParleyError(
                        .validation,
                        "azureActiveDirectoryTenantId must be a tenant id (GUID).",
                        target: "destination.azureActiveDirectoryTenantId"
                    )
                }
                definition.entraAuthentication = EntraDeliveryAuthentication(tenantId: tenantId, applicationIdOrUri: app)
            case (nil, _):
                throw ParleyError(
                    .validation,
                    "Entra-authenticated delivery needs azureActiveDirectoryTenantId too.",
                    target: "destination.azureActiveDirectoryTenantId"
                )
            case (_, nil):
                throw ParleyError(
                    .validation,
                    "Entra-authenticated delivery needs azureActiveDirectoryApplicationIdOrUri too.",
                    target: "destination.azureActiveDirectoryApplicationIdOrUri"
                )
            }
            if let mappings = destination.deliveryAttributeMappings {
                definition.deliveryHeaders = try mappings.enumerated().map { index, mapping in
                    let field = "destination.deliveryAttributeMappings[\(index)]"
                    guard let name = mapping.name else {
                        throw ParleyError(.validation, "A delivery header needs a 'name'.", target: field + ".name")
                    }
                    guard (mapping.type ?? "Static").caseInsensitiveCompare("Static") == .orderedSame else {
                        throw ParleyError(.validation, "Only 'Static' delivery headers are supported.", target: field + ".type")
                    }
                    guard let value = mapping.properties?.value else {
                        throw ParleyError(.validation, "A static delivery header needs 'properties.value'.", target: field + ".properties.value")
                    }
                    return DeliveryHeader(name: name, value: value, isSecret: mapping.properties?.isSecret ?? false)
                }
            }
        }
        if let schema = body.eventDeliverySchema {
            guard let parsed = EventDeliverySchema.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(schema) == .orderedSame }) else {
                throw ParleyError(
                    .validation,
                    "eventDeliverySchema must be EventGridSchema or CloudEventSchemaV1_0 (not '\(schema)').",
                    target: "eventDeliverySchema"
                )
            }
            definition.schema = parsed
        }
        if let filter = body.filter { definition.filter = try Self.filter(filter) }
        if let retry = body.retryPolicy {
            if let value = retry.maxDeliveryAttempts { definition.maxDeliveryAttempts = value }
            if let value = retry.eventTimeToLiveInMinutes { definition.eventTimeToLiveInMinutes = value }
        }
        return definition
    }

    private static func filter(_ model: EventSubscriptionFilterModel) throws -> EventFilter {
        let advanced = try (model.advancedFilters ?? []).enumerated().map { index, filter in
            let field = "filter.advancedFilters[\(index)]"
            guard let name = filter.operatorType,
                let op = AdvancedFilter.Operator.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(name) == .orderedSame })
            else {
                throw ParleyError(
                    .validation,
                    "operatorType must be one of \(AdvancedFilter.Operator.allCases.map(\.rawValue).joined(separator: ", ")).",
                    target: field + ".operatorType"
                )
            }
            guard let key = filter.key, !key.isEmpty else {
                throw ParleyError(.validation, "An advanced filter needs a 'key'.", target: field + ".key")
            }
            let values: [JSONValue]
            if op.takesSingleValue {
                guard filter.values == nil, let value = filter.value else {
                    throw ParleyError(.validation, "\(op.rawValue) takes one 'value' (not 'values').", target: field + ".value")
                }
                values = [value]
            } else if op.takesNoValue {
                guard filter.value == nil, filter.values == nil else {
                    throw ParleyError(.validation, "\(op.rawValue) takes no value.", target: field + ".values")
                }
                values = []
            } else {
                guard filter.value == nil, let given = filter.values else {
                    throw ParleyError(.validation, "\(op.rawValue) takes 'values' (an array).", target: field + ".values")
                }
                values = given
            }
            return AdvancedFilter(operatorType: op, key: key, values: values)
        }
        return EventFilter(
            includedEventTypes: model.includedEventTypes,
            subjectBeginsWith: model.subjectBeginsWith,
            subjectEndsWith: model.subjectEndsWith,
            isSubjectCaseSensitive: model.isSubjectCaseSensitive ?? false,
            advancedFilters: advanced
        )
    }

    private func model(_ subscription: EventSubscription, _ resource: CommunicationResource) async throws -> EventSubscriptionModel {
        let definition = subscription.definition
        let filter = definition.filter
        return EventSubscriptionModel(
            id: subscription.id.uuidString.lowercased(),
            name: subscription.name,
            resource: resource.name,
            topic: EventSubscriptionService.topic(of: resource),
            provisioningState: subscription.state.rawValue,
            destination: WebhookDestinationModel(
                endpointType: "WebHook",
                endpointUrl: definition.endpointUrl,
                maxEventsPerBatch: definition.maxEventsPerBatch,
                preferredBatchSizeInKilobytes: definition.preferredBatchSizeInKilobytes,
                azureActiveDirectoryTenantId: definition.entraAuthentication?.tenantId.uuidString.lowercased(),
                azureActiveDirectoryApplicationIdOrUri: definition.entraAuthentication?.applicationIdOrUri,
                deliveryAttributeMappings: definition.deliveryHeaders.map {
                    DeliveryAttributeMappingModel(name: $0.name, properties: .init(value: $0.isSecret ? nil : $0.value, isSecret: $0.isSecret))
                }
            ),
            eventDeliverySchema: definition.schema.rawValue,
            filter: EventSubscriptionFilterModel(
                includedEventTypes: filter.includedEventTypes,
                subjectBeginsWith: filter.subjectBeginsWith,
                subjectEndsWith: filter.subjectEndsWith,
                isSubjectCaseSensitive: filter.isSubjectCaseSensitive,
                advancedFilters: filter.advancedFilters.map { advanced in
                    AdvancedFilterModel(
                        operatorType: advanced.operatorType.rawValue,
                        key: advanced.key,
                        value: advanced.operatorType.takesSingleValue ? advanced.values.first : nil,
                        values: advanced.operatorType.takesSingleValue || advanced.operatorType.takesNoValue ? nil : advanced.values
                    )
                }
            ),
            retryPolicy: RetryPolicyModel(
                maxDeliveryAttempts: definition.maxDeliveryAttempts,
                eventTimeToLiveInMinutes: definition.eventTimeToLiveInMinutes
            ),
            deadLetterDirectory: deadLetters.directory(resourceName: resource.name, subscriptionName: subscription.name).path,
            createdOn: WireTimestamp.rfc3339(subscription.createdAt),
            updatedOn: WireTimestamp.rfc3339(subscription.updatedAt),
            validationExpiresOn: subscription.state == .awaitingManualAction ? subscription.validationExpiresAt.map(WireTimestamp.rfc3339) : nil,
            deliveryState: DeliveryStateModel(
                cursor: subscription.delivery.cursor,
                logPositionsBehind: max(0, (try await store.eventLogBounds()?.last ?? 0) - subscription.delivery.cursor),
                pendingRetries: try await store.retryCount(of: subscription.id),
                consecutiveFailures: subscription.delivery.consecutiveFailures,
                lastDeliveryOutcome: subscription.delivery.lastOutcome?.rawValue,
                lastDeliveryAttemptTime: subscription.delivery.lastAttemptAt.map(WireTimestamp.rfc3339Milliseconds),
                probationUntil: subscription.delivery.probationUntil.map(WireTimestamp.rfc3339Milliseconds)
            )
        )
    }

    private func resource(_ context: ParleyRequestContext) async throws -> CommunicationResource {
        try await resources.resource(named: try WireIO.pathParameter("name", in: context))
    }

    private func subscriptionName(_ context: ParleyRequestContext) throws -> String {
        try WireIO.pathParameter("subscription", in: context)
    }
}
