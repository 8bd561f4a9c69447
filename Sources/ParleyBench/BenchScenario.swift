import Foundation
import NIOSSL

/// The users and threads a benchmark runs with, as `scripts/bench/setup_realtime.py` writes them.
struct BenchScenario: Decodable {
    struct User: Decodable {
        var rawId: String
        var token: String
    }

    struct Thread: Decodable {
        var id: String
        /// Indexes into `users`.
        var members: [Int]
    }

    var endpoint: String
    var caCertificatePath: String
    var users: [User]
    var threads: [Thread]

    static func load(_ path: String) throws -> BenchScenario {
        try JSONDecoder().decode(BenchScenario.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    var tlsConfiguration: TLSConfiguration {
        get throws {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caCertificatePath))
            return tls
        }
    }
}

/// Percentiles of a sample, in milliseconds.
struct LatencySummary: CustomStringConvertible {
    var count: Int
    var p50: Double
    var p90: Double
    var p99: Double
    var p999: Double
    var max: Double

    init(milliseconds samples: [Double]) {
        let sorted = samples.sorted()
        func at(_ quantile: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            return sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count) * quantile).rounded(.down)))]
        }
        count = sorted.count
        p50 = at(0.5)
        p90 = at(0.9)
        p99 = at(0.99)
        p999 = at(0.999)
        max = sorted.last ?? .nan
    }

    var description: String {
        func format(_ value: Double) -> String { String(format: "%.2f", value) }
        return "n=\(count) p50=\(format(p50)) ms p90=\(format(p90)) ms p99=\(format(p99)) ms p99.9=\(format(p999)) ms max=\(format(max)) ms"
    }
}

/// What `/proc/<pid>` says about a process (Linux).
enum ProcessProbe {
    /// Resident memory in bytes.
    static func residentBytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
    }

    /// User plus system CPU time in seconds.
    static func cpuSeconds(of pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / 100  // clock ticks (USER_HZ = 100)
    }
}
