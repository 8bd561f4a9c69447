import ParleyAPI

/// An image or file of a message (Teams interop): images download from ``url`` with the
/// reader's own token; files are references to where the sender keeps them.
public struct ChatAttachment: Sendable, Hashable {
    public var id: String?
    /// `image` or `file`.
    public var attachmentType: String
    public var name: String?
    public var url: String?
    public var previewUrl: String?

    public init(id: String?, attachmentType: String, name: String? = nil, url: String? = nil, previewUrl: String? = nil) {
        self.id = id
        self.attachmentType = attachmentType
        self.name = name
        self.url = url
        self.previewUrl = previewUrl
    }

    init(_ model: ChatAttachmentModel) {
        self.init(id: model.id, attachmentType: model.attachmentType, name: model.name, url: model.url, previewUrl: model.previewUrl)
    }
}
