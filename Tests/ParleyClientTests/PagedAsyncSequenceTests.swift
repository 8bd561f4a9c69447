import Foundation
import Testing

@testable import ParleyClient

@Suite struct PagedAsyncSequenceTests {
    /// Three pages of two numbers, counting fetches.
    func numbers(_ fetches: Counter) -> PagedAsyncSequence<Int> {
        PagedAsyncSequence { link in
            fetches.increment()
            switch link {
            case nil: return .init(items: [1, 2], nextLink: "page-2")
            case "page-2": return .init(items: [3, 4], nextLink: "page-3")
            default: return .init(items: [5], nextLink: "")
            }
        }
    }

    // MARK: Tests

    @Test func itemsComeFromEveryPageInOrder() async throws {
        let fetches = Counter()
        #expect(try await numbers(fetches).collect() == [1, 2, 3, 4, 5])
        #expect(fetches.count == 3)
    }

    @Test func pagesAreFetchedOnlyWhenNeeded() async throws {
        let fetches = Counter()
        var seen: [Int] = []
        for try await number in numbers(fetches) {
            seen.append(number)
            if number == 3 { break }
        }
        #expect(seen == [1, 2, 3])
        #expect(fetches.count == 2)
    }

    @Test func byPageGivesThePagesAndTheirLinks() async throws {
        var links: [String?] = []
        for try await page in numbers(Counter()).byPage { links.append(page.nextLink) }
        #expect(links == ["page-2", "page-3", ""])
    }

    @Test func nextLinksMayBeAbsoluteOrRelative() throws {
        let transport = try ChatClientOptions().makeTransport()
        let client = BearerClient(endpoint: URL(string: "https://example.test:8443")!, transport: transport, apiVersion: "2024-03-07") { "" }
        #expect(
            client.url("chat/threads", query: [("maxPageSize", "2"), ("startTime", nil)])
                == "https://example.test:8443/chat/threads?maxPageSize=2&api-version=2024-03-07"
        )
        #expect(
            try client.resolve(link: "/chat/threads?syncState=abc&api-version=2023-11-07")
                == "https://example.test:8443/chat/threads?syncState=abc&api-version=2023-11-07"
        )
        #expect(try client.resolve(link: "https://other.test/chat/threads?skip=2") == "https://other.test/chat/threads?skip=2&api-version=2024-03-07")
    }

    @Test func idsAreEscapedInPaths() {
        #expect(URLEscaping.escape("19:abc@thread.v2") == "19%3Aabc%40thread.v2")
        #expect(URLEscaping.escape("é ✓+/") == "%C3%A9%20%E2%9C%93%2B%2F")
    }
}
