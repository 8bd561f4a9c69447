import Foundation
import ParleyAPI
import Synchronization

/// The fault rules of a server in development mode: added, listed, removed and cleared through
/// the admin API, and asked by the adapters (HTTP, real-time, calling) about every request.
///
/// Rules are tried in the order they were added; the first live one that matches strikes, and
/// uses up one of its matches. A rule's duration runs on the server's clock, so a moved
/// development clock ends it too.
public final class FaultInjector: Sendable {
    private struct Book {
        var rules: [FaultRule] = []
    }

    /// The calling requests a rule's `operation` can name.
    public static let callingOperations: Set<String> = [
        "registerCallAgent", "startCall", "acceptCall", "rejectCall", "hangUp", "hold", "resume", "mute",
        "addParticipant", "removeParticipant", "transfer", "signal", "setRecording", "setTranscription",
    ]

    private let clock: any WallClock
    private let ids: any IdentifierGenerator
    private let onInjected: @Sendable (FaultRule, FaultRequest) -> Void
    private let book = Mutex(Book())

    /// - Parameter onInjected: told of every fault that strikes (the server logs and counts it).
    public init(
        clock: any WallClock,
        ids: any IdentifierGenerator,
        onInjected: @escaping @Sendable (FaultRule, FaultRequest) -> Void = { _, _ in }
    ) {
        self.clock = clock
        self.ids = ids
        self.onInjected = onInjected
    }

    /// Adds a rule that strikes `times` times (nil: any number) for `durationSeconds` (nil: until
    /// removed).
    public func add(match: FaultMatch, action: FaultAction, times: Int?, durationSeconds: Double?) throws -> FaultRule {
        try Self.validate(match: match, action: action, times: times, durationSeconds: durationSeconds)
        let now = clock.now()
        let rule = FaultRule(
            id: ids.uuid().uuidString.lowercased(),
            match: match,
            action: action,
            remaining: times,
            expiresAt: durationSeconds.map { now.addingTimeInterval($0).millisecondPrecision },
            createdAt: now
        )
        book.withLock { $0.rules.append(rule) }
        return rule
    }

    /// The live rules, oldest first.
    public func rules() -> [FaultRule] {
        let now = clock.now()
        return book.withLock { book in
            book.rules.removeAll { !$0.isLive(at: now) }
            return book.rules
        }
    }

    public func rule(_ id: String) throws -> FaultRule {
        guard let rule = rules().first(where: { $0.id == id.lowercased() }) else { throw Self.notFound(id) }
        return rule
    }

    public func remove(_ id: String) throws {
        let removed = book.withLock { book -> Bool in
            guard let index = book.rules.firstIndex(where: { $0.id == id.lowercased() }) else { return false }
            book.rules.remove(at: index)
            return true
        }
        guard removed else { throw Self.notFound(id) }
    }

    /// Removes every rule; returns how many there were.
    @discardableResult
    public func clear() -> Int {
        book.withLock { book in
            defer { book.rules = [] }
            return book.rules.count
        }
    }

    /// The fault that strikes `request`, if any (using up one match of its rule).
    public func fault(for request: FaultRequest) -> FaultAction? {
        let now = clock.now()
        let struck = book.withLock { book -> FaultRule? in
            guard !book.rules.isEmpty else { return nil }
            book.rules.removeAll { !$0.isLive(at: now) }
            guard let index = book.rules.firstIndex(where: { $0.match.matches(request) && $0.action.applies(to: request) }) else { return nil }
            book.rules[index].injected += 1
            if let remaining = book.rules[index].remaining { book.rules[index].remaining = remaining - 1 }
            let rule = book.rules[index]
            if !rule.isLive(at: now) { book.rules.remove(at: index) }
            return rule
        }
        guard let struck else { return nil }
        onInjected(struck, request)
        return struck.action
    }

    /// Whether any rule could strike requests of `api` (a cheap check before describing one).
    public func hasRules(for api: FaultAPI) -> Bool {
        book.withLock { book in book.rules.contains { $0.match.api == nil ? api.isMatchedWithoutName : $0.match.api == api } }
    }

