import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOSSL
import NIOWebSocket
import ParleyAPI
import Synchronization
import WSClient

/// What a ``CallingConnection`` tells its owner (the agent). Every call comes from the task that
/// reads the connection, in the order of the frames, except ``connectionStopped(_:)``.
protocol CallingConnectionDelegate: AnyObject, Sendable {
    /// The endpoint is registered: for the first time, or again after a reconnection.
    func connectionRegistered(_ registration: CallAgentRegistration, again: Bool)
    /// A frame from the server; a reply reaches its request after this.
    func connectionReceived(_ frame: RealtimeServerFrame)
    func connectionStateChanged(_ state: CallAgentConnectionState)
    /// The connection stopped for good: disposed (nil) or refused by the server.
    func connectionStopped(_ error: CallingError?)
}

/// One WebSocket to Parley's real-time endpoint, registered as a calling endpoint, with the
/// requests awaiting their replies.
///
/// When the connection drops it reconnects (the first retry at once, then backing off) and
/// registers again with the same endpoint id, which the server takes as the same endpoint for
/// its grace period, so calls go on; requests in flight fail with
/// ``CallingError/connectionLostCode``. It stops for good when the token is revoked (4003), the
/// user deleted (4004), the credential has no valid token, or the server refuses the
/// registration.
final class CallingConnection: Sendable {
    let endpoint: RealtimeEndpoint
    let credential: CommunicationTokenCredential
    let tlsConfiguration: TLSConfiguration
    let options: CallAgentOptions
    let requests = PendingRequests()
    private let logger = Logger(label: "parley.calling")

    private enum Phase {
        case idle
        /// The first connection is being made; `createCallAgent` waits for it.
        case starting(CheckedContinuation<Void, any Error>)
        case running
        case stopped
    }

    private struct State {
        var phase = Phase.idle
        var delegate: (any CallingConnectionDelegate)?
        /// The open connection's writer, once registered (or while registering).
        var writer: WebSocketOutboundWriter?
        var isRegistered = false
        var endpointId: String?
        var loop: Task<Void, Never>?
        var attempt: Task<WebSocketCloseFrame?, any Error>?
        /// Connection attempts that ended in a row without registering.
        var failures = 0
    }

    private let state = Mutex(State())

    init(endpoint: URL, credential: CommunicationTokenCredential, options: CallAgentOptions) throws {
        do {
            self.endpoint = try RealtimeEndpoint(endpoint)
        } catch {
            throw CallingError(status: 0, code: "InvalidEndpoint", message: error.message)
        }
        self.credential = credential
        var tls = try HTTPTransport.tlsConfiguration(trusting: options.caCertificatePath)
        // Closing waits for the server's TLS close_notify, by default for up to 5 s; once the
        // WebSocket close handshake is done there is nothing left to wait for.
        tls.shutdownTimeout = .milliseconds(250)
        self.tlsConfiguration = tls
        self.options = options
    }

    /// The endpoint id the server issued (nil before the first registration).
    var endpointId: String? { state.withLock { $0.endpointId } }

