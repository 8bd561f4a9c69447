import Configuration
import ParleyCore

/// How long calls ring and wait for dropped endpoints.
public struct CallingConfiguration: Sendable, Equatable {
    /// How long a call rings before it ends with 487/10004 (ACS: 85 s).
    public var ringingTimeoutSeconds: Double = 85
    /// How long a participant whose connection dropped stays in its calls (ACS: 2 minutes).
    public var reconnectGraceSeconds: Double = 120

    public init() {}

    /// Reads `calling.ringingTimeoutSeconds` and `calling.reconnectGraceSeconds`.
    init(reader: ConfigReader) throws {
        ringingTimeoutSeconds = reader.double(forKey: "calling.ringingTimeoutSeconds", default: ringingTimeoutSeconds)
        reconnectGraceSeconds = reader.double(forKey: "calling.reconnectGraceSeconds", default: reconnectGraceSeconds)
        guard ringingTimeoutSeconds > 0, ringingTimeoutSeconds <= 3600 else {
            throw ConfigurationError("calling.ringingTimeoutSeconds must be in (0, 3600]")
        }
        guard reconnectGraceSeconds >= 0, reconnectGraceSeconds <= 3600 else {
            throw ConfigurationError("calling.reconnectGraceSeconds must be in [0, 3600]")
        }
    }

    var timeouts: CallTimeouts {
        CallTimeouts(ringingSeconds: ringingTimeoutSeconds, reconnectGraceSeconds: reconnectGraceSeconds)
    }
}
