import Foundation
import Hummingbird
import ParleyAPI
import ParleyCore

/// Fault rules on the wire: the admin API's bodies to the domain's rules and back, with every
/// unknown field and value refused by name.
enum FaultRuleWire {
    static let topFields: Set<String> = ["match", "action", "times", "durationSeconds"]
    static let matchFields: Set<String> = ["api", "operation", "method", "path", "resource", "identity", "thread"]
    static let actionFields: Set<String> = ["type", "status", "code", "message", "retryAfterSeconds", "milliseconds", "endReason"]
    static let actionTypes = ["status", "delay", "close", "endCall", "noAnswer", "decline"]

    /// Refuses fields the contract does not define, at any level (`match.apii` → 400 naming it).
    static func checkFields(_ body: Data) throws {
        guard !body.isEmpty, let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return }
        try check(object, allowed: topFields, prefix: "")
        if let match = object["match"] as? [String: Any] { try check(match, allowed: matchFields, prefix: "match.") }
        if let action = object["action"] as? [String: Any] {
            try check(action, allowed: actionFields, prefix: "action.")
            if let reason = action["endReason"] as? [String: Any] { try check(reason, allowed: ["code", "subCode"], prefix: "action.endReason.") }
        }
    }

    private static func check(_ object: [String: Any], allowed: Set<String>, prefix: String) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ParleyError(.badRequest, "Unknown field '\(prefix)\(unknown)'.", target: prefix + unknown)
        }
    }

    /// The domain's match and action for a request body.
    static func rule(from body: DevFaultCreateRequest) throws -> (FaultMatch, FaultAction) {
        let wire = body.match ?? DevFaultMatchModel()
        var api: FaultAPI?
        if let name = wire.api {
            guard let known = FaultAPI.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
                let names = FaultAPI.allCases.map(\.rawValue).joined(separator: ", ")
                throw ParleyError(.validation, "match.api '\(name)' is not one of \(names).", target: "match.api")
            }
            api = known
        }
        let match = FaultMatch(
            api: api,
            operation: wire.operation,
            method: wire.method,
            path: wire.path,
            resource: wire.resource,
            identity: wire.identity,
            thread: wire.thread
        )
        return (match, try action(from: body.action))
    }

    private static func action(from wire: DevFaultActionModel) throws -> FaultAction {
        // Each type takes its own fields only: a field of another type is a mistake worth naming.
        func refuseOthers(_ allowed: Set<String>) throws {
            let given: [(String, Bool)] = [
                ("status", wire.status != nil), ("code", wire.code != nil), ("message", wire.message != nil),
                ("retryAfterSeconds", wire.retryAfterSeconds != nil), ("milliseconds", wire.milliseconds != nil),
                ("endReason", wire.endReason != nil),
            ]
            if let field = given.first(where: { $0.1 && !allowed.contains($0.0) })?.0 {
                throw ParleyError(.validation, "action.\(field) does not apply to a '\(wire.type)' fault.", target: "action.\(field)")
            }
        }
        switch wire.type {
        case "status":
            try refuseOthers(["status", "code", "message", "retryAfterSeconds"])
            guard let status = wire.status else {
                throw ParleyError(.validation, "A 'status' fault needs action.status (400 to 599).", target: "action.status")
            }
            let code = wire.code ?? defaultCode(for: status)
            return .respond(
                status: status,
                code: code,
                message: wire.message ?? "Injected fault (Parley development mode): \(status) \(code).",
                retryAfterSeconds: wire.retryAfterSeconds
            )
        case "delay":
            try refuseOthers(["milliseconds"])
            guard let milliseconds = wire.milliseconds else {
                throw ParleyError(.validation, "A 'delay' fault needs action.milliseconds.", target: "action.milliseconds")
            }
            return .delay(milliseconds: milliseconds)
        case "endCall":
            try refuseOthers(["endReason"])
            guard let reason = wire.endReason else {
                throw ParleyError(.validation, "An 'endCall' fault needs action.endReason {code, subCode}.", target: "action.endReason")
            }
            return .endCall(reason)
        case "close":
            try refuseOthers([])
            return .close
        case "noAnswer":
            try refuseOthers([])
            return .noAnswer
        case "decline":
            try refuseOthers([])
            return .decline
        default:
            throw ParleyError(
                .validation,
                "action.type '\(wire.type)' is not one of \(actionTypes.joined(separator: ", ")).",
                target: "action.type"
            )
        }
    }

    /// The code the service puts in its envelope for a status (`TooManyRequests` for 429, …).
    static func defaultCode(for status: Int) -> String {
        switch status {
        case 400: "BadRequest"
        case 401: "Denied"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 408: "RequestTimeout"
        case 409: "Conflict"
        case 429: "TooManyRequests"
        case 500: "InternalError"
        case 502: "BadGateway"
        case 503: "ServiceUnavailable"
        case 504: "GatewayTimeout"
        default: HTTPResponse.Status(code: status).reasonPhrase.replacingOccurrences(of: " ", with: "")
        }
    }

    static func model(_ rule: FaultRule) -> DevFaultRuleModel {
        DevFaultRuleModel(
            id: rule.id,
            match: DevFaultMatchModel(
                api: rule.match.api?.rawValue,
                operation: rule.match.operation,
                method: rule.match.method,
                path: rule.match.path,
                resource: rule.match.resource,
                identity: rule.match.identity,
                thread: rule.match.thread
            ),
            action: model(rule.action),
            remaining: rule.remaining,
            expiresAt: rule.expiresAt.map(WireTimestamp.rfc3339Milliseconds),
            createdAt: WireTimestamp.rfc3339Milliseconds(rule.createdAt),
            injected: rule.injected
        )
    }

    static func model(_ action: FaultAction) -> DevFaultActionModel {
        switch action {
        case .respond(let status, let code, let message, let retryAfter):
            DevFaultActionModel(type: action.kind, status: status, code: code, message: message, retryAfterSeconds: retryAfter)
        case .delay(let milliseconds): DevFaultActionModel(type: action.kind, milliseconds: milliseconds)
        case .endCall(let reason): DevFaultActionModel(type: action.kind, endReason: reason)
        case .close, .noAnswer, .decline: DevFaultActionModel(type: action.kind)
        }
    }
}