    // MARK: Validation

    /// Refuses a rule that cannot work, naming the field (`match.api`, `action.status`, `times`, …).
    public static func validate(match: FaultMatch, action: FaultAction, times: Int?, durationSeconds: Double?) throws {
        guard action.applies(to: match.api) else {
            let fits =
                switch action {
                case .endCall: "'calling'"
                case .noAnswer, .decline: "'ringing'"
                default: "any API but 'ringing'"
                }
            throw ParleyError(.validation, "A '\(action.kind)' fault needs match.api \(fits).", target: "match.api")
        }
        if let operation = match.operation, match.api == .eventDelivery {
            guard (1...128).contains(operation.count) else {
                throw ParleyError(
                    .validation,
                    "match.operation (an event subscription's name) must be 1 to 128 characters.",
                    target: "match.operation"
                )
            }
        } else if let operation = match.operation {
            guard match.api == .calling || match.api == nil else {
                throw ParleyError(
                    .validation,
                    "match.operation names a calling request (match.api 'calling') or an event subscription (match.api 'eventDelivery').",
                    target: "match.operation"
                )
            }
            guard callingOperations.contains(where: { $0.lowercased() == operation.lowercased() }) else {
                throw ParleyError(
                    .validation,
                    "match.operation '\(operation)' is not a calling request (\(callingOperations.sorted().joined(separator: ", "))).",
                    target: "match.operation"
                )
            }
        }
        if let method = match.method, method.isEmpty || method.count > 16 || !method.allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw ParleyError(.validation, "match.method '\(method)' is not an HTTP method.", target: "match.method")
        }
        if let path = match.path, !path.hasPrefix("/") || path.count > 1024 {
            throw ParleyError(.validation, "match.path must start with '/' (at most 1024 characters).", target: "match.path")
        }
        for (value, field) in [(match.resource, "resource"), (match.identity, "identity"), (match.thread, "thread")] {
            if let value, value.isEmpty || value.count > 512 {
                throw ParleyError(.validation, "match.\(field) must be 1 to 512 characters.", target: "match.\(field)")
            }
        }
        switch action {
        case .respond(let status, let code, let message, let retryAfter):
            guard (400...599).contains(status) else {
                throw ParleyError(.validation, "action.status must be an error status, 400 to 599.", target: "action.status")
            }
            guard !code.isEmpty, code.count <= 128 else {
                throw ParleyError(.validation, "action.code must be 1 to 128 characters.", target: "action.code")
            }
            guard message.count <= 2048 else {
                throw ParleyError(.validation, "action.message is longer than 2048 characters.", target: "action.message")
            }
            if let retryAfter, !(0...86_400).contains(retryAfter) {
                throw ParleyError(.validation, "action.retryAfterSeconds must be 0 to 86400.", target: "action.retryAfterSeconds")
            }
        case .delay(let milliseconds):
            guard (1...120_000).contains(milliseconds) else {
                throw ParleyError(.validation, "action.milliseconds must be 1 to 120000.", target: "action.milliseconds")
            }
        case .endCall(let reason):
            guard (0...999).contains(reason.code) else { throw ParleyError(.validation, "action.code must be 0 to 999.", target: "action.code") }
            guard (0...999_999).contains(reason.subCode) else {
                throw ParleyError(.validation, "action.subCode must be 0 to 999999.", target: "action.subCode")
            }
        case .close, .noAnswer, .decline:
            break
        }
        if let times, times < 1 { throw ParleyError(.validation, "times must be at least 1.", target: "times") }
        if let durationSeconds, !(durationSeconds.isFinite && durationSeconds > 0) {
            throw ParleyError(.validation, "durationSeconds must be positive.", target: "durationSeconds")
        }
    }

    private static func notFound(_ id: String) -> ParleyError {
        ParleyError(.notFound, wireCode: "FaultRuleNotFound", "There is no fault rule '\(id)'.")
    }
}
