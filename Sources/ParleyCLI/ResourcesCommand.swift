import ArgumentParser
import Foundation
import ParleyAPI
import ParleyClient

/// `parley resources …`: manage the communication resources of a running server.
struct ResourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resources",
        abstract: "Manage communication resources of a running Parley server.",
        subcommands: [
            List.self, Create.self, Show.self, ConnectionString.self, Endpoint.self, RegenerateKey.self, Grant.self, Grants.self, Revoke.self,
            WebApp.self,
        ]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the resources.")
        @OptionGroup var server: ServerOptions

        func run() async throws {
            try await server.withClient { client in
                for resource in try await client.listResources() {
                    let webApp = resource.webApp?.enabled == true ? "\tweb-app" : ""
                    print("\(resource.name)\t\(resource.immutableResourceId)\t\(resource.createdOn)\(webApp)")
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a resource and print it.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The resource name (a-z, 0-9, '-').") var name: String

        func run() async throws {
            try await server.withClient { client in try printJSON(await client.createResource(name: name)) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a resource, keys included.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The resource name or immutable id.") var name: String

        func run() async throws {
            try await server.withClient { client in try printJSON(await client.resource(name)) }
        }
    }

    struct ConnectionString: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "connection-string",
            abstract: "Print a resource's connection string.",
            discussion: "Clients with a Microsoft Entra ID token credential use the endpoint of 'parley resources endpoint' instead."
        )
        @OptionGroup var server: ServerOptions
        @Argument(help: "The resource name or immutable id.") var name: String = "default"
        @Flag(help: "Print the one with the secondary key.") var secondary = false

        func run() async throws {
            try await server.withClient { client in
                let strings = try await client.connectionStrings(of: name)
                print(secondary ? strings.secondaryConnectionString : strings.primaryConnectionString)
                // On stderr, so that scripts reading the connection string get only that.
                FileHandle.standardError.write(Data("Token credential clients use the endpoint \(strings.resourceEndpoint)\n".utf8))
            }
        }
    }

    struct Endpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a resource's own endpoint, for clients with a Microsoft Entra ID token credential.",
            discussion: """
                A token names no resource: at this endpoint the request acts on this resource (the app needs a role \
                on it, see 'grant'). The shared endpoint of the connection string also works while the app holds a \
                role on exactly one resource.
                """
        )
        @OptionGroup var server: ServerOptions
        @Argument(help: "The resource name or immutable id.") var name: String = "default"

        func run() async throws {
            try await server.withClient { client in print(try await client.connectionStrings(of: name).resourceEndpoint) }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give an app registration a role on a resource, so its Microsoft Entra ID tokens are accepted there.",
            discussion: "Roles: \(ResourcesCommand.roles). Granting the same role again changes nothing."
        )
        @OptionGroup var server: ServerOptions
        @Argument(help: "The resource name or immutable id.") var resource: String
        @Option(help: "The app's tenant: id or domain.") var tenant: String
        @Option(help: "The app's client id.") var app: String
        @Option(help: "The role: \(ResourcesCommand.roles).") var role: String = "Contributor"

        func run() async throws {
            try await server.withClient { client in
                let assignment = try await client.grant(role, on: resource, tenant: tenant, appId: app)
                try printJSON(assignment)
                print("Token credential clients of this app use the endpoint \(assignment.resourceEndpoint)")
            }
        }
    }

    struct Grants: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the role assignments on a resource.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The resource name or immutable id.") var resource: String = "default"

        func run() async throws {
            try await server.withClient { client in
                for assignment in try await client.roleAssignments(of: resource) {
                    print("\(assignment.id)\ttenant=\(assignment.tenantId)\tapp=\(assignment.appId)\t\(assignment.role)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an app's role assignments on a resource (all its roles there, or the one named); its tokens stop working there."
        )
        @OptionGroup var server: ServerOptions
        @Argument(help: "The resource name or immutable id.") var resource: String
        @Option(help: "The app's client id.") var app: String
        @Option(help: "Only this role (default: every role of the app on the resource).") var role: String?

        func run() async throws {
            try await server.withClient { client in
                let matching = try await client.roleAssignments(of: resource).filter { assignment in
                    assignment.appId == app.lowercased() && role.map { assignment.role.lowercased() == $0.lowercased() } != false
                }
                guard !matching.isEmpty else {
                    throw CommandFailure("App \(app) has no\(role.map { " '\($0)'" } ?? "") role assignment on resource '\(resource)'.")
                }
                for assignment in matching {
                    try await client.revokeRoleAssignment(assignment.id, of: resource)
                    print("revoked \(assignment.role) of app \(assignment.appId) on \(assignment.resource)")
                }
            }
        }
    }

    static let roles = "'Owner', 'Contributor', 'Communication and Email Service Owner'"

    struct RegenerateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "regenerate-key", abstract: "Replace a resource's access key.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "The resource name or immutable id.") var name: String
        @Option(help: "primary or secondary.") var key: String = "primary"

        func run() async throws {
            try await server.withClient { client in try printJSON(await client.regenerateKey(key, of: name)) }
        }
    }
}

