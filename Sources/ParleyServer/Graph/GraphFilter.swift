import Foundation
import ParleyCore

/// The `$filter` subset Parley supports on `/v1.0/users`: `eq` and `startswith` on `id`,
/// `userPrincipalName`, `mail` and `displayName`, combined with `and` / `or` (`and` binds
/// tighter). Values are single-quoted with `''` for a quote, and compared without regard to case.
indirect enum GraphFilter: Equatable {
    case equals(property: String, value: String)
    case startsWith(property: String, value: String)
    case and(GraphFilter, GraphFilter)
    case or(GraphFilter, GraphFilter)

    static let properties = ["id", "userPrincipalName", "mail", "displayName"]

    /// Parses a `$filter` expression, or throws `Request_UnsupportedQuery`.
    static func parse(_ text: String) throws -> GraphFilter {
        var parser = Parser(text: text)
        let filter = try parser.orExpression()
        parser.skipSpaces()
        guard parser.atEnd else { throw unsupported("Unexpected text after the expression: '\(parser.rest)'.") }
        return filter
    }

    func matches(_ user: OrgUser) -> Bool {
        switch self {
        case .equals(let property, let value): Self.value(of: property, user)?.lowercased() == value.lowercased()
        case .startsWith(let property, let value): Self.value(of: property, user)?.lowercased().hasPrefix(value.lowercased()) ?? false
        case .and(let left, let right): left.matches(user) && right.matches(user)
        case .or(let left, let right): left.matches(user) || right.matches(user)
        }
    }

    private static func value(of property: String, _ user: OrgUser) -> String? {
        switch property {
        case "id": user.id.uuidString.lowercased()
        case "userPrincipalName": user.userPrincipalName
        case "mail": user.mail
        default: user.displayName
        }
    }

    static func unsupported(_ message: String) -> ParleyError {
        ParleyError(.badRequest, wireCode: "Request_UnsupportedQuery", "Unsupported query: \(message)")
    }

    private struct Parser {
        let characters: [Character]
        var index = 0

        init(text: String) { self.characters = Array(text) }

        var atEnd: Bool { index >= characters.count }
        var rest: String { String(characters[index...]) }

        mutating func skipSpaces() {
            while !atEnd, characters[index] == " " { index += 1 }
        }

        mutating func orExpression() throws -> GraphFilter {
            var left = try andExpression()
            while keyword("or") { left = .or(left, try andExpression()) }
            return left
        }

        mutating func andExpression() throws -> GraphFilter {
            var left = try term()
            while keyword("and") { left = .and(left, try term()) }
            return left
        }

        mutating func term() throws -> GraphFilter {
            skipSpaces()
            if keyword("startswith") {
                try expect("(")
                let property = try self.property()
                try expect(",")
                let value = try quoted()
                try expect(")")
                return .startsWith(property: property, value: value)
            }
            let property = try self.property()
            guard keyword("eq") else { throw GraphFilter.unsupported("only 'eq' and 'startswith' are supported.") }
            return .equals(property: property, value: try quoted())
        }

        mutating func property() throws -> String {
            skipSpaces()
            var name = ""
            while !atEnd, characters[index].isLetter || characters[index].isNumber {
                name.append(characters[index])
                index += 1
            }
            guard let property = GraphFilter.properties.first(where: { $0.lowercased() == name.lowercased() }) else {
                throw GraphFilter.unsupported("filtering on '\(name)' is not supported; use \(GraphFilter.properties.joined(separator: ", ")).")
            }
            return property
        }

        mutating func quoted() throws -> String {
            skipSpaces()
            guard !atEnd, characters[index] == "'" else { throw GraphFilter.unsupported("expected a quoted value.") }
            index += 1
            var value = ""
            while !atEnd {
                if characters[index] == "'" {
                    if index + 1 < characters.count, characters[index + 1] == "'" {
                        value.append("'")
                        index += 2
                        continue
                    }
                    index += 1
                    return value
                }
                value.append(characters[index])
                index += 1
            }
            throw GraphFilter.unsupported("unterminated quoted value.")
        }

        mutating func expect(_ symbol: Character) throws {
            skipSpaces()
            guard !atEnd, characters[index] == symbol else { throw GraphFilter.unsupported("expected '\(symbol)'.") }
            index += 1
        }

        /// Consumes `word` (any case) when it comes next as a whole word.
        mutating func keyword(_ word: String) -> Bool {
            skipSpaces()
            let end = index + word.count
            guard end <= characters.count, String(characters[index..<end]).lowercased() == word else { return false }
            if end < characters.count, characters[end].isLetter { return false }
            index = end
            return true
        }
    }
}
