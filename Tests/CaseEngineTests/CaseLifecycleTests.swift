import BundleKit
import CaseEngine
import CaseStoreSQLite
import Foundation
import GRDB
import GRDBSQLite
import Testing
import WorkCalendar

@Suite("Life of a case")
struct CaseLifecycleTests {
    @Test(
        "a company-opening case goes through all seven departments, with a correction, to handout",
        arguments: StoreKind.allCases)
    func companyOpening(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let monday = fixture.engine()
        let receipt = try await monday.submit(companyApplication())
        #expect(receipt.caseNumber == "OG20261123-000001")
        #expect(receipt.promised.description == "2026-11-25")
        #expect(receipt.applicantIDMasked == "110105********002X")
        let number = receipt.caseNumber
        let ids = (1...7).map { number + "-0\($0)" }
        await #expect(
            try monday.caseSummary(number).subcases.map(\.state) == [.dispatched] + Array(repeating: .waiting, count: 6)
        )

        try await monday.accept(ids[0], department: "market-regulation", actor: officer("market"))
        try await monday.review(ids[0], department: "market-regulation", actor: officer("market"))
        try await monday.approve(ids[0], department: "market-regulation", actor: approver("market"))
        try await monday.issue(
            ids[0], department: "market-regulation", outputs: ["company.creditCode": "91512081MA62K0260E"],
            actor: officer("market"))

        let states = try await monday.caseSummary(number).subcases.map(\.state)
        #expect(states == [.issued, .dispatched, .dispatched, .dispatched, .dispatched, .dispatched, .waiting])
        for (id, department) in [(ids[2], "tax"), (ids[3], "human-resources"), (ids[1], "public-security")] {
            let view = try await monday.departmentView(id, department: department)
            #expect(view.inputs.map(\.value) == ["91512081MA62K0260E"])
        }

        // Tax asks for a correction on Monday; the window supplies it on Tuesday.
        try await monday.accept(ids[2], department: "tax", actor: officer("tax"))
        try await monday.requestCorrection(
            ids[2], department: "tax", materials: ["id-card"], fields: ["taxOfficer.phone"], note: "复印件不清晰",
            actor: officer("tax"))
        let waiting = try await monday.caseSummary(number)
        #expect(waiting.status == .awaitingCorrection)
        #expect(waiting.corrections.first?.materials.map(\.id) == ["id-card"])
        #expect(waiting.corrections.first?.fields.map(\.element) == ["taxOfficer.phone"])
        let tuesday = fixture.engine(on: "2026-11-24")
        try await tuesday.supply(
            caseNumber: number, materials: ["id-card"], values: ["taxOfficer.phone": "13912345670"], actor: clerk)
        let resumed = try await tuesday.caseSummary(number)
        #expect(resumed.status == .inProgress)
        #expect(resumed.subcases[2].state == .accepted)
        #expect(resumed.subcases[2].due?.description == "2026-11-25")

        for (index, department) in [
            (1, "public-security"), (2, "tax"), (3, "human-resources"), (4, "medical-security"), (5, "provident-fund"),
        ] {
            if index != 2 { try await tuesday.accept(ids[index], department: department, actor: officer(department)) }
            try await tuesday.review(ids[index], department: department, actor: officer(department))
            try await tuesday.approve(ids[index], department: department, actor: approver(department))
            let outputs = index == 1 ? ["company.sealFilingNumber": "AY-2026-001"] : [:]
            try await tuesday.issue(ids[index], department: department, outputs: outputs, actor: officer(department))
        }
        let bank = try await tuesday.departmentView(ids[6], department: "bank")
        #expect(bank.subcase.state == .dispatched)
        #expect(Set(bank.inputs.map(\.value)) == ["91512081MA62K0260E", "AY-2026-001"])
        try await tuesday.issue(ids[6], department: "bank", outputs: [:], actor: officer("bank"))

