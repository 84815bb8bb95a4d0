import BundleKit
import Foundation
import Testing

/// The shipped library under `Bundles/`, found from this file's path.
let shippedLibrary: BundleLibrary = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Bundles").path
    return BundleLibrary.load(root: root)
}()

@Suite("Shipped bundles")
struct ShippedBundlesTests {
    @Test("the shipped library lints clean, warnings included")
    func lintClean() {
        let renderer = DiagnosticRenderer(sources: shippedLibrary.sources)
        #expect(Linter(library: shippedLibrary).lint().map(renderer.headline) == [])
    }

    @Test("every golden case passes")
    func golden() {
        let (outcomes, diagnostics, _) = GoldenTestRunner(library: shippedLibrary).run()
        #expect(diagnostics.isEmpty)
        #expect(outcomes.count >= 4)
        for outcome in outcomes { #expect(outcome.failures == [], "\(outcome.name)") }
    }

    @Test(
        "each bundle asks fewer fields and materials than its items would separately",
        arguments: ["company-opening", "newborn"])
    func savings(id: String) throws {
        let bundle = try #require(shippedLibrary.bundle(id))
        let compiled = try #require(BundleCompiler(catalog: shippedLibrary.catalog).compile(bundle).compiled)
        #expect(compiled.fields.count < compiled.fieldsAskedSeparately)
        #expect(compiled.materials.count < compiled.materialsNeededSeparately)
    }

    @Test("company opening: the credit code flows from the licence to tax, social insurance and the bank")
    func creditCodeFlows() throws {
        let bundle = try #require(shippedLibrary.bundle("company-opening"))
        let compiled = try #require(
            BundleCompiler(catalog: shippedLibrary.catalog)
                .compile(bundle, answers: ["hiresStaff": "yes", "needsBankAccount": "yes"]).compiled)
        let fromLicence = PlannedInput(from: "company-registration", elements: ["company.creditCode"])
        for item in ["tax-invoice-setup", "employee-social-insurance", "bank-account-opening"] {
            let subcase = try #require(compiled.subcases.first { $0.item == item })
            #expect(subcase.inputs.contains(fromLicence))
            #expect(subcase.after.contains("company-registration"))
        }
        #expect(compiled.criticalPathDays == 2)
        #expect(compiled.legalDaysTotal == 26)
    }

    @Test("a department sees only its own item's fields and materials")
    func projection() throws {
        let bundle = try #require(shippedLibrary.bundle("company-opening"))
        let compiled = try #require(
            BundleCompiler(catalog: shippedLibrary.catalog).compile(bundle, answers: ["hiresStaff": "no"]).compiled)
        let tax = try #require(compiled.projections.first { $0.department == "tax" })
        #expect(
            tax.fields == [
                "company.name", "taxOfficer.name", "taxOfficer.phone", "invoice.type", "invoice.monthlyQuantity",
            ])
        #expect(tax.materials == ["id-card", "business-licence"])
        #expect(!tax.fields.contains("legalRep.idNumber"))
    }

    @Test("merged fields take the strictest limits of the items asking them")
    func mergedConstraints() throws {
        let bundle = try #require(shippedLibrary.bundle("company-opening"))
        let compiled = try #require(BundleCompiler(catalog: shippedLibrary.catalog).compile(bundle).compiled)
        let quantity = try #require(compiled.fields.first { $0.element == "invoice.monthlyQuantity" })
        #expect(quantity.constraints.minimum == 1)
        #expect(quantity.constraints.maximum == 1000)
        let idCard = try #require(compiled.materials.first { $0.material == "id-card" })
        #expect(idCard.form == .original)
        #expect(idCard.departments == ["market-regulation", "public-security", "tax", "bank"])
    }

    @Test("unanswered situations stay as conditions in the compiled form")
    func openConditions() throws {
        let bundle = try #require(shippedLibrary.bundle("company-opening"))
        let compiled = try #require(BundleCompiler(catalog: shippedLibrary.catalog).compile(bundle).compiled)
        let agent = try #require(compiled.fields.first { $0.element == "applicant.name" })
        #expect(agent.condition?.source == "applicantRole == 'agent'")
        let count = try #require(compiled.fields.first { $0.element == "company.employeeCount" })
        #expect(count.condition?.source == "hiresStaff == 'yes'")
    }
}
