import NIOCore
import NIOEmbedded
import Testing

@testable import ParleyServer

/// A connection that never sends a request is closed at the deadline or at shutdown; one that
/// does is left to Hummingbird. Time is the embedded event loop's, moved by the test.
@Suite struct FirstRequestDeadlineTests {
    func connection() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: FirstRequestDeadlineHandler(deadline: .seconds(30)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        return channel
    }

    @Test func aSilentConnectionIsClosedAtTheDeadline() throws {
        let channel = try connection()
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func aConnectionThatSpeaksIsLeftAlone() throws {
        let channel = try connection()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "GET / HTTP/1.1\r\n"))
        #expect(throws: (any Error).self) { try channel.pipeline.syncOperations.handler(type: FirstRequestDeadlineHandler.self) }
        channel.embeddedEventLoop.advanceTime(by: .seconds(3600))
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test func aSilentConnectionIsClosedWhenTheServerShutsDown() throws {
        let channel = try connection()
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(!channel.isActive)
    }
}
