import JSONC
import Testing

@Suite("JSON dialect")
struct JSONDocumentTests {
    @Test("comments are accepted and object members keep their source order")
    func commentsAndOrder() async throws {
        let text = """
            // a comment
            { "zeta": 1, /* inline */ "alpha": [true, null, 2.5], "mid": "中文" }
            """
        let document = try JSONDocument(parsing: text, path: "x.json")
        let members = try #require(document.root.value.members)
        #expect(members.map(\.key) == ["zeta", "alpha", "mid"])
        #expect(members[2].node.value == .string("中文"))
        #expect(members[1].node.value.elements?.count == 3)
    }

    @Test("every value knows its line and column")
    func positions() async throws {
        let text = "{\n  \"名称\": \"x\",\n  \"b\": [1,\n    {\"c\": false}]\n}"
        let document = try JSONDocument(parsing: text, path: "x.json")
        let members = try #require(document.root.value.members)
        #expect(document.source.lineAndColumn(of: members[0].node.offset) == (2, 9))
        let inner = try #require(members[1].node.value.elements?[1])
        #expect(document.source.lineAndColumn(of: inner.offset) == (4, 5))
        let c = try #require(inner.value.members?[0])
        #expect(document.source.lineAndColumn(of: c.keyOffset) == (4, 6))
    }

    @Test(
        "json-c's lenient inputs are errors with the exact place",
        arguments: [
            ("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key 'a' in the same object"),
            ("{\"a\\u0000x\": 1, \"a\\u0000y\": 2}", 1, 4, "\\u0000 (NUL) cannot stand in a OneGo file"),
            (
                "{\"a\": 1， \"b\": 2}", 1, 8,
                "expected ',' or '}' after the value of 'a', found '，' (U+FF0C FULLWIDTH COMMA): use ','"
            ),
            ("{\"a\":\u{3000}1}", 1, 6, "expected a value, found (U+3000 IDEOGRAPHIC SPACE): use ' '"),
            ("{\"a\": \"name\\u0000hidden\"}", 1, 12, "\\u0000 (NUL) cannot stand in a OneGo file"),
            ("{\"a\": NaN}", 1, 7, "'NaN' is not a JSON value; write a number"),
            (
                "{\"a\": 99999999999999999999}", 1, 7,
                "99999999999999999999 is beyond the range of whole numbers (±9223372036854775807)"
            ),
            ("{\"a\": -1e400}", 1, 7, "-1e400 is beyond the range of numbers (about ±1.8e308)"),
            ("{\"a\": Infinity}", 1, 7, "'Infinity' is not a JSON value; write a number"),
            ("{'a': 1}", 1, 2, "single-quoted strings are not JSON; use double quotes"),
            ("{\"a\": 'b'}", 1, 7, "single-quoted strings are not JSON; use double quotes"),
            ("[1, 2,]", 1, 6, "remove the trailing comma before ']'"),
            ("{\"a\": 1,\n}", 1, 8, "remove the trailing comma before '}'"),
            ("{\"a\": 012}", 1, 7, "a number may not have leading zeros"),
            ("{\"a\": 1} x", 1, 10, "unexpected text after the JSON value"),
            ("{\"a\": 1} {}", 1, 10, "unexpected text after the JSON value"),
            ("/* open", 1, 1, "the comment is not closed; expected '*/'"),
            ("{\"a\" 1}", 1, 6, "expected ':' after the key 'a'"),
            ("", 1, 1, "the file is empty; expected a JSON value"),
        ])
    func rejected(text: String, line: Int, column: Int, message: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONDocument(parsing: text, path: "x.json") }
        do {
            _ = try JSONDocument(parsing: text, path: "x.json")
        } catch {
            let source = SourceFile(path: "x.json", bytes: Array(text.utf8))
            #expect(source.lineAndColumn(of: error.offset) == (line, column))
            #expect(error.message == message)
        }
    }

    @Test("invalid UTF-8 is an error, not a replacement character")
    func invalidUTF8() async {
        let bytes: [UInt8] = Array("{\"a\": \"".utf8) + [0xFF, 0xFE] + Array("\"}".utf8)
        do {
            _ = try JSONDocument(parsing: bytes, path: "x.json")
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.message == "invalid UTF-8 byte sequence; save the file as UTF-8")
            #expect(error.offset == 7)
        }
    }

    @Test("escapes decode, and duplicate keys are found through escapes")
    func escapes() async throws {
        let document = try JSONDocument(parsing: "{\"a\\u0062\": \"\\u4e2d\\n\"}", path: "x.json")
        #expect(document.root.value.members?[0].key == "ab")
        #expect(document.root.value.members?[0].node.value == .string("中\n"))
        #expect(throws: JSONSyntaxError.self) {
            try JSONDocument(parsing: "{\"ab\": 1, \"a\\u0062\": 2}", path: "x.json")
        }
    }

    @Test("serialisation keeps order and writes Chinese as is")
    func serialisation() async {
        let value = JSONValue.object(["b": .integer(1), "a": .list([.string("中\"文"), .bool(false), .null])])
        #expect(value.serialized(pretty: false) == "{\"b\":1,\"a\":[\"中\\\"文\",false,null]}")
    }
}
