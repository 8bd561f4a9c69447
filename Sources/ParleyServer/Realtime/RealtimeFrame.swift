import Foundation
import NIOCore
import ParleyAPI
import ParleyCore

/// A server frame encoded once for all its recipients. Per-recipient events get the
/// recipient's identifier spliced into their data, so an event is encoded only once however
/// many connections receive it.
struct RealtimeFrame: Sendable {
    /// For events: `{"type":…,"position":…,"data":` and the data object without its closing
    /// brace. For control frames: the whole frame.
    private let head: [UInt8]
    /// Whether `,"recipient":…` goes into the data.
    private let perRecipient: Bool
    /// What closes the frame: `}}` for events, nothing for control frames.
    private let tail: StaticString
    /// The position of a durable event; nil for ephemeral events and control frames.
    let position: Int64?
    /// A frame for one connection, encoded when the connection's channel handler writes it.
    private let unencoded: RealtimeServerFrame?

    /// An event frame.
    init<Data: Encodable>(type: String, position: Int64?, data: Data, perRecipient: Bool) throws {
        var head = Array("{\"type\":\"\(type)\"".utf8)
        if let position { head += Array(",\"position\":\(position)".utf8) }
        head += Array(",\"data\":".utf8)
        var body = Array(try ParleyJSON.encoder().encode(data))
        // The data is a non-empty JSON object: its "}" moves to the tail, after the recipient.
        guard body.count > 2, body.removeLast() == UInt8(ascii: "}") else {
            throw ParleyError(.internal, "A real-time event's data must be a non-empty JSON object.")
        }
        self.head = head + body
        self.perRecipient = perRecipient
        self.tail = "}}"
        self.position = position
        self.unencoded = nil
    }

    /// A control frame (hello, caughtUp, resyncRequired).
    init(_ frame: RealtimeServerFrame) throws {
        self.head = Array(try ParleyJSON.encoder().encode(frame))
        self.perRecipient = false
        self.tail = ""
        self.position = nil
        self.unencoded = nil
    }

    /// A frame for one connection (calling), encoded when the connection's channel handler
    /// writes it, on its event loop: call signalling hands frames over under its lock, which
    /// must stay short, and the event loops encode for their connections in parallel.
    init(deferring frame: RealtimeServerFrame) {
        self.head = []
        self.perRecipient = false
        self.tail = ""
        self.position = nil
        self.unencoded = frame
    }

    /// The frame's text as sent to the connection whose identifier encodes as `recipient`.
    func bytes(recipient: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        if let unencoded {
            // The wire types always encode; should one not, the client gets a reply it can read.
            let fallback =
                #"{"type":"reply","data":{"requestId":"","error":"#
                + #"{"status":500,"code":"InternalError","message":"A frame could not be encoded."}}}"#
            let data = (try? ParleyJSON.frameEncoder().encode(unencoded)) ?? Data(fallback.utf8)
            return data.withUnsafeBytes { allocator.buffer(bytes: $0) }
        }
        var buffer = allocator.buffer(capacity: head.count + recipient.count + 16)
        buffer.writeBytes(head)
        if perRecipient {
            buffer.writeStaticString(",\"recipient\":")
            buffer.writeBytes(recipient)
        }
        buffer.writeStaticString(tail)
        return buffer
    }
}
