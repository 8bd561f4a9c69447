import ParleyCore
import ServiceLifecycle

/// Runs what calls need in the background: the record writer, and a sweep every second that
/// ends ringing that timed out and takes out endpoints that did not come back in time.
struct CallHousekeeping: Service {
    let calls: CallService
    var sweepInterval = Duration.seconds(1)

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await calls.runRecorder() }
            group.addTask {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    do { try await Task.sleep(for: sweepInterval) } catch { break }
                    calls.sweep()
                }
                calls.stopRecorder()
            }
        }
    }
}
