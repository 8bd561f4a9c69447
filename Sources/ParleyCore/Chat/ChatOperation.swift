/// The Chat API's published rate limits (service-limits.md), enforced when rate limits are on.
/// Each operation is limited per the key the service passes (a user, a thread, or both).
enum ChatOperation: String, Sendable {
    case createThread, deleteThread, updateThread, changeParticipants, listParticipants
    case getMessage, listMessages, sendMessage, sendReadReceipt, getReadReceipts
    case typingPerUser, typingPerThread

    var rules: [RateLimiter.Rule] {
        switch self {
        case .createThread, .deleteThread: [.init(limit: 10, window: 10)]
        case .updateThread: [.init(limit: 5, window: 10)]
        case .changeParticipants: [.init(limit: 10, window: 10), .init(limit: 30, window: 60)]
        case .listParticipants: [.init(limit: 10, window: 10)]
        case .getMessage: [.init(limit: 250, window: 10)]
        case .listMessages: [.init(limit: 50, window: 10), .init(limit: 200, window: 60)]
        case .sendMessage: [.init(limit: 10, window: 10), .init(limit: 30, window: 60)]
        case .sendReadReceipt: [.init(limit: 10, window: 10), .init(limit: 30, window: 60)]
        case .getReadReceipts: [.init(limit: 5, window: 10)]
        case .typingPerUser: [.init(limit: 5, window: 10), .init(limit: 15, window: 60)]
        case .typingPerThread: [.init(limit: 10, window: 10), .init(limit: 30, window: 60)]
        }
    }
}
