extension TeamsChatClient {
    /// Real-time notifications for this Teams user: the same events, in the same shapes, as app
    /// users get, for every chat the person is in.
    ///
    /// - Parameters:
    ///   - position: the last position seen in an earlier session; nil starts from now.
    ///   - options: reconnection timing.
    public func notifications(resumingAfter position: Int64? = nil, options: ChatNotificationOptions = .init()) -> ChatNotifications {
        ChatNotifications(endpoint: endpoint, credential: credential, tlsConfiguration: tlsConfiguration, resumeAfter: position, options: options)
    }
}
