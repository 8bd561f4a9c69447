import Foundation
import Hummingbird

/// The query options of a Graph request (`$filter`, `$select`, `$top`, …), read the way Graph
/// reads them: names and values percent-decoded (the Graph SDKs send `%24filter`), `+` as a space.
struct GraphQuery {
    private let fields: [String: String]

    init(_ request: Request) {
        self.fields = FormBody.parse(Data((request.uri.query ?? "").utf8))
    }

    func get(_ name: String) -> String? {
        fields[name]
    }
}
