import ArgumentParser
import ParleyAPI
import ParleyClient

/// `parley tenants …`: organizations, their people, ACS federation and external access
/// policies, named after the Teams admin cmdlets.
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants",
        abstract: "Manage organizations (Teams tenants) of a running Parley server.",
        subcommands: [
            List.self, Create.self, Show.self, SetFederation.self, SetPolicy.self, Users.self, AddUser.self, UpdateUser.self, VoiceApps.self,
            AddVoiceApp.self, Apps.self, RegisterApp.self, SetRedirectURIs.self,
        ]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenants.")
        @OptionGroup var server: ServerOptions

        func run() async throws {
            try await server.withClient { client in
                for tenant in try await client.listTenants() {
                    print("\(tenant.id)\t\(tenant.domain)\t\(tenant.displayName)\tenableAcsUsers=\(tenant.acsFederation.enableAcsUsers)")
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant (interop off until set-federation).")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Display name, e.g. Contoso.") var displayName: String
        @Argument(help: "Domain of its user principal names, e.g. contoso.com.") var domain: String

        func run() async throws {
            try await server.withClient { client in try printJSON(await client.createTenant(displayName: displayName, domain: domain)) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a tenant and its ACS federation configuration.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() async throws {
            try await server.withClient { client in
                try printJSON(await client.tenant(tenant))
                try printJSON(await client.policies(of: tenant))
            }
        }
    }

    struct SetFederation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-federation",
            abstract: "Set-CsTeamsAcsFederationConfiguration: enable app users and list the allowed and blocked resources."
        )
        @OptionGroup var server: ServerOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Option(name: .customLong("enable-acs-users"), help: "true or false.") var enableAcsUsers: Bool
        @Option(name: .customLong("allow"), help: "Immutable resource id to allow (repeatable).") var allowed: [String] = []
        @Option(name: .customLong("block"), help: "Immutable resource id to block (repeatable).") var blocked: [String] = []

        func run() async throws {
            try await server.withClient { client in
                let federation = AcsFederationModel(enableAcsUsers: enableAcsUsers, allowedAcsResources: allowed, blockedAcsResources: blocked)
                try printJSON(await client.setFederation(of: tenant, federation))
            }
        }
    }

    struct SetPolicy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-policy",
            abstract: "Set-CsExternalAccessPolicy: Global or a custom policy's EnableAcsFederationAccess."
        )
        @OptionGroup var server: ServerOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Global, or a custom policy name.") var identity: String
        @Option(name: .customLong("enable-acs-federation-access"), help: "true or false.") var enable: Bool

        func run() async throws {
            try await server.withClient { client in try printJSON(await client.setPolicy(identity, of: tenant, enableAcsFederationAccess: enable)) }
        }
    }

    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's people.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() async throws {
            try await server.withClient { client in
                for user in try await client.users(of: tenant) {
                    print(
                        "\(user.rawId)\t\(user.userPrincipalName)\t\(user.coexistenceMode)\tvoice=\(user.enterpriseVoiceEnabled)\tpolicy=\(user.externalAccessPolicy)"
                    )
                }
            }
        }
    }

    struct AddUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-user", abstract: "Add a person to a tenant.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Display name.") var displayName: String
        @Argument(help: "User principal name (name@<tenant domain>).") var userPrincipalName: String
        @Option(help: "Coexistence mode: TeamsOnly, Islands, SfBOnly, SfBWithTeamsCollab, SfBWithTeamsCollabAndMeetings.") var mode: String =
            "TeamsOnly"
        @Option(help: "Enterprise Voice enabled (true or false).") var enterpriseVoice: Bool = true

        func run() async throws {
            try await server.withClient { client in
                let request = OrgUserCreateRequest(
                    displayName: displayName,
                    userPrincipalName: userPrincipalName,
                    coexistenceMode: mode,
                    enterpriseVoiceEnabled: enterpriseVoice
                )
                try printJSON(await client.addUser(to: tenant, request))
            }
        }
    }

    struct UpdateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update-user",
            abstract: "Change a person's coexistence mode, Enterprise Voice, or external access policy (Grant-CsExternalAccessPolicy)."
        )
        @OptionGroup var server: ServerOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "The person's object id.") var user: String
        @Option(help: "Coexistence mode.") var mode: String?
        @Option(help: "Enterprise Voice enabled (true or false).") var enterpriseVoice: Bool?
        @Option(help: "Global, or a custom policy name.") var policy: String?

        func run() async throws {
            try await server.withClient { client in
                let update = OrgUserUpdateRequest(coexistenceMode: mode, enterpriseVoiceEnabled: enterpriseVoice, externalAccessPolicy: policy)
                try printJSON(await client.updateUser(user, of: tenant, update))
            }
        }
    }

    struct VoiceApps: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "voice-apps", abstract: "List a tenant's Teams voice apps.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() async throws {
            try await server.withClient { client in
                for app in try await client.voiceApps(of: tenant) { print("\(app.rawId)\t\(app.displayName)") }
            }
        }
    }

    struct AddVoiceApp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-voice-app",
            abstract: "Create a Teams voice app (auto attendant or call queue resource account), 28:orgid:<app id>."
        )
        @OptionGroup var server: ServerOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Display name.") var displayName: String

        func run() async throws {
            try await server.withClient { client in try printJSON(await client.addVoiceApp(to: tenant, displayName: displayName)) }
        }
    }

    struct Apps: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's app registrations and their redirect URIs.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Tenant id.") var tenant: String

        func run() async throws {
            try await server.withClient { client in
                for app in try await client.apps(of: tenant) {
                    print("\(app.appId)\t\(app.displayName)\t\(app.redirectUris.joined(separator: " "))")
                }
            }
        }
    }

    struct RegisterApp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "register-app",
            abstract: "Register an app (a client id and secret, printed only now); with --redirect-uri it can use the authorization code flow.",
            aliases: ["add-app"]
        )
        @OptionGroup var server: ServerOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "Display name, e.g. 'Contoso back end'.") var displayName: String
        @Option(name: .customLong("redirect-uri"), help: "A redirect URI (repeatable), e.g. the web app's https://<host>:<port>/.")
        var redirectUris: [String] = []

        func run() async throws {
            try await server.withClient { client in
                try printJSON(await client.registerApp(in: tenant, displayName: displayName, redirectUris: redirectUris))
            }
        }
    }

    struct SetRedirectURIs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-redirect-uris",
            abstract: "Replace an app registration's redirect URIs (none: the app no longer uses the authorization code flow)."
        )
        @OptionGroup var server: ServerOptions
        @Argument(help: "Tenant id.") var tenant: String
        @Argument(help: "The app's id (client id).") var app: String
        @Argument(help: "The redirect URIs.") var redirectUris: [String] = []

        func run() async throws {
            try await server.withClient { client in try printJSON(await client.setRedirectURIs(redirectUris, of: app, in: tenant)) }
        }
    }
}
