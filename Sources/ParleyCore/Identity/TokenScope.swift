/// What a user access token may be used for (`CommunicationTokenScope`).
public enum TokenScope: String, Sendable, CaseIterable, Comparable {
    /// Full chat.
    case chat
    /// Chat without creating, deleting or updating threads.
    case chatJoin = "chat.join"
    /// Like `chat.join`, and no adding or removing participants either.
    case chatJoinLimited = "chat.join.limited"
    /// Full calling.
    case voip
    /// Calling, but no starting new calls.
    case voipJoin = "voip.join"

    /// The bit of this scope in the token's `scp` claim. The real service's bit meanings are not
    /// published; Parley defines its own and reads scopes from `acsScope`, never from `scp`.
    var bit: Int {
        switch self {
        case .chat: 0x100
        case .chatJoin: 0x200
        case .chatJoinLimited: 0x400
        case .voip: 0x800
        case .voipJoin: 0x1000
        }
    }

    public static func < (lhs: TokenScope, rhs: TokenScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses the scopes of a request, or throws the validation error real ACS gives.
    /// - Parameter field: the request field name, for the error's `target`.
    static func parse(_ values: [String]?, field: String) throws(ParleyError) -> Set<TokenScope> {
        guard let values, !values.isEmpty else {
            throw ParleyError(.validation, "\(field): The \(field) field is required.", target: field)
        }
        var scopes = Set<TokenScope>()
        for value in values {
            guard let scope = TokenScope(rawValue: value) else {
                let allowed = allCases.map(\.rawValue).joined(separator: ", ")
                throw ParleyError(.validation, "Scope '\(value)' is invalid. Valid scopes: \(allowed).", target: field)
            }
            scopes.insert(scope)
        }
        return scopes
    }
}