        await #expect(try tuesday.caseSummary(number).status == .completed)
        let handedOut = try await tuesday.handout(
            caseNumber: number, to: Recipient(name: "张三", idNumber: "11010519491231002X"), actor: clerk)
        #expect(handedOut.handedOutAt != nil)
        #expect(handedOut.handedOutTo == Recipient(name: "张三", idNumber: "110105********002X"))
        #expect(
            handedOut.subcases[0].outputs == [IssuedOutput(element: "company.creditCode", value: "91512081MA62K0260E")])
        await #expect(try tuesday.verifyAudit() == .intact(events: 30))
        let report = try await tuesday.supervisionReport()
        #expect(report.first { $0.item == "tax-invoice-setup" }?.onTimeRate == 1)
    }

    @Test(
        "a shared-data material whose condition is false is neither needed nor recorded as obtained",
        arguments: StoreKind.allCases)
    func sharedMaterialRuledOut(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber  // the premises are rented
        let materials = try await engine.caseSummary(number).materials
        #expect(!materials.contains { $0.id == "premises-title" })
        #expect(materials.first { $0.id == "lease-contract" }?.status == "provided")
    }

    @Test(
        "a department sees only its own item's fields and materials, and its own attachments",
        arguments: StoreKind.allCases)
    func projection(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        let market = try await engine.departmentView(number + "-01", department: "market-regulation")
        #expect(market.fields.map(\.element).contains("legalRep.idNumber"))
        #expect(market.fields.first { $0.element == "legalRep.idNumber" }?.value == "11010519491231002X")
        #expect(market.materials.first { $0.id == "lease-contract" }?.attachments.count == 1)
        // Human resources waits for the licence: it sees the case's data once dispatched (issue 11.14).
        try await engine.issueRegistration(number)
        let hr = try await engine.departmentView(number + "-04", department: "human-resources")
        #expect(hr.fields.map(\.element) == ["company.name", "legalRep.name", "company.employeeCount"])
        #expect(hr.materials.map(\.id) == ["business-licence", "employee-list"])
        await #expect(
            throws: CaseEngineError.wrongDepartment(
                subcase: number + "-04", department: "tax", owner: "human-resources")
        ) {
            try await engine.departmentView(number + "-04", department: "tax")
        }
    }

    @Test(
        "a corrected value with quotes, a backslash and a line break comes back to the department intact",
        arguments: StoreKind.allCases)
    func correctedValueRoundTrip(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let market = officer("market")
        let number = try await engine.submit(
            companyApplication { $0.values["company.businessScope"] = "软件开发 \"含\" 技术服务" }
        ).caseNumber
        try await engine.accept(number + "-01", department: "market-regulation", actor: market)
        try await engine.requestCorrection(
            number + "-01", department: "market-regulation", materials: [], fields: ["company.businessScope"],
            note: "经营范围请写全", actor: market)
        let corrected = "软件开发\n技术服务 \\ \"咨询\"\t"
        try await engine.supply(
            caseNumber: number, materials: [], values: ["company.businessScope": corrected], actor: clerk)
        let view = try await engine.departmentView(number + "-01", department: "market-regulation")
        #expect(view.fields.first { $0.element == "company.businessScope" }?.value == corrected)
        #expect(view.fields.first { $0.element == "company.businessScope" }?.label.zh == "经营范围")
        #expect(view.fields.first { $0.element == "company.name" }?.value == "安阳市示例科技有限公司")
    }

    @Test(
        "fields that are the applicant in person are filled from the applicant when left out",
        arguments: StoreKind.allCases)
    func applicantFields(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let application = Application(
            bundle: "retirement",
            answers: [
                "retirementType": "statutory", "recordsElsewhere": "no", "hasProvidentFund": "no",
                "onlyChildParent": "no",
            ],
            values: ["retirement.employer": "安阳钢铁集团有限责任公司", "retirement.contributionYears": "35"],
            materials: ["id-card": .provided, "social-security-card": .provided],
            applicant: Applicant(name: "吴建国", idNumber: "11010519491231002X", phone: "13812345678"),
            channel: Channel(kind: .window, id: "staff-023"), idempotencyKey: "retire-1")
        let number = try await engine.submit(application).caseNumber
        let view = try await engine.departmentView(number + "-01", department: "human-resources")
        #expect(view.fields.first { $0.element == "person.name" }?.value == "吴建国")
        #expect(view.fields.first { $0.element == "person.idNumber" }?.value == "11010519491231002X")
        #expect(view.fields.first { $0.element == "person.phone" }?.value == "13812345678")
        // The same request again is the same case: filling is part of reading the request.
        #expect(try await engine.submit(application).caseNumber == number)
    }

    @Test("steps out of order name the case, the step and the allowed next steps", arguments: StoreKind.allCases)
    func stepErrors(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        do {
            try await engine.approve(number + "-01", department: "market-regulation", actor: officer("market"))
            Issue.record("approve from dispatched was allowed")
        } catch {
            #expect(
                error.description
                    == "case OG20261123-000001, sub-case OG20261123-000001-01 (company-registration): cannot approve while dispatched; allowed next steps: accept, correct, reject"
            )
            #expect(error.message.zh.hasSuffix("时不能批准;可进行的下一步:受理、要求补正、不予批准"), "\(error.message.zh)")
        }
        do {
            try await engine.accept(number + "-02", department: "public-security", actor: officer("police"))
            Issue.record("accept while waiting was allowed")
        } catch {
            #expect(
                error.description.hasSuffix(
                    "cannot accept while waiting; allowed next steps: none (the sub-case is waiting)"))
        }
    }

    @Test("a credit code failing its check is refused unless staff override it", arguments: StoreKind.allCases)
    func creditCodeWarning(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let id = try await engine.submit(companyApplication()).caseNumber + "-01"
        for step in [engine.accept, engine.review] { _ = try await step(id, "market-regulation", officer("market")) }
        try await engine.approve(id, department: "market-regulation", actor: approver("market"))
        await #expect(throws: CaseEngineError.self) {
            try await engine.issue(
                id, department: "market-regulation", outputs: ["company.creditCode": "91350211M0000XUF46"],
                actor: officer("market"))
        }
        let issued = try await engine.issue(
            id, department: "market-regulation", outputs: ["company.creditCode": "91350211M0000XUF46"],
            overrideWarnings: true, actor: officer("market"))
        #expect(issued.state == .issued)
    }

    @Test(
        "a rejection cancels what depends on it; independent items go on to a partial completion",
        arguments: StoreKind.allCases)
    func rejection(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        try await engine.issueRegistration(number)
        try await engine.accept(number + "-02", department: "public-security", actor: officer("police"))
        try await engine.reject(
            number + "-02", department: "public-security", reason: "印章样式不合规", actor: officer("police"))
        var summary = try await engine.caseSummary(number)
        #expect(summary.subcases[1].state == .rejected)
        #expect(summary.subcases[6].state == .cancelled)
        #expect(summary.subcases[6].reason == "cannot proceed: seal-engraving was rejected")
        #expect(summary.status == .inProgress)
        for (index, department) in [(2, "tax"), (3, "human-resources"), (4, "medical-security"), (5, "provident-fund")]
        {
            try await engine.complete(number + "-0\(index + 1)", department: department)
        }
        summary = try await engine.caseSummary(number)
        #expect(summary.status == .partiallyCompleted)
    }

    @Test("the applicant may withdraw before the end; nothing can be done after", arguments: StoreKind.allCases)
    func withdrawal(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        let summary = try await engine.withdraw(caseNumber: number, reason: "不再开办", actor: clerk)
        #expect(summary.status == .withdrawn)
        #expect(summary.subcases.allSatisfy { $0.state == .cancelled })
        await #expect(throws: CaseEngineError.caseNotOpen(case: number, step: "withdraw", status: .withdrawn)) {
            try await engine.withdraw(caseNumber: number, reason: "again", actor: clerk)
        }
    }

    @Test(
        "the same idempotency key returns the same case; with a different body it is refused",
        arguments: StoreKind.allCases)
    func idempotency(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let first = try await engine.submit(companyApplication(key: "k"))
        let again = try await engine.submit(companyApplication(key: "k"))
        #expect(first == again)
        #expect(try await fixture.snapshot()["cases"] == 1)
        await #expect(throws: CaseEngineError.idempotencyConflict(key: "k", existingCase: first.caseNumber)) {
            try await engine.submit(companyApplication(key: "k") { $0.values["company.employeeCount"] = "6" })
        }
    }

    @Test(
        "an invalid application is answered with every problem at once and saves nothing", arguments: StoreKind.allCases
    )
    func invalidApplication(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let before = try await fixture.snapshot()
        let application = companyApplication {
            $0.values["legalRep.idNumber"] = "340524198001010013"
            $0.values["legalRep.phone"] = "12345"
            $0.values["company.name"] = nil
            $0.materials["lease-contract"] = nil
        }
        do {
            try await engine.submit(application)
            Issue.record("an invalid application was saved")
        } catch .invalidApplication(let problems) {
            #expect(
                problems.map(\.message.zh) == [
                    "请填写企业名称",
                    "法定代表人身份证号:身份证号校验位不正确,请核对后重新输入",
                    "法定代表人手机号:手机号码应为 1 开头的 11 位数字,请核对后重新输入",
                    "请提供房屋租赁合同",
                ])
            #expect(!problems.contains { $0.message.en.contains("340524198001010013") })
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(try await fixture.snapshot() == before)
    }

    @Test(
        "a case pins its plan: it can be worked after its bundle is gone from the library",
        arguments: StoreKind.allCases)
    func pinnedPlan(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let number = try await fixture.engine().submit(companyApplication()).caseNumber
        var emptied = shippedLibrary
        emptied.bundles = []
        let later = fixture.engine(library: emptied)
        try await later.accept(number + "-01", department: "market-regulation", actor: officer("market"))
        await #expect(try later.caseSummary(number).bundleName.zh == "企业开办")
    }

    @Test("a citizen sees progress only with the right query code", arguments: StoreKind.allCases)
    func queryCode(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let receipt = try await engine.submit(companyApplication())
        #expect(
            try await engine.caseSummary(number: receipt.caseNumber, queryCode: receipt.queryCode).number
                == receipt.caseNumber)
        await #expect(throws: CaseEngineError.unknownCase(receipt.caseNumber)) {
            try await engine.caseSummary(number: receipt.caseNumber, queryCode: "000000")
        }
    }

    @Test(
        "the clerk who reviewed a sub-case may not approve it, unless its item relaxes the rule",
        arguments: StoreKind.allCases)
    func separationOfDuties(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let id = try await engine.submit(companyApplication()).caseNumber + "-01"
        let clerk = officer("market")
        try await engine.accept(id, department: "market-regulation", actor: clerk)
        try await engine.review(id, department: "market-regulation", actor: clerk)
        let before = try await fixture.snapshot()
        do {
            try await engine.approve(id, department: "market-regulation", actor: clerk)
            Issue.record("the reviewer approved")
        } catch {
            #expect(error.code == "separation-of-duties")
            #expect(
                error.message.en
                    == "case OG20261123-000001, sub-case OG20261123-000001-01 (company-registration): market-officer"
                    + " reviewed this sub-case and may not also approve it; another member of staff must approve")
        }
        #expect(try await fixture.snapshot() == before)
        #expect(
            try await engine.approve(id, department: "market-regulation", actor: approver("market")).state == .approved)

        var library = shippedLibrary
        var item = try #require(library.catalog.items["company-registration"])
        item.sameReviewerMayApprove = true
        library.catalog.items.set(item.id, item)
        let relaxed = fixture.engine(library: library)
        let other = try await relaxed.submit(companyApplication(key: "key-2")).caseNumber + "-01"
        try await relaxed.accept(other, department: "market-regulation", actor: clerk)
        try await relaxed.review(other, department: "market-regulation", actor: clerk)
        #expect(try await relaxed.approve(other, department: "market-regulation", actor: clerk).state == .approved)
    }
}