    /// Connects and registers; returns once registered, or throws why the first connection
    /// failed (it is not retried). Afterwards the connection keeps itself up until ``close()``.
    func start(delegate: any CallingConnectionDelegate) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            state.withLock { state in
                state.delegate = delegate
                state.phase = .starting(continuation)
                state.loop = Task { await self.run() }
            }
        }
    }

    /// Stops for good and closes the connection; returns once it is closed.
    func close() async {
        let writer = state.withLock { $0.writer }
        let loop = stop(nil, closing: writer)
        await loop?.value
    }

    /// Closes the current connection, as a dropped network would end it (tests of
    /// reconnection); the agent then reconnects.
    func dropConnection() {
        let (writer, attempt) = state.withLock { ($0.writer, $0.attempt) }
        Self.close(writer, attempt)
    }

    /// Ends a connection: with a close frame when it is open, which the server answers at once;
    /// by cancelling it otherwise, or when the server has not closed it a second later.
    private static func close(_ writer: WebSocketOutboundWriter?, _ attempt: Task<WebSocketCloseFrame?, any Error>?) {
        guard let attempt else { return }
        guard let writer else { return attempt.cancel() }
        Task {
            try? await writer.close(.normalClosure, reason: nil)
            try? await Task.sleep(for: .seconds(1))
            attempt.cancel()
        }
    }

    // MARK: Requests

    /// Sends a request and waits for its reply; a refusal throws ``CallingError``.
    func request(_ request: RealtimeRequest) async throws -> RealtimeReply {
        let (reply, continuation) = AsyncThrowingStream.makeStream(of: RealtimeReply.self)
        await send(request) { result in
            continuation.yield(with: result.mapError { $0 as any Error })
            continuation.finish()
        }
        for try await answer in reply { return answer }
        throw CallingError.connectionLost()
    }

    /// Sends a request; `completion` gets its reply or why there is none. Returns once the
    /// request is written, so requests sent one after the other reach the server in order.
    func send(_ request: RealtimeRequest, completion: @escaping PendingRequests.Completion) async {
        let writer = state.withLock { state -> Result<WebSocketOutboundWriter, CallingError> in
            if case .stopped = state.phase { return .failure(.disposed) }
            guard state.isRegistered, let writer = state.writer else { return .failure(.notConnected()) }
            return .success(writer)
        }
        switch writer {
        case .failure(let error): completion(.failure(error))
        case .success(let writer): await write(request, to: writer, completion: completion)
        }
    }

    private func write(_ request: RealtimeRequest, to writer: WebSocketOutboundWriter, completion: @escaping PendingRequests.Completion) async {
        let id = requests.add(timeout: options.requestTimeout, completion: completion)
        do {
            let frame = try ParleyJSON.encoder().encode(RealtimeClientFrame(requestId: id, request: request))
            try await writer.write(.text(String(decoding: frame, as: UTF8.self)))
        } catch {
            requests.fail(id, .connectionLost("The request could not be sent: \(error)"))
        }
    }

    // MARK: The connection loop

    private func run() async {
        while true {
            let attempt = Task { try await self.connectOnce() }
            let started = state.withLock { state in
                if case .stopped = state.phase { return false }
                state.attempt = attempt
                return true
            }
            guard started else {
                attempt.cancel()
                return
            }
            let result = await attempt.result
            let (phase, failures) = state.withLock { state in
                state.attempt = nil
                state.writer = nil
                state.isRegistered = false
                state.failures += 1
                return (state.phase, state.failures)
            }
            requests.failAll(.connectionLost())
            switch phase {
            case .stopped:
                return
            case .starting, .idle:
                // The first connection failed: createCallAgent throws, nothing is retried.
                _ = stop(Self.failure(result) ?? .connectionLost("The connection closed before the agent was registered."))
                return
            case .running:
                if let failure = Self.failure(result), failure.isFinal {
                    _ = stop(failure)
                    return
                }
            }
            delegate?.connectionStateChanged(.reconnecting)
            // The first retry is immediate; then back off, doubling up to the maximum.
            if failures > 1 {
                let delay = min(options.initialReconnectDelay * (1 << min(failures - 2, 16)), options.maximumReconnectDelay)
                try? await Task.sleep(for: delay)
            }
            await options.beforeReconnecting?()
        }
    }

    private var delegate: (any CallingConnectionDelegate)? { state.withLock { $0.delegate } }

    /// Opens one connection, registers, and reads it until it closes.
    private func connectOnce() async throws -> WebSocketCloseFrame? {
        let token = try await credential.token().token
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers)
        configuration.sniHostname = endpoint.serverName
        return try await RealtimeSocket.connect(
            url: endpoint.url,
            configuration: configuration,
            tlsConfiguration: tlsConfiguration,
            upgradeTimeout: options.upgradeTimeout,
            logger: logger
        ) { inbound, outbound, _ in
            let endpointId = self.state.withLock { state in
                state.writer = outbound
                return state.endpointId
            }
            let registration = RegisterCallAgentRequest(displayName: self.options.displayName, endpointId: endpointId)
            await self.write(.registerCallAgent(registration), to: outbound) { self.registrationAnswered($0) }
            for try await message in inbound.messages(maxSize: 1 << 21) {
                guard case .text(let text) = message else { continue }
                let frame: RealtimeServerFrame
                do {
                    frame = try ParleyJSON.decoder().decode(RealtimeServerFrame.self, from: Data(text.utf8))
                } catch {
                    self.logger.warning("Ignoring a frame that does not decode", metadata: ["error": "\(error)"])
                    continue
                }
                self.delegate?.connectionReceived(frame)
                if case .reply(let reply) = frame { self.requests.complete(reply) }
            }
        }
    }

    private func registrationAnswered(_ result: Result<RealtimeReply, CallingError>) {
        switch result {
        case .success(let reply):
            guard let registration = reply.registration else {
                fail(registration: .invalidResponse("The registration reply has no registration."))
                return
            }
            let (again, starting) = state.withLock { state -> (Bool, CheckedContinuation<Void, any Error>?) in
                let again = state.endpointId != nil
                state.endpointId = registration.endpointId
                state.isRegistered = true
                state.failures = 0
                guard case .starting(let continuation) = state.phase else { return (again, nil) }
                state.phase = .running
                return (again, continuation)
            }
            delegate?.connectionRegistered(registration, again: again)
            delegate?.connectionStateChanged(.connected)
            starting?.resume()
        case .failure(let error):
            fail(registration: error)
        }
    }

    /// A registration the server refused: for good, unless the server or the connection failed.
    private func fail(registration error: CallingError) {
        let isRunning = state.withLock { state in
            if case .running = state.phase { return true }
            return false
        }
        if isRunning, error.status == 0 || error.status >= 500 {
            dropConnection()
        } else {
            _ = stop(error)
        }
    }

    /// Stops for good; returns the loop task to wait for. The current connection is closed with
    /// `closing` when given, or cancelled.
    private func stop(_ error: CallingError?, closing writer: WebSocketOutboundWriter? = nil) -> Task<Void, Never>? {
        let stopped = state.withLock {
            state -> (Phase, Task<Void, Never>?, Task<WebSocketCloseFrame?, any Error>?, (any CallingConnectionDelegate)?)? in
            if case .stopped = state.phase { return nil }
            defer {
                state.phase = .stopped
                state.delegate = nil
                state.writer = nil
                state.isRegistered = false
            }
            return (state.phase, state.loop, state.attempt, state.delegate)
        }
        guard let (phase, loop, attempt, delegate) = stopped else { return nil }
        Self.close(writer, attempt)
        requests.failAll(error ?? .disposed)
        if case .starting(let continuation) = phase {
            continuation.resume(throwing: error ?? .disposed)
        } else {
            delegate?.connectionStateChanged(.disconnected)
            delegate?.connectionStopped(error)
        }
        return loop
    }

    /// Why a connection ended, when the server or the credential said so.
    private static func failure(_ result: Result<WebSocketCloseFrame?, any Error>) -> CallingError? {
        switch result {
        case .success(let close):
            guard let close, case .unknown(let code) = close.closeCode, let known = RealtimeCloseCode(rawValue: code) else { return nil }
            return CallingError(status: Int(code), code: "\(known)", message: close.reason ?? "The server closed the connection (\(code)).")
        case .failure(let error as TokenCredentialError):
            return CallingError(status: 401, code: "InvalidAccessToken", message: "\(error)")
        case .failure(let error as CallingError):
            return error
        case .failure(let error):
            return CallingError(status: 0, code: "ConnectionFailed", message: "Could not connect to the real-time endpoint: \(error)")
        }
    }
}

extension CallingError {
    /// The server closed the connection in a way reconnecting cannot help with: revoked token
    /// (4003), deleted user (4004), or the credential has no valid token.
    fileprivate var isFinal: Bool {
        status == Int(RealtimeCloseCode.tokenRevoked.rawValue) || status == Int(RealtimeCloseCode.userDeleted.rawValue)
            || code == "InvalidAccessToken"
    }
}
