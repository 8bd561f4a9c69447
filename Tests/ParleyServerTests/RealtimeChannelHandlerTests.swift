import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import ParleyAPI
import Synchronization
import Testing

@testable import ParleyServer

/// The real-time WebSocket protocol as the channel handler speaks it: what it writes and when,
/// pings, the close handshake, and what it does with a client's frames. Time is the embedded
/// event loop's, moved by the test.
@Suite struct RealtimeChannelHandlerTests {
    /// A connection on an embedded channel, with what it served and whether it ended.
    final class Harness: Sendable {
        let channel: EmbeddedChannel
        let connection: RealtimeConnection
        private let endings = Counter()
        private let servedStream: AsyncStream<RealtimeClientMessage>

        init(queueLimit: Int = 8) throws {
            let channel = EmbeddedChannel()
            let handler = RealtimeChannelHandler(
                configuration: .init(pingInterval: .seconds(30), closeTimeout: .seconds(10), maxMessageBytes: 64),
                logger: Logger(label: "test")
            )
            let (stream, continuation) = AsyncStream.makeStream(of: RealtimeClientMessage.self)
            servedStream = stream
            let endings = self.endings
            connection = RealtimeConnection(
                id: "c1",
                identity: RealtimeIdentity(rawId: "8:acs:r_u", expiresOn: .distantFuture, hearsChat: true),
                queueLimit: queueLimit,
                writer: NIOLoopBound(handler, eventLoop: channel.eventLoop),
                serve: { _, message in continuation.yield(message) },
                onEnd: { _, _ in endings.increment() }
            )
            handler.connection = connection
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
            self.channel = channel
        }

        var endCount: Int { endings.value }

        /// The next `count` messages the connection served.
        func served(_ count: Int) async -> [RealtimeClientMessage] {
            var messages: [RealtimeClientMessage] = []
            for await message in servedStream {
                messages.append(message)
                if messages.count == count { break }
            }
            return messages
        }

        /// Frames written so far.
        func written() throws -> [WebSocketFrame] {
            channel.embeddedEventLoop.run()
            var frames: [WebSocketFrame] = []
            while let frame = try channel.readOutbound(as: WebSocketFrame.self) { frames.append(frame) }
            return frames
        }

        func texts() throws -> [String] {
            try written().map { String(buffer: $0.data) }
        }

        /// A frame as a client sends it: masked.
        func send(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true, masked: Bool = true) throws {
            var frame = WebSocketFrame(fin: fin, opcode: opcode, data: ByteBuffer(string: text))
            if masked {
                let key: WebSocketMaskingKey = [1, 2, 3, 4]
                frame = WebSocketFrame(fin: fin, opcode: opcode, maskKey: key, data: ByteBuffer(string: text))
                frame.data.webSocketMask(key)
            }
            try channel.writeInbound(frame)
        }

