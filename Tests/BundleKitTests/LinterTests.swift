import BundleKit
import JSONC
import Testing

@Suite("Lint diagnostics: one planted mistake each")
struct LinterTests {
    @Test("the fixture itself is clean")
    func clean() async throws {
        let fixture = try LibraryFixture()
        defer { fixture.remove() }
        #expect(fixture.headlines() == [])
    }

    @Test("a misspelt item gets its line, column and a did-you-mean")
    func unknownReference() async throws {
        let fixture = try LibraryFixture(bundle: [("\"tax-setup\": {", "\"tax-setpu\": {")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines()
                == [
                    "demo.json:11:5: error: unknown item 'tax-setpu'; did you mean 'tax-setup'? [unknown-reference]",
                    "catalog/catalog.json:28:5: warning: item 'tax-setup' is not used by any bundle [unused-catalog-entry]",
                ].sorted())
    }

    @Test("the full report shows the source line, a caret and the JSON pointer")
    func fullReport() async throws {
        let fixture = try LibraryFixture(bundle: [("\"register\": {}", "\"register\": { \"aftr\": [] }")])
        defer { fixture.remove() }
        #expect(
            fixture.report() == """
                demo.json:10:19: error: unknown key 'aftr' in bundle item 'register'; did you mean 'after'? [unknown-key]
                  10 |     "register": { "aftr": [] },
                     |                   ^
                     = at /items/register/aftr
                1 error, 0 warnings
                """)
    }

    @Test("a misspelt key is an unknown key")
    func unknownKey() async throws {
        let fixture = try LibraryFixture(catalog: [("\"legalDays\": 3", "\"legalDay\": 3")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "catalog/catalog.json:22:7: error: unknown key 'legalDay' in item 'register'; did you mean 'legalDays'? [unknown-key]"
            ])
    }

