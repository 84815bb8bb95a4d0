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
    func lintClean() async {
        let renderer = DiagnosticRenderer(sources: shippedLibrary.sources)
        #expect(Linter(library: shippedLibrary).lint().map(renderer.headline) == [])
    }

    @Test("every golden case passes")
    func golden() async {
        let (outcomes, diagnostics, _) = GoldenTestRunner(library: shippedLibrary).run()
        #expect(diagnostics.isEmpty)
        #expect(outcomes.count >= 4)
        for outcome in outcomes { #expect(outcome.failures == [], "\(outcome.name)") }
    }

    @Test(
        "each bundle asks fewer fields than its items would separately, and never more materials",
        arguments: shippedLibrary.bundles.map(\.id))
    func savings(id: String) throws {
        let row = try #require(BundleReport(library: shippedLibrary).rows.first { $0.bundle == id })
        #expect(row.items >= 2)
        #expect(row.fields < row.fieldsSeparately)
        #expect(row.materials <= row.materialsSeparately)
        #expect(row.criticalPathDays <= row.promisedDays)
    }

    @Test("the library covers the life and business events the service centre offers")
    func coverage() async {
        let ids = Set(shippedLibrary.bundles.map(\.id))
        for id in [
            "company-opening", "newborn", "enterprise-deregistration", "enterprise-deregistration-simplified",
            "restaurant-opening", "retirement", "employee-hiring", "resale-housing-transfer", "utility-connection",
            "after-death", "disability-services", "school-enrolment", "social-security-card",
        ] {
            #expect(ids.contains(id), "\(id)")
        }
    }

    @Test("one document is one material: the ID card, household register and licence serve many bundles")
    func materialsAreShared() async throws {
        let compiler = BundleCompiler(catalog: shippedLibrary.catalog)
        var bundlesUsing: [String: Set<String>] = [:]
        for bundle in shippedLibrary.bundles {
            let compiled = try #require(compiler.compile(bundle).compiled)
            for material in compiled.materials { bundlesUsing[material.material, default: []].insert(bundle.id) }
        }
        #expect(bundlesUsing["id-card", default: []].count >= 10)
        #expect(bundlesUsing["household-register", default: []].count >= 4)
        #expect(bundlesUsing["business-licence", default: []].count >= 4)
        let names = shippedLibrary.catalog.materials.all.map(\.name.zh)
        #expect(Set(names).count == names.count)
    }

    @Test("the report counts a real case: exclusive alternatives are never added together")
    func reportLargestCase() async throws {
        let rows = BundleReport(library: shippedLibrary).rows
        let afterDeath = try #require(rows.first { $0.bundle == "after-death" })
        #expect(afterDeath.items == 7)
        #expect(afterDeath.answerText == "deathKind=natural hadDrivingLicence=yes hadPension=yes hadProvidentFund=yes")
        let retirement = try #require(rows.first { $0.bundle == "retirement" })
        #expect(retirement.items == 7)
    }

    @Test("retirement runs in three stages: eligibility, then pension and deemed years, then the rest")
    func retirementStages() async throws {
        let bundle = try #require(shippedLibrary.bundle("retirement"))
        let compiled = try #require(
            BundleCompiler(catalog: shippedLibrary.catalog)
                .compile(
                    bundle,
                    answers: [
                        "retirementType": "illness", "recordsElsewhere": "yes", "hasProvidentFund": "yes",
                        "onlyChildParent": "yes",
                    ]
                ).compiled)
        func after(_ item: String) throws -> Set<String> {
            Set(try #require(compiled.subcases.first { $0.item == item }).after)
        }
        #expect(try after("early-retirement-illness").isEmpty)
        #expect(try after("household-record-check").isEmpty)
        #expect(try after("pension-approval") == ["early-retirement-illness"])
        #expect(try after("deemed-contribution-years") == ["early-retirement-illness"])
        for item in ["retiree-medical-insurance", "provident-fund-retirement-withdrawal", "only-child-parent-award"] {
            #expect(try after(item).isSuperset(of: ["pension-approval", "deemed-contribution-years"]), "\(item)")
        }
        #expect(compiled.criticalPathDays == 11)
    }

    @Test("deregistration hands in the licence originals: shared data cannot stand in")
    func licenceSurrendered() async throws {
        let bundle = try #require(shippedLibrary.bundle("enterprise-deregistration"))
        let compiled = try #require(BundleCompiler(catalog: shippedLibrary.catalog).compile(bundle).compiled)
        let licence = try #require(compiled.materials.first { $0.material == "business-licence" })
        #expect(!licence.sharedData)
        #expect(licence.form == .original)
    }

    @Test("company opening: the credit code flows from the licence to tax, social insurance and the bank")
    func creditCodeFlows() async throws {
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
    func projection() async throws {
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
    func mergedConstraints() async throws {
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
    func openConditions() async throws {
        let bundle = try #require(shippedLibrary.bundle("company-opening"))
        let compiled = try #require(BundleCompiler(catalog: shippedLibrary.catalog).compile(bundle).compiled)
        let agent = try #require(compiled.fields.first { $0.element == "applicant.name" })
        #expect(agent.condition?.source == "applicantRole == 'agent'")
        let count = try #require(compiled.fields.first { $0.element == "company.employeeCount" })
        #expect(count.condition?.source == "hiresStaff == 'yes'")
    }
}
