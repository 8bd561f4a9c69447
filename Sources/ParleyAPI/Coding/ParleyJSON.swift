import Foundation

/// The one place JSON coding is configured for every Parley wire type.
public enum ParleyJSON {
    /// An encoder that writes stable output (sorted keys) without escaping slashes.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// An encoder for frames encoded many times a second, one connection at a time, which no
    /// one compares byte for byte: key order is left as it comes (sorting costs).
    public static func frameEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        JSONDecoder()
    }
}

/// Timestamp formats of the ACS wire.
public enum WireTimestamp {
    /// RFC 3339 UTC with whole seconds: `2024-04-22T17:33:48Z` (Chat, admin).
    public static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt))
    }

    /// RFC 3339 UTC with milliseconds: `2024-01-01T00:00:00.000Z` (what the SDKs send).
    public static func rfc3339Milliseconds(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    /// Parses the timestamps clients send: RFC 3339 with or without fractional seconds, with
    /// `Z` or an offset (`2024-01-01T00:00:00.000Z`, `2024-01-01T00:00:00+00:00`).
    public static func parse(_ text: String) -> Date? {
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        let whole = Date.ISO8601FormatStyle(includingFractionalSeconds: false)
        return (try? fractional.parse(text)) ?? (try? whole.parse(text))
    }

    /// ISO 8601 with seven fractional digits and an offset: `2024-04-23T17:33:47.9638563+00:00`,
    /// the form of the Identity API's `expiresOn`.
    public static func identityExpiry(_ date: Date) -> String {
        let whole = date.timeIntervalSince1970.rounded(.down)
        let ticks = Int(((date.timeIntervalSince1970 - whole) * 10_000_000).rounded(.down))
        let base = Date(timeIntervalSince1970: whole)
            .formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: false, timeZone: .gmt))
            .dropLast()  // the "Z"
        let fraction = String(ticks)
        return "\(base).\(String(repeating: "0", count: max(0, 7 - fraction.count)))\(fraction)+00:00"
    }
}