    @Test("a required key that is missing is named")
    func missingKey() async throws {
        let fixture = try LibraryFixture(catalog: [("\"department\": \"tax\",", "")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines().contains(
                "catalog/catalog.json:28:18: error: item 'tax-setup' needs the key 'department' [missing-key]"))
    }

    @Test("a value of the wrong JSON type")
    func wrongType() async throws {
        let fixture = try LibraryFixture(bundle: [("\"promisedDays\": 2", "\"promisedDays\": \"2\"")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "demo.json:13:19: error: 'promisedDays' must be a whole number, not a string [wrong-type]"
            ])
    }

    @Test("a word outside its set gets a did-you-mean")
    func invalidValue() async throws {
        let fixture = try LibraryFixture(catalog: [
            ("\"kind\": \"committed\",\n      \"legalDays\"", "\"kind\": \"comitted\",\n      \"legalDays\"")
        ])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "catalog/catalog.json:21:15: error: 'comitted' is not a valid kind; use one of 'immediate', 'committed'; did you mean 'committed'? [invalid-value]"
            ])
    }

    @Test("a duplicate key in a file is a syntax error at the second key")
    func duplicateKey() async throws {
        let fixture = try LibraryFixture(bundle: [("\"version\": \"1\",", "\"version\": \"1\",\n  \"version\": \"2\",")]
        )
        defer { fixture.remove() }
        #expect(
            fixture.headlines().contains(
                "demo.json:4:3: error: duplicate key 'version' in the same object [json-syntax]"))
    }

    @Test("an id defined in two catalog files")
    func duplicateDefinition() async throws {
        let extra = """
            { "departments": { "tax": { "name": { "zh": "税务", "en": "Tax" } } } }
            """
        let fixture = try LibraryFixture(extraCatalogFile: extra)
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "catalog/extra.json:1:20: error: department 'tax' is defined twice [duplicate-definition]"
            ])
    }

    @Test("the same element with two types")
    func conflictingElementType() async throws {
        let extra = """
            { "elements": { "staff.count": { "label": { "zh": "人数", "en": "Staff" }, "type": "text" } } }
            """
        let fixture = try LibraryFixture(extraCatalogFile: extra)
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "catalog/extra.json:1:17: error: element 'staff.count' is defined as 'text' here and as 'integer' in catalog/catalog.json [conflicting-element-type]"
            ])
    }

    @Test("a dependency cycle prints the cycle")
    func dependencyCycle() async throws {
        let fixture = try LibraryFixture(bundle: [("\"register\": {}", "\"register\": { \"after\": [\"tax-setup\"] }")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "demo.json:10:5: error: dependency cycle: register → tax-setup → register [dependency-cycle]"
            ])
    }

    @Test("merged constraints no value can meet name both items")
    func unsatisfiableConstraints() async throws {
        let fixture = try LibraryFixture(catalog: [
            (
                "\"fields\": { \"company.name\": {}, \"company.size\": {} }",
                "\"fields\": { \"company.name\": { \"maxLength\": 10 }, \"company.size\": {} }"
            ),
            (
                "\"fields\": { \"company.name\": {}, \"staff.count\": {} }",
                "\"fields\": { \"company.name\": { \"minLength\": 20 }, \"staff.count\": {} }"
            ),
        ])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "catalog/catalog.json:33:19: error: field 'company.name' cannot be filled: item 'tax-setup' asks at least 20 characters and item 'register' at most 10 [unsatisfiable-constraints]"
            ])
    }

    @Test("limits and dependencies of items no answers make active together are not reported (issue 17.6)")
    func exclusiveItems() async throws {
        let noInputs = ("\"inputs\": [\"company.code\"]", "\"inputs\": []")
        let limits = try LibraryFixture(
            catalog: [
                noInputs,
                (
                    "\"fields\": { \"company.name\": {}, \"company.size\": {} }",
                    "\"fields\": { \"company.name\": { \"maxLength\": 10 }, \"company.size\": {} }"
                ),
                (
                    "\"fields\": { \"company.name\": {}, \"staff.count\": {} }",
                    "\"fields\": { \"company.name\": { \"minLength\": 20 }, \"staff.count\": {} }"
                ),
            ],
            bundle: [("\"register\": {}", "\"register\": { \"when\": \"hires == 'no'\" }")])
        defer { limits.remove() }
        #expect(limits.headlines() == [])
        let cycle = try LibraryFixture(
            catalog: [noInputs],
            bundle: [
                ("\"register\": {}", "\"register\": { \"when\": \"hires == 'no'\", \"after\": [\"tax-setup\"] }"),
                (
                    "\"tax-setup\": { \"when\": \"hires == 'yes'\" }",
                    "\"tax-setup\": { \"when\": \"hires == 'yes'\", \"after\": [\"register\"] }"
                ),
            ])
        defer { cycle.remove() }
        #expect(cycle.headlines() == [])
        // The same items active together are still reported.
        let together = try LibraryFixture(
            catalog: [noInputs],
            bundle: [
                ("\"register\": {}", "\"register\": { \"after\": [\"tax-setup\"] }"),
                (
                    "\"tax-setup\": { \"when\": \"hires == 'yes'\" }",
                    "\"tax-setup\": { \"when\": \"hires == 'yes'\", \"after\": [\"register\"] }"
                ),
            ])
        defer { together.remove() }
        #expect(together.headlines().contains { $0.contains("[dependency-cycle]") }, "\(together.headlines())")
    }

    @Test("a material one item produces is not on the checklist, and its users wait for the producer (issue 16.1)")
    func producedMaterial() async throws {
        let fixture = try LibraryFixture(
            catalog: [
                ("\"inputs\": [\"company.code\"]", "\"inputs\": []"),
                (
                    "\"outputs\": [\"company.code\"]",
                    "\"outputs\": [\"company.code\"], \"producesMaterials\": [\"licence\"]"
                ),
            ])
        defer { fixture.remove() }
        #expect(fixture.headlines() == [])
        let library = fixture.library
        let bundle = try #require(library.bundle("demo"))
        let compiled = try #require(
            BundleCompiler(catalog: library.catalog).compile(bundle, answers: ["hires": "yes"]).compiled)
        #expect(!compiled.materials.contains { $0.material == "licence" })
        #expect(compiled.producedMaterials.map(\.material) == ["licence"])
        #expect(compiled.producedMaterials.first?.items == ["tax-setup"])
        #expect(compiled.subcases.first { $0.item == "tax-setup" }?.after == ["register"])
    }

    @Test("a bundle that asks for a material its own item produces is warned (issue 16.1)")
    func producedMaterialAsked() async throws {
        let fixture = try LibraryFixture(
            catalog: [
                ("\"inputs\": [\"company.code\"]", "\"inputs\": []"),
                (
                    "\"outputs\": [\"company.code\"]",
                    "\"outputs\": [\"company.code\"], \"producesMaterials\": [\"licence\"]"
                ),
            ],
            bundle: [
                (
                    "\"promisedDays\": 2",
                    "\"materials\": { \"licence\": { \"when\": \"hires == 'yes'\" } },\n  \"promisedDays\": 2"
                )
            ])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "demo.json:13:18: warning: the material 'licence' is produced by this bundle's item 'register' [produced-material-asked]"
            ])
        #expect(fixture.report().contains("remove this entry unless the material is needed when the item is not"))
    }

    @Test("an ASCII mark inside Chinese text is a warning naming the Chinese mark (issue 16.13)")
    func asciiPunctuation() async throws {
        let fixture = try LibraryFixture(bundle: [("\"zh\": \"招工？\"", "\"zh\": \"是否招工?\"")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "demo.json:6:36: warning: the Chinese text puts the ASCII '?' inside Chinese; write '？' [ascii-punctuation]"
            ])
    }

    @Test("a bundle name wider than half a kiosk screen is a warning: the home screen lists bundles in two columns")
    func longBundleName() async throws {
        let fixture = try LibraryFixture(bundle: [
            ("\"en\": \"Demo\"", "\"en\": \"A demonstration bundle with a long name\"")
        ])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "demo.json:4:31: warning: the bundle's name takes 39 columns; at most 33 fit the kiosk's home screen in"
                    + " two columns [long-bundle-name]"
            ])
    }

    @Test("a condition with a syntax error points inside the string")
    func conditionSyntax() async throws {
        let fixture = try LibraryFixture(bundle: [("hires == 'yes'", "hires = 'yes'")])
        defer { fixture.remove() }
        #expect(fixture.headlines() == ["demo.json:11:35: error: use '==' to compare [condition-syntax]"])
    }

    @Test("a condition over an unknown name")
    func conditionUnknownName() async throws {
        let fixture = try LibraryFixture(bundle: [("hires == 'yes'", "hire == 'yes'")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "demo.json:11:29: error: unknown situation or element 'hire' in the condition; did you mean 'hires'? [condition-unknown-name]"
            ])
    }

    @Test("a condition over a choice the situation does not have")
    func conditionUnknownChoice() async throws {
        let fixture = try LibraryFixture(bundle: [("hires == 'yes'", "hires == 'yess'")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines().contains(
                "demo.json:11:38: error: situation 'hires' has no choice 'yess'; did you mean 'yes'? [condition-unknown-choice]"
            ))
    }

    @Test("a condition of the wrong type")
    func conditionType() async throws {
        let fixture = try LibraryFixture(bundle: [("hires == 'yes'", "staff.count == 'many'")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "demo.json:11:44: error: element 'staff.count' is of type 'integer' and cannot equal 'many' [condition-type]"
            ])
    }

    @Test("an item no answer can switch on")
    func itemNeverActive() async throws {
        let fixture = try LibraryFixture(bundle: [("hires == 'yes'", "hires == 'yes' and hires == 'no'")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "demo.json:11:28: error: item 'tax-setup' is never included: no answer to the situations makes its condition true [item-never-active]"
            ])
    }

    @Test("an input no active item produces names the answers")
    func inputNotProduced() async throws {
        let fixture = try LibraryFixture(bundle: [("\"register\": {}", "\"register\": { \"when\": \"hires == 'no'\" }")]
        )
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "demo.json:11:5: error: item 'tax-setup' needs 'company.code', but no active item produces it when hires = yes [input-not-produced]"
            ])
    }

    @Test("a promise shorter than the critical path")
    func promiseBelowCriticalPath() async throws {
        let fixture = try LibraryFixture(bundle: [("\"promisedDays\": 2", "\"promisedDays\": 1")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "demo.json:13:19: error: bundle 'demo' promises 1 working days, but its critical path takes 2 [promise-below-critical-path]"
            ])
    }

    @Test("an item promising more than its legal limit")
    func promisedAboveLegal() async throws {
        let fixture = try LibraryFixture(
            catalog: [("\"legalDays\": 3,\n      \"promisedDays\": 1", "\"legalDays\": 3,\n      \"promisedDays\": 4")],
            bundle: [("\"promisedDays\": 2", "\"promisedDays\": 5")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "catalog/catalog.json:23:23: error: item 'register' promises 4 working days, more than its legal limit of 3 [promised-above-legal]"
            ])
    }

    @Test("an unused catalog entry is a warning")
    func unusedCatalogEntry() async throws {
        let fixture = try LibraryFixture(catalog: [
            (
                "\"licence\": { \"name\"",
                "\"old-form\": { \"name\": { \"zh\": \"旧表\", \"en\": \"Old form\" } },\n    \"licence\": { \"name\""
            )
        ])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "catalog/catalog.json:15:5: warning: material 'old-form' is not used by any item [unused-catalog-entry]"
            ])
    }

    @Test("an item naming an unknown department")
    func unknownDepartment() async throws {
        let fixture = try LibraryFixture(catalog: [("\"department\": \"tax\"", "\"department\": \"taxes\"")])
        defer { fixture.remove() }
        #expect(
            fixture.headlines() == [
                "catalog/catalog.json:4:5: warning: department 'tax' is not used by any item [unused-catalog-entry]",
                "catalog/catalog.json:30:21: error: item 'tax-setup' names an unknown department 'taxes'; did you mean 'tax'? [unknown-reference]",
            ])
    }
}