/// A command that could not do what was asked (exit status 1, the message on stderr, no usage).
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ResourcesCommand {
    /// `parley resources web-app enable|disable <resource>`.
    struct WebApp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "web-app",
            abstract: "Turn Parley's web app backend for a resource on or off (docs/webapp.md).",
            subcommands: [Enable.self, Disable.self]
        )

        struct Enable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Let visitors join the resource by name in the web app at the server's address (off by default)."
            )
            @OptionGroup var server: ServerOptions
            @Argument(help: "The resource name or immutable id.") var name: String = "default"

            func run() async throws { try await WebApp.set(true, of: name, server: server) }
        }

        struct Disable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Stop serving the resource's visitors (their tokens stop being renewed).")
            @OptionGroup var server: ServerOptions
            @Argument(help: "The resource name or immutable id.") var name: String = "default"

            func run() async throws { try await WebApp.set(false, of: name, server: server) }
        }

        static func set(_ enabled: Bool, of name: String, server: ServerOptions) async throws {
            try await server.withClient { client in
                let resource = try await client.setWebApp(enabled: enabled, of: name)
                print(
                    enabled
                        ? "The web app of '\(resource.name)' is on: open \(client.baseURL)/ and join as a visitor."
                        : "The web app of '\(resource.name)' is off."
                )
            }
        }
    }
}

/// Prints a wire value as indented JSON.
func printJSON(_ value: some Encodable) throws {
    let encoder = ParleyJSON.encoder()
    encoder.outputFormatting.insert(.prettyPrinted)
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Where the server is and how to authenticate: by default from the ready document that
/// `parley serve` writes into its data directory.
struct ServerOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "The server's data directory, to read its address and admin key from.")
    var dataDirectory: String = ProcessInfo.processInfo.environment["PARLEY_STORAGE_DATA_DIRECTORY"] ?? ".parley"

    @Option(help: "The server URL (overrides the data directory's; env PARLEY_URL).")
    var url: String?

    @Option(help: "The admin key (overrides the data directory's; env PARLEY_ADMIN_KEY).")
    var adminKey: String?

    @Option(help: "A CA certificate (PEM) to trust (overrides the data directory's).")
    var caFile: String?

    func withClient(_ body: (AdminClient) async throws -> Void) async throws {
        let environment = ProcessInfo.processInfo.environment
        let ready = readyDocument()
        guard let url = url ?? environment["PARLEY_URL"] ?? ready?.url,
            let key = adminKey ?? environment["PARLEY_ADMIN_KEY"] ?? ready?.adminKey
        else {
            throw ValidationError("No server found: start one with 'parley serve', or pass --url and --admin-key.")
        }
        let client = try AdminClient(baseURL: url, adminKey: key, caCertificatePath: caFile ?? ready?.caCertificatePath)
        do {
            try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func readyDocument() -> ServerReadyInfo? {
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent("ready.json").path
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? ParleyJSON.decoder().decode(ServerReadyInfo.self, from: data)
    }
}
