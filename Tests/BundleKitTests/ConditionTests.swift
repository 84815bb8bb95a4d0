import BundleKit
import Testing

@Suite("Condition language")
struct ConditionTests {
    @Test("and binds tighter than or; not and parentheses work")
    func precedence() async throws {
        let expression = try ConditionParser.parse("a == 'x' or b == 'y' and not (c in ['1', '2'])")
        let values: [String: ConditionLiteral] = ["a": .string("z"), "b": .string("y"), "c": .string("3")]
        #expect(expression.evaluate { values[$0] } == true)
        #expect(expression.source == "a == 'x' or (b == 'y' and not c in ['1', '2'])")
    }

    @Test("conditions are simplified over a situation's choices before anyone reads them (issue 17.14)")
    func simplified() async throws {
        let choices: (String) -> [ConditionLiteral]? = { name in
            name == "kind" ? [.string("a"), .string("b"), .string("c")] : nil
        }
        func simple(_ text: String) throws -> String {
            try ConditionParser.parse(text).simplified(choices: choices).source
        }
        #expect(try simple("kind == 'a' or kind == 'b' or kind == 'a'") == "kind in ['a', 'b']")
        #expect(try simple("kind == 'a' or kind == 'b' or kind == 'c'") == "true")
        #expect(try simple("kind != 'a'") == "kind in ['b', 'c']")
        #expect(try simple("kind in ['a', 'b'] and kind != 'a'") == "kind == 'b'")
        #expect(try simple("kind == 'a' and kind == 'b'") == "false")
        #expect(try simple("(kind == 'a' or x == 1) or kind == 'c'") == "kind in ['a', 'c'] or x == 1")
        #expect(try simple("x == 1 or x == 2") == "x in [1, 2]")  // a form value: merged, never folded
        #expect(try simple("x == 1 or x != 1") == "x == 1 or x != 1")
    }

    @Test("unknown names make the result unknown, unless the rest decides it")
    func threeValued() async throws {
        let expression = try ConditionParser.parse("a == 'x' and b == 1")
        #expect(expression.evaluate { $0 == "a" ? .string("x") : nil } == nil)
        #expect(expression.evaluate { $0 == "a" ? .string("y") : nil } == false)
        #expect(expression.specialized { $0 == "a" ? .string("x") : nil }.source == "b == 1")
    }

    @Test(
        "syntax errors say what was expected and where",
        arguments: [
            ("a == ", 5, "expected a value such as 'text', 42 or true, found the end of the condition"),
            ("a && b", 2, "use 'and' and 'or' instead of '&&' and '||'"),
            ("a == yes", 5, "expected a value such as 'text', 42 or true, found 'yes'; put text in single quotes"),
            ("(a == 'x'", 9, "expected ')', found the end of the condition"),
            ("a in 'x'", 5, "expected '[' to start the list after 'in', found 'x'"),
        ])
    func syntaxErrors(text: String, offset: Int, message: String) {
        #expect(throws: ConditionSyntaxError(offset: offset, message: message)) {
            try ConditionParser.parse(text)
        }
    }
}

@Suite("Conditions against hostile files")
struct HostileConditionTests {
    @Test(
        "nesting deeper than 64 levels is refused with a diagnostic instead of exhausting the stack",
        arguments: [
            (String(repeating: "(", count: 3000) + "a == 'x'" + String(repeating: ")", count: 3000), 64),
            (String(repeating: "not ", count: 7000) + "a == 'x'", 256),
        ])
    func deepNesting(text: String, offset: Int) {
        #expect(
            throws: ConditionSyntaxError(
                offset: offset,
                message: "the condition nests 'not' and parentheses more than 64 deep; simplify it")
        ) {
            try ConditionParser.parse(text)
        }
    }

    @Test("64 levels are still accepted")
    func deepestAccepted() throws {
        let text = String(repeating: "(", count: 64) + "a == 'x'" + String(repeating: ")", count: 64)
        #expect(try ConditionParser.parse(text).source == "a == 'x'")
    }
}