@Suite("Where a diagnostic points")
struct DiagnosticPositionTests {
    @Test("a file with CR-only line endings is read line by line")
    func carriageReturns() {
        let source = SourceFile(path: "x.json", bytes: Array("{\r  \"a\": 1,\r  \"b\": x\r}".utf8))
        let offset = Array(source.bytes).firstIndex(of: UInt8(ascii: "x")) ?? 0
        #expect(source.lineAndColumn(of: offset) == (3, 8))
        #expect(source.lineText(3) == "  \"b\": x")
    }

    @Test("the caret lands under the character by display width after Chinese text")
    func caretByWidth() {
        // '，' is the 10th character; before it 9 characters take 11 columns (两个汉字 take two each).
        let (shown, caret) = DiagnosticRenderer.window("  \"名称\": 1，", column: 10)
        #expect(shown == "  \"名称\": 1，")
        #expect(caret == String(repeating: " ", count: 11))
    }

    @Test("a 5 MB one-line file is echoed around the column, not whole")
    func longLine() {
        let line = String(repeating: "a", count: 5_000_000)
        let (shown, caret) = DiagnosticRenderer.window(line, column: 2_500_000)
        #expect(DisplayWidth.of(shown) <= DiagnosticRenderer.maximumEchoWidth + 2)
        #expect(shown.hasPrefix("…") && shown.hasSuffix("…"))
        #expect(caret.count == 34)
    }
}
