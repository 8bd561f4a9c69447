import ParleyAPI

extension ChatClient {
    /// Real-time notifications for this user: every chat event of the threads it is in, as they
    /// happen, across reconnections.
    ///
    /// - Parameters:
    ///   - position: the last position this user has seen (from a previous session); events after
    ///     it are replayed first. Nil starts from now.
    ///   - options: reconnection timing.
    public func notifications(resumingAfter position: Int64? = nil, options: ChatNotificationOptions = .init()) -> ChatNotifications {
        ChatNotifications(endpoint: endpoint, credential: credential, tlsConfiguration: tlsConfiguration, resumeAfter: position, options: options)
    }
}
