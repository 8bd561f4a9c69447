import ArgumentParser

/// `parley`: runs the server (the default) and administers a running one.
@main
struct ParleyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "A self-hostable Azure Communication Services (Teams interop) server.",
        subcommands: [ServeCommand.self, ResourcesCommand.self, TenantsCommand.self, EventsCommand.self, DevCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
