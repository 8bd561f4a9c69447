import Foundation

extension JSONValue {
    /// The value at `path` (object keys) in the JSON text `json`, read without parsing the rest:
    /// advanced filters look up one field of each event (`data.threadId`), where parsing the whole
    /// event was most of the cost of delivering it. Nil when the path is missing or the text is
    /// not valid JSON along the way.
    public static func lookup<Path: Collection<String>>(_ path: Path, in json: Data) -> JSONValue? {
        json.withUnsafeBytes { raw in
            var scanner = JSONScanner(bytes: raw.bindMemory(to: UInt8.self))
            return scanner.find(path)
        }
    }
}

/// A forward-only reader of JSON text.
private struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard current == byte else { return false }
        index += 1
        return true
    }

    mutating func find<Path: Collection<String>>(_ path: Path) -> JSONValue? {
        var remaining = path[...]
        while let key = remaining.first {
            remaining = remaining.dropFirst()
            guard consume(UInt8(ascii: "{")) else { return nil }
            var found = false
            if consume(UInt8(ascii: "}")) { return nil }
            repeat {
                skipWhitespace()
                guard let name = parseString(), consume(UInt8(ascii: ":")) else { return nil }
                if name == key {
                    found = true
                    break
                }
                guard skipValue() else { return nil }
            } while consume(UInt8(ascii: ","))
            guard found else { return nil }
        }
        return parseValue()
    }

    /// A string at the current position (its opening quote), unescaped.
    private mutating func parseString() -> String? {
        guard current == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        var escaped = false
        while let byte = current, byte != UInt8(ascii: "\"") {
            if byte == UInt8(ascii: "\\") {
                escaped = true
                index += 1
            }
            index += 1
        }
        guard current == UInt8(ascii: "\"") else { return nil }
        let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
        index += 1
        guard escaped else { return String(decoding: slice, as: UTF8.self) }
        // Rare: let Foundation unescape it.
        var quoted = Data([UInt8(ascii: "\"")])
        quoted.append(contentsOf: slice)
        quoted.append(UInt8(ascii: "\""))
        return (try? JSONSerialization.jsonObject(with: quoted, options: [.fragmentsAllowed])) as? String
    }

    private mutating func skipValue() -> Bool {
        skipWhitespace()
        guard let byte = current else { return false }
        switch byte {
        case UInt8(ascii: "\""): return parseString() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while let next = current {
                switch next {
                case UInt8(ascii: "\""):
                    guard parseString() != nil else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                default: break
                }
                index += 1
            }
            return false
        default:
            while let next = current, next != UInt8(ascii: ","), next != UInt8(ascii: "}"), next != UInt8(ascii: "]") { index += 1 }
            return true
        }
    }

    private mutating func parseValue() -> JSONValue? {
        skipWhitespace()
        guard let byte = current else { return nil }
        switch byte {
        case UInt8(ascii: "\""): return parseString().map(JSONValue.string)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = index
            guard skipValue() else { return nil }
            let text = Data(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            return (try? JSONSerialization.jsonObject(with: text)).map(JSONValue.init(jsonObject:))
        default:
            let start = index
            _ = skipValue()
            let token = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self).trimmingCharacters(in: .whitespaces)
            switch token {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default: return Double(token).map(JSONValue.number)
            }
        }
    }
}
