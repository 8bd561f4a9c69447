import Foundation
import ParleyAPI
import ParleyCore

/// Strict JSON bodies for contracts that refuse what they do not define, at every depth: an
/// unknown field, a value of the wrong type or malformed JSON is a 400 that names the field by
/// its path (`destination.endpointUrl`, `filter.advancedFilters[0].key`).
enum StrictJSON {
    /// Decodes `data` as `T` after checking every object's fields against `allowed`, which maps
    /// a path (`""` for the top level, `[]` after an array's name) to the fields allowed there.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, allowed: [String: Set<String>]) throws -> T {
        guard let object = try? JSONSerialization.jsonObject(with: data), object is [String: Any] else {
            throw ParleyError(.badRequest, "The request body must be a JSON object.")
        }
        try check(object, path: "", pattern: "", allowed: allowed)
        do {
            return try ParleyJSON.decoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            let (context, expected): (DecodingError.Context?, String) =
                switch error {
                case .typeMismatch(let type, let context): (context, "\(type)")
                case .valueNotFound(let type, let context): (context, "\(type)")
                case .dataCorrupted(let context): (context, "a valid value")
                case .keyNotFound(let key, let context): (context, "field '\(key.stringValue)'")
                @unknown default: (nil, "a valid value")
                }
            let field = path(of: context?.codingPath ?? [])
            throw ParleyError(.badRequest, "Invalid value at '\(field)': expected \(Self.friendly(expected)).", target: field.isEmpty ? nil : field)
        }
    }

    private static func check(_ value: Any, path: String, pattern: String, allowed: [String: Set<String>]) throws {
        if let object = value as? [String: Any] {
            guard let fields = allowed[pattern] else { return }
            for key in object.keys.sorted() {
                let field = path.isEmpty ? key : "\(path).\(key)"
                guard fields.contains(key) else { throw ParleyError(.badRequest, "Unknown field '\(field)'.", target: field) }
                try check(object[key]!, path: field, pattern: pattern.isEmpty ? key : "\(pattern).\(key)", allowed: allowed)
            }
        } else if let array = value as? [Any] {
            for (index, element) in array.enumerated() {
                try check(element, path: "\(path)[\(index)]", pattern: pattern + "[]", allowed: allowed)
            }
        }
    }

    private static func path(of codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    private static func friendly(_ type: String) -> String {
        switch type {
        case "Int", "Int64", "Optional<Int>": "an integer"
        case "String", "Optional<String>": "a string"
        case "Bool", "Optional<Bool>": "a boolean"
        case "Array<Any>", "Array<String>": "an array"
        case "Dictionary<String, Any>": "an object"
        default: type
        }
    }
}