extension CaseEngine {
    /// Takes a sub-case without outputs from dispatched to issued.
    func complete(_ id: String, department: String) async throws {
        try await accept(id, department: department, actor: officer(department))
        try await review(id, department: department, actor: officer(department))
        try await approve(id, department: department, actor: approver(department))
        try await issue(id, department: department, outputs: [:], actor: officer(department))
    }

    /// Takes the registration sub-case of a company-opening case to issued.
    func issueRegistration(_ number: String) async throws {
        let id = number + "-01"
        try await accept(id, department: "market-regulation", actor: officer("market"))
        try await review(id, department: "market-regulation", actor: officer("market"))
        try await approve(id, department: "market-regulation", actor: approver("market"))
        try await issue(
            id, department: "market-regulation", outputs: ["company.creditCode": "91512081MA62K0260E"],
            actor: officer("market"))
    }
}

@Suite("Early start (提前介入)")
struct EarlyStartTests {
    @Test(
        "an item allowed to start early accepts and reviews before its input, and approves only after",
        arguments: StoreKind.allCases)
    func earlyStart(store: StoreKind) async throws {
        var library = shippedLibrary
        let bundleIndex = try #require(library.bundles.firstIndex { $0.id == "company-opening" })
        let itemIndex = try #require(library.bundles[bundleIndex].items.firstIndex { $0.item == "seal-engraving" })
        library.bundles[bundleIndex].items[itemIndex].earlyStart = true
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine(library: library)
        let number = try await engine.submit(companyApplication()).caseNumber
        let seal = number + "-02"
        let police = officer("public-security")
        #expect(try await engine.accept(seal, department: "public-security", actor: police).state == .accepted)
        let reviewed = try await engine.review(seal, department: "public-security", actor: police)
        #expect(reviewed.allowedSteps == [.correct, .reject])
        await #expect(throws: CaseEngineError.self) {
            try await engine.approve(seal, department: "public-security", actor: approver("public-security"))
        }
        try await engine.issueRegistration(number)
        let released = try await engine.departmentView(seal, department: "public-security")
        #expect(released.subcase.state == .reviewed)
        #expect(released.inputs.map(\.value) == ["91512081MA62K0260E"])
        #expect(
            try await engine.approve(seal, department: "public-security", actor: approver("public-security")).state
                == .approved)
    }
}

