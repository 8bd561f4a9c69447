import ArgumentParser
import Configuration
import Foundation
import Hummingbird
import Logging
import ParleyAPI
import ParleyServer
import SystemPackage

/// `parley serve`: runs the server with embedded defaults.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Parley (HTTPS on 127.0.0.1:\(ParleyConfiguration.defaultPort), data in ./.parley).",
        discussion: """
            Every option can also come from a PARLEY_* environment variable or a JSON config file
            (--config). Precedence: flags, environment, config file, defaults. See docs/configuration.md.
            """
    )

    @Option(help: "Address to listen on (http.host, PARLEY_HTTP_HOST). Default 127.0.0.1.")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (http.port, PARLEY_HTTP_PORT). Default \(ParleyConfiguration.defaultPort).")
    var port: Int?

    @Option(name: .customLong("data-dir"), help: "Data directory (storage.dataDirectory, PARLEY_STORAGE_DATA_DIRECTORY). Default ./.parley.")
    var dataDirectory: String?

    @Flag(help: "Keep the database in memory; everything is gone at exit (storage.inMemory).")
    var inMemory = false

    @Option(help: "Write a JSON document with the connection facts here once listening (readyFile).")
    var readyFile: String?

    @Flag(help: "Serve plain HTTP, for use behind a TLS-terminating proxy (http.plaintext).")
    var plainHttp = false

    @Option(help: "Endpoint to put into connection strings, when clients reach Parley through a proxy (http.publicEndpoint).")
    var publicEndpoint: String?

    @Flag(help: "Enforce the service's published rate limits: 429 with Retry-After (limits.enforceRateLimits).")
    var rateLimits = false

    @Option(help: "Interop profile: faithful (the real service's limitations, default) or extended (interop.profile).")
    var interopProfile: String?

    @Flag(help: "Seed a demo organization (Contoso) with interop enabled for the default resource (demo).")
    var demo = false

    @Flag(help: "Development mode: fault injection, a controllable clock and snapshots for testing apps (dev.enabled).")
    var dev = false

    @Flag(help: "Allow development mode on an address other than loopback (dev.allowNonLoopback).")
    var devAllowNonLoopback = false

    @Flag(help: "Accept plain-HTTP webhook URLs in event subscriptions, for local development (events.allowHttpWebhooks).")
    var allowHttpWebhooks = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error (log.level).")
    var logLevel: String?

    @Option(help: "A JSON configuration file (keys as in docs/configuration.md).")
    var config: String?

    func run() async throws {
        let reader = try await ConfigReader(providers: configurationProviders())
        let configuration: ParleyConfiguration
        do {
            configuration = try ParleyConfiguration(reader: reader)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        let logger = Logger(label: "parley")
        let environment = try await ParleyEnvironment.bootstrap(configuration: configuration)
        let app = try buildApplication(environment: environment, logger: logger) { info in
            do {
                try environment.publish(info)
            } catch {
                logger.error("could not write the ready document", metadata: ["error.message": "\(error)"])
            }
            let banner = Banner.text(for: info, plaintext: configuration.plaintext, readyFile: configuration.readyFile)
            FileHandle.standardOutput.write(Data((banner + "\n").utf8))
        }
        try await app.runService()
    }

    /// Flags first, then `PARLEY_*` environment variables, then the config file.
    private func configurationProviders() async throws -> [any ConfigProvider] {
        var flags: [AbsoluteConfigKey: ConfigValue] = [:]
        func set(_ key: String, _ value: ConfigContent?) {
            if let value { flags[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = ConfigValue(value, isSecret: false) }
        }
        set("http.host", host.map { .string($0) })
        set("http.port", port.map { .int($0) })
        set("storage.dataDirectory", dataDirectory.map { .string($0) })
        set("storage.inMemory", inMemory ? .bool(true) : nil)
        set("readyFile", readyFile.map { .string($0) })
        set("http.plaintext", plainHttp ? .bool(true) : nil)
        set("http.publicEndpoint", publicEndpoint.map { .string($0) })
        set("limits.enforceRateLimits", rateLimits ? .bool(true) : nil)
        set("log.level", logLevel.map { .string($0) })
        set("demo", demo ? .bool(true) : nil)
        set("events.allowHttpWebhooks", allowHttpWebhooks ? .bool(true) : nil)
        set("interop.profile", interopProfile.map { .string($0) })
        set("dev.enabled", dev ? .bool(true) : nil)
        set("dev.allowNonLoopback", devAllowNonLoopback ? .bool(true) : nil)

        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: flags),
            EnvironmentVariablesProvider().prefixKeys(with: ["parley"]),
        ]
        let configFile = config ?? ProcessInfo.processInfo.environment["PARLEY_CONFIG"]
        if let configFile {
            providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(configFile)))
        }
        return providers
    }
}