        func sendClose(_ code: Int) throws {
            var data = ByteBuffer()
            data.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: code))
            let key: WebSocketMaskingKey = [9, 8, 7, 6]
            data.webSocketMask(key)
            try channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: key, data: data))
        }
    }

    final class Counter: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    static func event(_ position: Int64?) throws -> RealtimeFrame {
        struct Data: Encodable { var id: Int64 }
        return try RealtimeFrame(type: "chatMessageReceived", position: position, data: Data(id: position ?? 0), perRecipient: true)
    }

    static func closeCode(_ frame: WebSocketFrame) -> Int? {
        guard frame.opcode == .connectionClose else { return nil }
        var data = frame.data
        return data.readWebSocketErrorCode().map { Int(UInt16(webSocketErrorCode: $0)) }
    }

    @Test func liveFramesWaitForTheOpeningAndSkipWhatTheReplaySent() throws {
        let harness = try Harness()
        let handler = try harness.channel.pipeline.syncOperations.handler(type: RealtimeChannelHandler.self)
        harness.connection.enqueue(try Self.event(3))
        harness.connection.enqueue(try Self.event(4))
        #expect(try harness.written().isEmpty)

        _ = handler.writeOpening([try RealtimeFrame(.caughtUp(position: 3))])
        handler.goLive(after: 3)
        harness.connection.enqueue(try Self.event(nil))
        let recipient = String(decoding: harness.connection.recipient, as: UTF8.self)
        let texts = try harness.texts()
        #expect(texts.count == 3)
        #expect(texts.first?.contains(#""caughtUp""#) == true)
        #expect(
            texts.dropFirst() == [
                #"{"type":"chatMessageReceived","position":4,"data":{"id":4,"recipient":\#(recipient)}}"#,
                #"{"type":"chatMessageReceived","data":{"id":0,"recipient":\#(recipient)}}"#,
            ]
        )
    }

    @Test func aFullQueueClosesTheConnectionAsASlowConsumer() throws {
        let harness = try Harness(queueLimit: 2)
        for position in 1...3 { harness.connection.enqueue(try Self.event(Int64(position))) }
        let frames = try harness.written()
        #expect(frames.count == 1)
        #expect(frames.first.flatMap(Self.closeCode) == 4008)
        #expect(harness.channel.isActive, "the client has the close timeout to answer")
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(!harness.channel.isActive)
        #expect(harness.endCount == 1)
    }

    @Test func theClientIsPingedAndClosedWhenItStopsAnswering() throws {
        let harness = try Harness()
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        let ping = try #require(try harness.written().first)
        #expect(ping.opcode == .ping)
        try harness.send(.pong, String(buffer: ping.data))
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        #expect(try harness.written().map(\.opcode) == [.ping])
        #expect(harness.channel.isActive)

        // No pong to that one: the next tick closes with 1001.
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        #expect(try harness.written().compactMap(Self.closeCode) == [1001])
        #expect(!harness.channel.isActive)
        #expect(harness.endCount == 1)
    }

    @Test func aClientPingIsAnsweredWithItsData() throws {
        let harness = try Harness()
        try harness.send(.ping, "are you there")
        let pong = try #require(try harness.written().first)
        #expect(pong.opcode == .pong)
        #expect(String(buffer: pong.data) == "are you there")
    }

    @Test func fragmentedMessagesAreServedWholeAndInOrder() async throws {
        let harness = try Harness()
        try harness.send(.text, #"{"type":"#, fin: false)
        try harness.send(.continuation, #""hold"}"#)
        try harness.send(.binary, "raw")
        let served = await harness.served(2)
        guard case .text(let first) = served.first, case .binary = served.last else {
            Issue.record("served \(served)")
            return
        }
        #expect(String(decoding: first, as: UTF8.self) == #"{"type":"hold"}"#)
    }

    @Test func protocolViolationsFailTheConnection() throws {
        let unmasked = try Harness()
        try unmasked.send(.text, "{}", masked: false)
        #expect(try unmasked.written().compactMap(Self.closeCode) == [1002])
        #expect(!unmasked.channel.isActive)

        let tooLarge = try Harness()
        try tooLarge.send(.text, String(repeating: "x", count: 40), fin: false)
        try tooLarge.send(.continuation, String(repeating: "x", count: 40))
        #expect(try tooLarge.written().compactMap(Self.closeCode) == [1009])
        #expect(!tooLarge.channel.isActive)

        let strayContinuation = try Harness()
        try strayContinuation.send(.continuation, "x")
        #expect(try strayContinuation.written().compactMap(Self.closeCode) == [1002])
    }

    @Test func aClientsCloseIsAnsweredAndEndsTheConnectionAtOnce() throws {
        let harness = try Harness()
        try harness.sendClose(1000)
        #expect(harness.endCount == 1, "the connection ends before the socket has closed")
        #expect(try harness.written().compactMap(Self.closeCode) == [1000])
        harness.connection.enqueue(try Self.event(1))
        #expect(try harness.written().isEmpty)
    }

    @Test func aServerCloseCompletesWhenTheClientAnswers() throws {
        let harness = try Harness()
        harness.connection.requestClose(.tokenExpired)
        let close = try #require(try harness.written().first)
        #expect(Self.closeCode(close) == 4001)
        var reason = close.data
        reason.moveReaderIndex(forwardBy: 2)
        #expect(String(buffer: reason).contains("expired"))
        #expect(harness.endCount == 0)
        try harness.sendClose(4001)
        #expect(harness.endCount == 1)
        #expect(!harness.channel.isActive)
    }

    @Test func shuttingDownClosesWithGoingAway() throws {
        let harness = try Harness()
        harness.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(try harness.written().compactMap(Self.closeCode) == [1001])
    }
}
