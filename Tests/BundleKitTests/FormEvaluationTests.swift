import BundleKit
import Testing

@Suite("Form evaluation")
struct FormEvaluationTests {
    /// The fixture with `staff.count` optional for registration and required for tax (asked only when
    /// the company hires): compiled with the situation open, the field is active always and required
    /// only when `hires == 'yes'`.
    func compiled() throws -> CompiledBundle {
        let fixture = try LibraryFixture(catalog: [
            (
                #""fields": { "company.name": {}, "company.size": {} },"#,
                #""fields": { "company.name": {}, "company.size": {}, "staff.count": { "required": false } },"#
            )
        ])
        defer { fixture.remove() }
        let library = fixture.library
        let bundle = try #require(library.bundle("demo"))
        return try #require(BundleCompiler(catalog: library.catalog).compile(bundle, answers: [:]).compiled)
    }

    @Test(
        "a field required under a narrower condition is required only when it holds",
        arguments: [
            ("yes", true), ("no", false),
        ])
    func requiredWhen(answer: String, required: Bool) throws {
        let compiled = try compiled()
        let field = try #require(compiled.fields.first { $0.element == "staff.count" })
        #expect(field.requiredWhen?.source == "hires == 'yes'")
        let form = FormEvaluation(compiled, answers: ["hires": answer], values: [:])
        #expect(form.isActive(field))
        #expect(form.isRequired(field) == required)
    }

    @Test("materials follow their conditions; one whose condition is not decided yet is still listed")
    func neededMaterials() throws {
        let compiled = try compiled()
        let open = FormEvaluation(compiled, answers: [:], values: [:])
        #expect(open.neededMaterials.map(\.material) == ["id-card", "licence"])
        let noHiring = FormEvaluation(compiled, answers: ["hires": "no"], values: [:])
        #expect(noHiring.neededMaterials.map(\.material) == ["id-card"])
    }
}
