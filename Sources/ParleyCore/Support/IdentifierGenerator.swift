import Foundation

/// Where new ids come from. Injected so tests can make them predictable.
public protocol IdentifierGenerator: Sendable {
    func uuid() -> UUID
}

/// Random (version 4) UUIDs.
public struct RandomIdentifierGenerator: IdentifierGenerator {
    public init() {}
    public func uuid() -> UUID { UUID() }
}
