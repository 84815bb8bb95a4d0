import BundleKit
import CaseEngine
import CaseStoreSQLite
import Foundation
import GRDB
import Testing
import WorkCalendar

@Suite("Migrations")
struct MigrationTests {
    @Test("migration v7 rewrites the comma, flow and separator encodings as JSON; the case shows the same and goes on")
    func legacyEncodingsBecomeJSON() async throws {
        let fixture = try await EngineFixture()
        defer { fixture.remove() }
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        try await engine.issueRegistration(number)
        try await engine.accept(number + "-03", department: "tax", actor: officer("tax"))
        try await engine.requestCorrection(
            number + "-03", department: "tax", materials: ["id-card"], fields: [], note: "复印件不清晰",
            actor: officer("tax"))
        let summary = try await engine.caseSummary(number)
        let taxView = try await engine.departmentView(number + "-03", department: "tax")
        let bankView = try await engine.departmentView(number + "-07", department: "bank")
        #expect(taxView.inputs.map(\.value) == ["91512081MA62K0260E"])
        #expect(summary.corrections.map(\.materials.first?.id) == ["id-card"])
        // Put the file back as schema v6 wrote it: comma lists, `from:a|b` flows and U+001F/U+001E maps.
        let reviewers = try fixture.reviewers()
        try revertPlanSubcases(fixture)
        try await fixture.database().write { db in
            try db.execute(
                sql: """
                    UPDATE subcases SET
                        after_items = ifnull((SELECT group_concat(value, ',') FROM json_each(after_items)), ''),
                        output_elements = ifnull((SELECT group_concat(value, ',') FROM json_each(output_elements)), ''),
                        dependant_items = ifnull((SELECT group_concat(value, ',') FROM json_each(dependant_items)), ''),
                        fields = ifnull((SELECT group_concat(value, ',') FROM json_each(fields)), ''),
                        materials = ifnull((SELECT group_concat(value, ',') FROM json_each(materials)), ''),
                        input_flows = ifnull((SELECT group_concat((f.value ->> 'from') || ':'
                            || (SELECT group_concat(e.value, '|') FROM json_each(f.value, '$.elements') e), ',')
                            FROM json_each(input_flows) f), '');
                    UPDATE subcase_progress SET
                        inputs = ifnull((SELECT group_concat(key || char(31) || value, char(30)) FROM json_each(inputs)), ''),
                        outputs = ifnull((SELECT group_concat(key || char(31) || value, char(30)) FROM json_each(outputs)), '');
                    UPDATE corrections SET
                        materials = ifnull((SELECT group_concat(value, ',') FROM json_each(materials)), ''),
                        fields = ifnull((SELECT group_concat(value, ',') FROM json_each(fields)), ''),
                        supplied_materials = '', supplied_fields = '';
                    DROP INDEX subcases_by_case;
                    DROP INDEX corrections_by_subcase_open;
                    DELETE FROM grdb_migrations WHERE identifier = 'v7-json-lists';
                    """)
            let legacy = try String.fetchOne(
                db, sql: "SELECT input_flows FROM subcases WHERE id = ?", arguments: [number + "-03"])
            #expect(legacy == "company-registration:company.creditCode")
        }
        let reopened = CaseEngine(
            repository: try SQLiteCaseStore(path: fixture.path), library: shippedLibrary, calendar: shippedCalendar,
            clock: FixedClock(day: CalendarDate("2026-11-24") ?? CalendarDate(dayNumber: 0)))
        try fixture.restore(reviewers: reviewers)
        #expect(try await reopened.caseSummary(number) == summary)
        #expect(try await reopened.departmentView(number + "-03", department: "tax") == taxView)
        #expect(try await reopened.departmentView(number + "-07", department: "bank") == bankView)
        let supplied = try await reopened.supply(
            caseNumber: number, materials: ["id-card"], values: [:], actor: Principal(id: "w1", role: .window))
        #expect(supplied.subcases[2].state == .accepted)
        let tax = officer("tax")
        try await reopened.review(number + "-03", department: "tax", actor: tax)
        try await reopened.approve(number + "-03", department: "tax", actor: approver("tax"))
        let issued = try await reopened.issue(number + "-03", department: "tax", outputs: [:], actor: tax)
        #expect(issued.state == .issued)
        #expect(try await reopened.verifyAudit() == .intact(events: 12))
    }

    @Test("a stored list that is not JSON is reported as a damaged record naming the plan entry, not read as empty")
    func corruptListIsAnError() async throws {
        let fixture = try await EngineFixture()
        defer { fixture.remove() }
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        try await fixture.database().write { db in
            try db.execute(sql: "UPDATE plan_subcases SET after_items = 'company-registration' WHERE position = 2")
        }
        await #expect(throws: CaseEngineError.corruptRecord("plan 1, position 2")) {
            try await engine.caseSummary(number)
        }
    }
}

@Suite("Engine errors")
struct EngineErrorTests {
    @Test(
        "each error has a stable code and says the same in Chinese and English",
        arguments: [
            (CaseEngineError.unknownCase("OG20261123-000009"), "unknown-case", "没有办件 OG20261123-000009"),
            (
                .wrongDepartment(subcase: "OG20261123-000001-03", department: "bank", owner: "tax"), "wrong-department",
                "子办件 OG20261123-000001-03 属于 tax，不属于 bank"
            ),
            (.storage(.busy), "storage-busy", "数据库正忙(另一个程序正在写入),请稍后重试"),
        ])
    func codes(error: CaseEngineError, code: String, chinese: String) {
        #expect(error.code == code)
        #expect(error.message.zh == chinese)
        #expect(error.retryable == (code == "storage-busy"))
    }
}
