import ArgumentParser

/// Load generators for Parley's benchmarks. `scripts/bench-realtime` builds the scenario (users,
/// threads, tokens) with the official Python SDKs, starts a release server and runs these.
@main
struct ParleyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-bench",
        abstract: "Benchmark load generators for Parley.",
        subcommands: [DeliveryLatencyCommand.self, IdleConnectionsCommand.self, CallSetupCommand.self, EventDeliveryCommand.self]
    )
}