@Suite("Store")
struct StoreTests {
    @Test(
        "the writer runs at the durability asked for", arguments: [(SQLiteCaseStore.Synchronous.normal, 1), (.full, 2)])
    func synchronous(level: SQLiteCaseStore.Synchronous, expected: Int) async throws {
        let path = NSTemporaryDirectory() + "onego-sync-\(UUID().uuidString).db"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        #expect(try SQLiteCaseStore(path: path, create: true, synchronous: level).synchronousLevel() == expected)
    }

    @Test("opening a store turns SQLite's memory statistics off: no counters kept on any allocation")
    func memoryStatisticsOff() async throws {
        let fixture = try await EngineFixture()
        defer { fixture.remove() }
        _ = try await fixture.engine().submit(companyApplication())
        // With the statistics on, SQLite counts every byte it holds; off, the count stays 0.
        #expect(sqlite3_memory_used() == 0)
    }

    @Test("a request's fingerprint keeps its text, so retries of cases already stored still match")
    func fingerprintIsStable() async throws {
        let fixture = try await EngineFixture()
        defer { fixture.remove() }
        // The example as it was when this fingerprint was pinned: the employee list promised for
        // 2026-11-27, which a submission on Thursday 2026-11-26 may promise (one working day ahead).
        let examples = repositoryRoot.appendingPathComponent("docs/examples")
        let directory = NSTemporaryDirectory() + "onego-example-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try String(
            contentsOf: examples.appendingPathComponent("company-opening-application.json"), encoding: .utf8)
        try text.replacingOccurrences(of: #"{ "missing": "2026-11-24" }"#, with: #"{ "missing": "2026-11-27" }"#)
            .write(toFile: directory + "/application.json", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: examples.appendingPathComponent("lease-contract.pdf").path,
            toPath: directory + "/lease-contract.pdf")
        let application = try Application(contentsOf: directory + "/application.json")
        let number = try await fixture.engine(on: "2026-11-26").submit(application).caseNumber
        let stored = try await fixture.database().read { db in
            try String.fetchOne(db, sql: "SELECT fingerprint FROM cases WHERE number = ?", arguments: [number])
        }
        // As the first engine stored it (string interpolation, before fingerprints were built as bytes).
        #expect(stored == "4a582d7892111146336eef6f47ce7917a3bf3fee547714706490535efe1a58e4")
        #expect(try await fixture.engine(on: "2026-11-26").submit(application).caseNumber == number)
    }

