import ArgumentParser
import Foundation
import ParleyAPI
import ParleyClient

/// `parley dev …`: the development tools of a server started with `--dev` (docs/testing-your-app.md).
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Drive a server in development mode: its clock, fault rules, snapshots, connections and calls.",
        discussion: "The server must run with 'parley serve --dev'; without it these routes do not exist (404).",
        subcommands: [Clock.self, Faults.self, Snapshots.self, Drop.self, Calls.self]
    )

    // MARK: Clock

    struct Clock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show, freeze, move or resume the server's clock.",
            subcommands: [Show.self, Freeze.self, Advance.self, Set.self, Resume.self],
            defaultSubcommand: Show.self
        )

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show the server's time.")
            @OptionGroup var server: ServerOptions
            func run() async throws { try await server.withDevTools { try printJSON(try await $0.clock()) } }
        }

        struct Freeze: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stop the clock where it is.")
            @OptionGroup var server: ServerOptions
            func run() async throws { try await server.withDevTools { try printJSON(try await $0.freezeClock()) } }
        }

        struct Advance: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Move the clock forward: ringing, grace periods, tokens and retries follow at once."
            )
            @OptionGroup var server: ServerOptions
            @Argument(help: "How far: seconds, or a number with s, m, h or d (90, 85s, 61m, 2h, 1d).") var duration: String

            func run() async throws {
                let seconds = try DevCommand.seconds(duration)
                try await server.withDevTools { try printJSON(try await $0.advanceClock(by: seconds)) }
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Set the clock to a time, earlier or later.")
            @OptionGroup var server: ServerOptions
            @Argument(help: "RFC 3339, e.g. 2030-01-01T00:00:00Z.") var time: String

            func run() async throws {
                guard let date = WireTimestamp.parse(time) else { throw ValidationError("'\(time)' is not an RFC 3339 time (2030-01-01T00:00:00Z).") }
                try await server.withDevTools { try printJSON(try await $0.setClock(to: date)) }
            }
        }

        struct Resume: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Back to real time.")
            @OptionGroup var server: ServerOptions
            func run() async throws { try await server.withDevTools { try printJSON(try await $0.resumeClock()) } }
        }
    }

    // MARK: Faults

    struct Faults: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Script faults: answer with an error, delay, close, end calls, leave callees ringing or declining.",
            subcommands: [List.self, Add.self, Remove.self, Clear.self],
            defaultSubcommand: List.self
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the fault rules.")
            @OptionGroup var server: ServerOptions
            func run() async throws { try await server.withDevTools { try printJSON(DevFaultRuleList(value: try await $0.faults())) } }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a fault rule and print it.",
                discussion: """
                    Give one action (--status, --delay-ms, --close, --end-call, --no-answer, --decline) and any match options; \
                    e.g. 'parley dev faults add --api chat --method POST --status 503 --times 2', \
                    'parley dev faults add --api identity --status 429 --retry-after 1', \
                    'parley dev faults add --api ringing --identity 8:acs:... --no-answer'.
                    """
            )
            @OptionGroup var server: ServerOptions
            @Option(help: "identity, chat, relay, callRecording, graph, oauth, webApp, parley, realtime, calling, ringing or eventDelivery.")
            var api: String?
            @Option(help: "A calling request (startCall, acceptCall, hangUp, …), or with eventDelivery an event subscription's name.")
            var operation: String?
            @Option(help: "An HTTP method.") var method: String?
            @Option(help: "A path pattern: * for one segment, a final ** for the rest.") var path: String?
            @Option(help: "A resource name or immutable id.") var resource: String?
            @Option(help: "A raw id: who sends the request (for ringing: the callee).") var identity: String?
            @Option(help: "A chat thread id or call id.") var thread: String?
            @Option(help: "Answer with this status (400–599) and the error envelope.") var status: Int?
            @Option(help: "With --status: the envelope's code.") var code: String?
            @Option(help: "With --status: the envelope's message.") var message: String?
            @Option(help: "With --status: the Retry-After header, in seconds.") var retryAfter: Int?
            @Option(help: "Serve the request this many milliseconds later.") var delayMs: Int?
            @Flag(help: "Close the connection without an answer.") var close = false
            @Option(help: "A calling request ends its call with this reason: code/subCode (e.g. 500/1001).") var endCall: String?
            @Flag(help: "The callee's devices never ring (with --api ringing).") var noAnswer = false
            @Flag(help: "The callee declines at once, 603 (with --api ringing).") var decline = false
            @Option(help: "Strike this many times, then go.") var times: Int?
            @Option(name: .customLong("for"), help: "Go after this long on the server's clock (90, 30s, 5m, 1h).") var duration: String?

            func run() async throws {
                let match = DevFaultMatchModel(
                    api: api,
                    operation: operation,
                    method: method,
                    path: path,
                    resource: resource,
                    identity: identity,
                    thread: thread
                )
                let rule = DevFaultCreateRequest(
                    match: match,
                    action: try action(),
                    times: times,
                    durationSeconds: try duration.map(DevCommand.seconds)
                )
                try await server.withDevTools { try printJSON(try await $0.addFault(rule)) }
            }

            private func action() throws -> DevFaultActionModel {
                var actions: [DevFaultActionModel] = []
                if let status { actions.append(.status(status, code: code, message: message, retryAfterSeconds: retryAfter)) }
                if let delayMs { actions.append(.delay(milliseconds: delayMs)) }
                if close { actions.append(.close) }
                if let endCall { actions.append(.endCall(try DevCommand.endReason(endCall))) }
                if noAnswer { actions.append(.noAnswer) }
                if decline { actions.append(.decline) }
                guard actions.count == 1, let action = actions.first else {
                    throw ValidationError("Give exactly one action: --status, --delay-ms, --close, --end-call, --no-answer or --decline.")
                }
                return action
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a fault rule.")
            @OptionGroup var server: ServerOptions
            @Argument(help: "The rule's id.") var id: String
            func run() async throws { try await server.withDevTools { try await $0.removeFault(id) } }
        }

        struct Clear: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove every fault rule.")
            @OptionGroup var server: ServerOptions
            func run() async throws { try await server.withDevTools { print("removed \(try await $0.clearFaults()) rules") } }
        }
    }

    // MARK: Snapshots

    struct Snapshots: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save the whole state under a name, and restore it while the server runs.",
            subcommands: [List.self, Save.self, Restore.self, Delete.self],
            defaultSubcommand: List.self
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the snapshots.")
            @OptionGroup var server: ServerOptions
            func run() async throws {
                try await server.withDevTools { tools in
                    for snapshot in try await tools.snapshots() {
                        print("\(snapshot.name)\t\(snapshot.createdAt)\tclock \(snapshot.clockTime)\t\(snapshot.databaseBytes) bytes")
                    }
                }
            }
        }

        struct Save: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Save the state now.")
            @OptionGroup var server: ServerOptions
            @Argument(help: "Letters, digits, '.', '_', '-'.") var name: String
            @Flag(help: "Replace a snapshot of that name.") var replace = false
            func run() async throws { try await server.withDevTools { try printJSON(try await $0.saveSnapshot(name, replace: replace)) } }
        }

        struct Restore: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Replace the running server's state with a snapshot's (calls end 0/7000, connections close 4009)."
            )
            @OptionGroup var server: ServerOptions
            @Argument(help: "The snapshot's name.") var name: String
            func run() async throws { try await server.withDevTools { try printJSON(try await $0.restoreSnapshot(name)) } }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a snapshot.")
            @OptionGroup var server: ServerOptions
            @Argument(help: "The snapshot's name.") var name: String
            func run() async throws { try await server.withDevTools { try await $0.deleteSnapshot(name) } }
        }
    }

    // MARK: Connections and calls

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop a user's real-time connections.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The user's raw id (8:acs:…, 8:orgid:…).") var identity: String
        @Option(help: "A close code Parley sends (1001, 4001, 4003, 4004, 4008, 4009); default: no close frame (1006).") var closeCode: Int?
        func run() async throws {
            try await server.withDevTools { print("dropped \(try await $0.dropRealtimeConnections(of: identity, closeCode: closeCode)) connections") }
        }
    }

    struct Calls: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List running calls, end one with a chosen reason, drop an endpoint's connection.",
            subcommands: [List.self, End.self, DropEndpoint.self],
            defaultSubcommand: List.self
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the running calls.")
            @OptionGroup var server: ServerOptions
            func run() async throws { try await server.withDevTools { try printJSON(DevCallList(value: try await $0.calls())) } }
        }

        struct End: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "End a call for every party with a reason.")
            @OptionGroup var server: ServerOptions
            @Argument(help: "The call's id.") var callId: String
            @Option(help: "code/subCode, e.g. 0/7000 or 500/1001.") var reason: String
            func run() async throws {
                let reason = try DevCommand.endReason(reason)
                try await server.withDevTools { try await $0.endCall(callId, reason: reason) }
            }
        }

        struct DropEndpoint: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "drop-endpoint",
                abstract: "Drop the connection of a call endpoint: its reconnect grace period starts."
            )
            @OptionGroup var server: ServerOptions
            @Argument(help: "The endpoint id ('parley dev calls list').") var endpointId: String
            @Option(help: "A close code Parley sends; default: no close frame.") var closeCode: Int?
            func run() async throws { try await server.withDevTools { try await $0.dropEndpoint(endpointId, closeCode: closeCode) } }
        }
    }

    // MARK: Parsing

    /// `90`, `85s`, `61m`, `2h`, `1d`, `1.5h` → seconds.
    static func seconds(_ text: String) throws -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let unit = trimmed.last.flatMap { units[$0] }
        let number = unit == nil ? trimmed : String(trimmed.dropLast())
        guard let value = Double(number), value.isFinite, value >= 0 else {
            throw ValidationError("'\(text)' is not a duration (90, 85s, 61m, 2h, 1d).")
        }
        return value * (unit ?? 1)
    }

    /// `500/1001` → an end reason.
    static func endReason(_ text: String) throws -> CallEndReason {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let code = Int(parts[0]), let subCode = Int(parts[1]) else {
            throw ValidationError("'\(text)' is not an end reason: code/subCode, e.g. 0/7000.")
        }
        return CallEndReason(code: code, subCode: subCode)
    }
}

extension ServerOptions {
    func withDevTools(_ body: (DevTools) async throws -> Void) async throws {
        try await withClient { client in try await body(DevTools(admin: client)) }
    }
}
