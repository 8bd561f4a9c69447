import Foundation
import ParleyAPI
import Testing

/// Reading one field of an event's JSON without parsing the rest (advanced filters).
@Suite struct JSONPathLookupTests {
    let event = Data(
        #"{"id":"1","data":{"skip":{"a":[1,{"b":"}"}],"c":"x\"y"},"threadId":"19:abc@thread.v2","isTwoParty":true,"n":42.5,"esc":"a\u00e9\"b","nested":{"rawId":"8:acs:1"},"nil":null},"subject":"s"}"#
            .utf8
    )

    @Test func findsValuesPastEverythingItSkips() {
        #expect(JSONValue.lookup(["data", "threadId"], in: event) == .string("19:abc@thread.v2"))
        #expect(JSONValue.lookup(["data", "isTwoParty"], in: event) == .bool(true))
        #expect(JSONValue.lookup(["data", "n"], in: event) == .number(42.5))
        #expect(JSONValue.lookup(["data", "esc"], in: event) == .string("aé\"b"))
        #expect(JSONValue.lookup(["data", "nested", "rawId"], in: event) == .string("8:acs:1"))
        #expect(JSONValue.lookup(["data", "nested"], in: event) == .object(["rawId": .string("8:acs:1")]))
        #expect(JSONValue.lookup(["data", "nil"], in: event) == .null)
        #expect(JSONValue.lookup(["subject"], in: event) == .string("s"))
    }

    @Test func missingPathsAndBrokenTextAreNil() {
        #expect(JSONValue.lookup(["data", "absent"], in: event) == nil)
        #expect(JSONValue.lookup(["data", "threadId", "deeper"], in: event) == nil)
        #expect(JSONValue.lookup(["data", "threadId"], in: Data(#"{"data":{"threadId":"unterminated"#.utf8)) == nil)
        #expect(JSONValue.lookup(["data"], in: Data("[]".utf8)) == nil)
    }

    @Test func booleansAndNumbersFromJSONSerializationStayApart() throws {
        let object = try JSONSerialization.jsonObject(with: Data(#"{"t":true,"one":1,"zero":0,"f":false}"#.utf8))
        #expect(JSONValue(jsonObject: object) == .object(["t": .bool(true), "one": .number(1), "zero": .number(0), "f": .bool(false)]))
    }
}