    @Test("migration v5 moves each sub-case's progress into subcase_progress, keeping every step taken")
    func progressMovesOut() async throws {
        let fixture = try await EngineFixture()
        defer { fixture.remove() }
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        try await engine.issueRegistration(number)
        try await engine.accept(number + "-03", department: "tax", actor: officer("tax"))
        try await engine.requestCorrection(
            number + "-03", department: "tax", materials: ["id-card"], fields: [], note: "复印件不清晰",
            actor: officer("tax"))
        let before = try await fixture.snapshot()
        let states = try await engine.caseSummary(number).subcases.map(\.state)
        // Put the file back as v4 left it: progress in the sub-case rows themselves.
        let progress = [
            ("state", "TEXT NOT NULL DEFAULT ''"), ("resume_state", "TEXT"), ("released", "INTEGER NOT NULL DEFAULT 0"),
            ("inputs", "TEXT NOT NULL DEFAULT ''"), ("outputs", "TEXT NOT NULL DEFAULT ''"), ("dispatched_on", "TEXT"),
            ("due_date", "TEXT"), ("due_provisional", "INTEGER NOT NULL DEFAULT 0"),
            ("days_used_before_pause", "INTEGER NOT NULL DEFAULT 0"), ("paused_days", "INTEGER NOT NULL DEFAULT 0"),
            ("paused_on", "TEXT"), ("finished_on", "TEXT"), ("reason", "TEXT"),
        ]
        let reviewers = try fixture.reviewers()
        try revertPlanSubcases(fixture)
        try await fixture.database().write { db in
            for (column, type) in progress {
                try db.execute(sql: "ALTER TABLE subcases ADD COLUMN \(column) \(type)")
                try db.execute(
                    sql: """
                        UPDATE subcases SET \(column) = (SELECT \(column) FROM subcase_progress p WHERE p.id = subcases.id)
                        """)
            }
            try db.execute(sql: "DROP VIEW subcase_view; DROP TABLE subcase_progress")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v5-subcase-progress'")
        }
        let reopened = CaseEngine(
            repository: try SQLiteCaseStore(path: fixture.path), library: shippedLibrary, calendar: shippedCalendar,
            clock: FixedClock(day: CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0)))
        try fixture.restore(reviewers: reviewers)
        #expect(try await fixture.snapshot() == before)
        await #expect(try reopened.caseSummary(number).subcases.map(\.state) == states)
        #expect(states.filter { $0 == .issued }.count == 1 && states.contains(.correcting))
        // The correction, which refers to the rebuilt sub-case table, resumes the sub-case.
        try await reopened.supply(caseNumber: number, materials: ["id-card"], values: [:], actor: clerk)
        try await reopened.review(number + "-03", department: "tax", actor: officer("tax"))
        await #expect(try reopened.caseSummary(number).subcases.map(\.state)[2] == .reviewed)
        await #expect(try reopened.verifyAudit() == .intact(events: 10))
    }

    @Test("migration v6 moves each material checklist from case_materials into its case's row")
    func materialsMoveIntoCase() async throws {
        let fixture = try await EngineFixture()
        defer { fixture.remove() }
        let promised = CalendarDate("2026-11-24") ?? CalendarDate(dayNumber: 0)
        let number = try await fixture.engine().submit(
            companyApplication { $0.materials["employee-list"] = .missing(promisedBy: promised) }
        ).caseNumber
        let before = try await fixture.engine().caseSummary(number).materials
        #expect(before.contains { $0.id == "employee-list" && $0.status == "missing" && $0.promisedBy == "2026-11-24" })
        // Put the file back as v5 left it: one row per material.
        try await fixture.database().write { db in
            try db.execute(
                sql: """
                    CREATE TABLE case_materials (
                        case_number TEXT NOT NULL REFERENCES cases(number),
                        material TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        name_zh TEXT NOT NULL,
                        name_en TEXT NOT NULL,
                        status TEXT NOT NULL,
                        promised_by TEXT,
                        PRIMARY KEY (case_number, material)
                    ) WITHOUT ROWID;
                    INSERT INTO case_materials
                        SELECT c.number, e.value ->> 0, e.key, e.value ->> 1, e.value ->> 2, e.value ->> 3, e.value ->> 4
                        FROM cases c, json_each(c.materials) e;
                    ALTER TABLE cases DROP COLUMN materials;
                    DELETE FROM grdb_migrations WHERE identifier = 'v6-materials-in-case';
                    """)
        }
        let reopened = CaseEngine(
            repository: try SQLiteCaseStore(path: fixture.path), library: shippedLibrary, calendar: shippedCalendar,
            clock: FixedClock(day: CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0)))
        let after = try await reopened.caseSummary(number).materials
        #expect(after.map(\.id) == before.map(\.id))
        #expect(after.map(\.status) == before.map(\.status))
        #expect(after.map(\.promisedBy) == before.map(\.promisedBy))
        #expect(after.map(\.name.zh) == before.map(\.name.zh))
    }

    @Test("migration v4 moves each form document from case_forms into its case's row")
    func formMovesIntoCase() async throws {
        let fixture = try await EngineFixture()
        defer { fixture.remove() }
        let number = try await fixture.engine().submit(companyApplication()).caseNumber
        // Put the file back as v3 left it: the form in its own table, none in the case row.
        try await fixture.database().write { db in
            let form = try String.fetchOne(db, sql: "SELECT form FROM cases WHERE number = ?", arguments: [number])
            try db.execute(
                sql: """
                    CREATE TABLE case_forms (
                        case_number TEXT PRIMARY KEY REFERENCES cases(number),
                        fields TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """)
            try db.execute(
                sql: "INSERT INTO case_forms (case_number, fields) VALUES (?, ?)", arguments: [number, form])
            try db.execute(sql: "ALTER TABLE cases DROP COLUMN form")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v4-form-in-case'")
        }
        let engine = CaseEngine(
            repository: try SQLiteCaseStore(path: fixture.path), library: shippedLibrary, calendar: shippedCalendar,
            clock: FixedClock(day: CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0)))
        let view = try await engine.departmentView(number + "-01", department: "market-regulation")
        #expect(view.fields.first { $0.element == "company.name" }?.value == "安阳市示例科技有限公司")
        let formTables = try await fixture.database().read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema WHERE name = 'case_forms'")
        }
        #expect(formTables == 0)
    }
}
