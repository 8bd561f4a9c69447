/// A list the server returns in pages, as one lazy sequence of items: the next page is fetched
/// (following the server's `nextLink`) only when the items of the previous one are used up.
///
/// ```swift
/// for try await message in thread.listMessages() { print(message.content?.message ?? "") }
/// for try await page in thread.listMessages(maxPageSize: 50).byPage { print(page.items.count) }
/// ```
public struct PagedAsyncSequence<Element: Sendable>: AsyncSequence, Sendable {
    /// One page: its items and the link to the next one (nil on the last page).
    public struct Page: Sendable {
        public var items: [Element]
        public var nextLink: String?

        public init(items: [Element], nextLink: String?) {
            self.items = items
            self.nextLink = nextLink
        }
    }

    /// Loads the first page (`nil`) or the page a `nextLink` names.
    typealias FetchPage = @Sendable (_ nextLink: String?) async throws -> Page

    private let fetch: FetchPage

    init(fetch: @escaping FetchPage) {
        self.fetch = fetch
    }

    /// The same list, a page at a time.
    public var byPage: Pages { Pages(fetch: fetch) }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pages: byPage.makeAsyncIterator())
    }

    /// Every item, fetching every page.
    public func collect() async throws -> [Element] {
        var items: [Element] = []
        for try await page in byPage { items += page.items }
        return items
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private var pages: Pages.AsyncIterator
        private var buffer: [Element] = []
        private var position = 0

        init(pages: Pages.AsyncIterator) {
            self.pages = pages
        }

        public mutating func next() async throws -> Element? {
            while position == buffer.count {
                guard let page = try await pages.next() else { return nil }
                buffer = page.items
                position = 0
            }
            defer { position += 1 }
            return buffer[position]
        }
    }

    /// The pages of a ``PagedAsyncSequence``.
    public struct Pages: AsyncSequence, Sendable {
        private let fetch: FetchPage

        init(fetch: @escaping FetchPage) {
            self.fetch = fetch
        }

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(fetch: fetch)
        }

        public struct AsyncIterator: AsyncIteratorProtocol {
            private let fetch: FetchPage
            private var nextLink: String?
            private var started = false
            private var finished = false

            init(fetch: @escaping FetchPage) {
                self.fetch = fetch
            }

            public mutating func next() async throws -> Page? {
                guard !finished else { return nil }
                let page = try await fetch(started ? nextLink : nil)
                started = true
                nextLink = page.nextLink.flatMap { $0.isEmpty ? nil : $0 }
                finished = nextLink == nil
                return page
            }
        }
    }
}
