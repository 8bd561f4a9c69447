/// The Chat service's published size limits (service-limits.md).
public enum ChatLimits {
    public static let participantsPerThread = 250
    public static let participantsPerBatch = 200
    /// Message content, in bytes of UTF-8.
    public static let messageBytes = 28 * 1024
    public static let maxPageSize = 200
    public static let defaultPageSize = 20
    /// Typing indicators and read receipts are not supported in larger threads.
    public static let participantsForTypingAndReceipts = 20
    /// Longest topic accepted.
    public static let topicCharacters = 1024
    /// Longest display name accepted.
    public static let displayNameCharacters = 256
    /// At most this many metadata entries, each key and value at most `metadataTextCharacters`.
    public static let metadataEntries = 32
    public static let metadataTextCharacters = 1024
    /// Attachments per message, and the largest hosted image.
    public static let attachmentsPerMessage = 10
    public static let imageBytes = 4 * 1024 * 1024
}
