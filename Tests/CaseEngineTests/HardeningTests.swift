import BundleKit
import CaseEngine
import CaseStoreSQLite
import Foundation
import GRDB
import Testing
import WorkCalendar

/// The faults found when the engine was tried as an attacker and as a busy service centre would use
/// it (issue 11), each with the behaviour that must hold.
@Suite("Engine under faults and hostile input")
struct HardeningTests {
    @Test(
        "a retry of a stored submission on a later day returns the stored receipt, before any validation",
        arguments: StoreKind.allCases)
    func retryOnALaterDay(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let promised = try #require(CalendarDate("2026-11-24"))
        let application = companyApplication { $0.materials["employee-list"] = .missing(promisedBy: promised) }
        let first = try await fixture.engine(on: "2026-11-23").submit(application)
        // A week later the promise date has passed: validation alone would refuse the application.
        let retried = try await fixture.engine(on: "2026-11-30").submit(application)
        #expect(retried == first)
        let other = companyApplication { $0.materials["employee-list"] = .provided }
        await #expect(throws: CaseEngineError.idempotencyConflict(key: "key-1", existingCase: first.caseNumber)) {
            try await fixture.engine(on: "2026-11-30").submit(other)
        }
    }
}

@Suite("Storage faults")
struct StorageFaultTests {
    @Test("a full disk is reported as such, says a retry can help, and leaves what was saved intact")
    func diskFull() async throws {
        let fixture = try await EngineFixture()
        defer { fixture.remove() }
        _ = try await fixture.engine().submit(companyApplication())
        let pages = try await fixture.database().read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
        let bounded = try SQLiteCaseStore(path: fixture.path, maximumPages: pages)
        let full = CaseEngine(
            repository: bounded, library: shippedLibrary,
            calendar: shippedCalendar, clock: FixedClock(day: try #require(CalendarDate("2026-11-23"))))
        var failure: CaseEngineError?
        for index in 2...50 where failure == nil {
            do {
                _ = try await full.submit(companyApplication(key: "key-\(index)"))
            } catch {
                failure = error
            }
        }
        let error = try #require(failure)
        #expect(error == .storage(.diskFull))
        #expect(error.code == "storage-disk-full")
        #expect(error.retryable)
        #expect(error.description == "the disk holding the database is full; free some space, then try again")
        // Every case that was stored is whole, and the chain holds exactly their events.
        let after = try await fixture.snapshot()
        #expect(try await full.verifyAudit() == .intact(events: after["events"] ?? -1))
        #expect(after["events"] == after["cases"])
        #expect(try bounded.consistencyReport().partial == 0)
    }
}

@Suite("Personal data to departments")
struct DepartmentDataTests {
    @Test(
        "a department sees a sub-case's data only once it is dispatched, and not after it is cancelled",
        arguments: StoreKind.allCases)
    func dataOnlyWhenDispatched(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        let registration = try await engine.departmentView(number + "-01", department: "market-regulation")
        #expect(!registration.withheld)
        #expect(registration.fields.contains { $0.element == "legalRep.idNumber" })
        // The bank waits for the licence and the seal: nothing of the applicant yet.
        let waiting = try await engine.departmentView(number + "-07", department: "bank")
        #expect(waiting.subcase.state == .waiting)
        #expect(waiting.withheld)
        #expect(waiting.fields == [] && waiting.materials == [] && waiting.inputs == [])
        let inbox = try await engine.inbox(department: "public-security").items
        #expect(inbox.map(\.withheld) == [true])
        #expect(inbox.flatMap(\.fields) == [])
        // Withdrawn before it was ever dispatched: still nothing.
        try await engine.withdraw(caseNumber: number, reason: "changed plans", actor: clerk)
        let cancelled = try await engine.departmentView(number + "-07", department: "bank")
        #expect(cancelled.subcase.state == .cancelled)
        #expect(cancelled.withheld && cancelled.fields == [])
    }
}

/// One hostile or careless application and the problem it must get (nothing is saved).
struct HostileInput: Sendable, CustomTestStringConvertible {
    var name: String
    var change: @Sendable (inout Application) -> Void
    var subject: String
    var english: String
    var testDescription: String { name }
}

@Suite("Hostile input")
struct HostileInputTests {
    static let cases: [HostileInput] = [
        HostileInput(
            name: "a 10,000-character applicant name",
            change: { $0.applicant.name = String(repeating: "张", count: 10_000) },
            subject: "applicant.name", english: "A name is at most 50 characters."),
        HostileInput(
            name: "an ID number born in the future",
            change: {
                $0.applicant.idNumber = "110105209912310010"
                $0.values["legalRep.idNumber"] = "110105209912310010"
            },
            subject: "applicant.idNumber", english: "The birth date in the ID number is after today; check it."),
        HostileInput(
            name: "a 10,000-character idempotency key",
            change: { $0.idempotencyKey = String(repeating: "k", count: 10_000) },
            subject: "idempotencyKey",
            english: "The idempotency key is at most 255 characters, without spaces or control characters."),
        HostileInput(
            name: "a material the bundle does not have", change: { $0.materials["passport"] = .provided },
            subject: "passport", english: "This material is not part of this application."),
        HostileInput(
            name: "a 容缺 promise of 9999-12-31",
            change: {
                $0.materials["employee-list"] = .missing(
                    promisedBy: CalendarDate(year: 9999, month: 12, day: 31) ?? CalendarDate(dayNumber: 0))
            },
            subject: "employee-list",
            english:
                "The List of insured employees must be brought by 2026-11-24 at the latest (the promised limit of the items that need it)."
        ),
        HostileInput(
            name: "a name that clears the screen and sets the window title",
            change: { $0.applicant.name = "张三\u{1B}[2J\u{1B}]0;pwned\u{07}" },
            subject: "applicant.name", english: "It contains invisible control characters; enter it again."),
        HostileInput(
            name: "a business scope with a line break that prints a fake line",
            change: { $0.values["company.businessScope"] = "软件开发\nOG20261123-000001-09  fake  issued" },
            subject: "company.businessScope",
            english: "Business scope: it contains invisible control characters; enter it again."),
        HostileInput(
            name: "the applicant acting as legal representative with another person's ID number",
            change: { $0.values["legalRep.idNumber"] = "110105194912310038" },
            subject: "legalRep.idNumber",
            english:
                "The applicant's ID number differs from the Legal representative's ID number; check who is applying."
        ),
        HostileInput(
            name: "a name with a right-to-left override", change: { $0.applicant.name = "张\u{202E}三" },
            subject: "applicant.name", english: "It contains invisible control characters; enter it again."),
    ]

    @Test("each hostile input is refused with a message naming the field, and saves nothing", arguments: cases)
    func refused(input: HostileInput) async throws {
        let fixture = try await EngineFixture()
        defer { fixture.remove() }
        let before = try await fixture.snapshot()
        var application = companyApplication()
        input.change(&application)
        do {
            _ = try await fixture.engine().submit(application)
            Issue.record("\(input.name) was accepted")
        } catch .invalidApplication(let problems) {
            #expect(problems.contains { $0.subject == input.subject && $0.message.en == input.english }, "\(problems)")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(try await fixture.snapshot() == before)
    }

    @Test("a lowercase x in an ID number is stored as X, and a retry typed either way is the same case")
    func lowercaseX() async throws {
        let fixture = try await EngineFixture()
        defer { fixture.remove() }
        let typed = companyApplication {
            $0.applicant.idNumber = "11010519491231002x"
            $0.values["legalRep.idNumber"] = "11010519491231002x"
        }
        let receipt = try await fixture.engine().submit(typed)
        let stored = try await fixture.database().read { db in
            try String.fetchOne(
                db, sql: "SELECT applicant_id_number FROM cases WHERE number = ?", arguments: [receipt.caseNumber])
        }
        #expect(stored == "11010519491231002X")
        let view = try await fixture.engine().departmentView(
            receipt.caseNumber + "-01", department: "market-regulation")
        #expect(view.fields.first { $0.element == "legalRep.idNumber" }?.value == "11010519491231002X")
        #expect(try await fixture.engine().submit(companyApplication()) == receipt)
    }
}

@Suite("Application files")
struct ApplicationFileTests {
    @Test(
        "unknown keys inside applicant or channel are refused at their line, not ignored",
        arguments: [
            (
                #""applicant": { "name": "张三", "idNumber": "11010519491231002X", "phone": "13812345678", "nationality": "CN" }"#,
                #""channel": { "kind": "window", "id": "w1" }"#,
                "error: unknown key 'nationality' in 'applicant' (name, idNumber, phone)"
            ),
            (
                #""applicant": { "name": "张三", "idNumber": "11010519491231002X", "phone": "13812345678" }"#,
                #""channel": { "kind": "window", "id": "w1", "site": "bank-7" }"#,
                "error: unknown key 'site' in 'channel' (kind, id)"
            ),
        ])
    func unknownKeys(applicant: String, channel: String, message: String) throws {
        let path = NSTemporaryDirectory() + "onego-application-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = """
            { "bundle": "company-opening", "idempotencyKey": "k",
              \(channel),
              \(applicant) }
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try Application(contentsOf: path)
            Issue.record("the application file was accepted")
        } catch {
            #expect(error.description.hasPrefix(path + ":"))
            #expect(error.description.hasSuffix(": " + message))
        }
    }
}

@Suite("Time of steps")
struct StepTimeTests {
    @Test("no step may be dated before the step it follows, even on a test clock", arguments: StoreKind.allCases)
    func noBackdating(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let number = try await fixture.engine(on: "2026-11-23").submit(companyApplication()).caseNumber
        let earlier = fixture.engine(on: "2026-11-20")
        await #expect(
            throws: CaseEngineError.invalidStep(
                case: number, subcase: number + "-01", step: "accept",
                problems: ["a step cannot be dated before the step it follows (2026-11-23)"])
        ) {
            try await earlier.accept(number + "-01", department: "market-regulation", actor: officer("market"))
        }
        await #expect(
            throws: CaseEngineError.invalidStep(
                case: number, subcase: "", step: "withdraw",
                problems: ["a step cannot be dated before the step it follows (2026-11-23)"])
        ) {
            try await earlier.withdraw(caseNumber: number, reason: "no", actor: clerk)
        }
    }
}

@Suite("Lists page; reading marks nothing")
struct PagingTests {
    /// Three company-opening cases on Monday 2026-11-23; the second by another applicant.
    func threeCases(_ fixture: EngineFixture) async throws -> [String] {
        var numbers: [String] = []
        for index in 1...3 {
            let receipt = try await fixture.engine().submit(
                companyApplication(key: "key-\(index)") {
                    if index == 2 {
                        $0.applicant = Applicant(name: "李四", idNumber: "11010519491231002X", phone: "13912345678")
                        $0.values["legalRep.name"] = "李四"
                    }
                })
            numbers.append(receipt.caseNumber)
        }
        return numbers
    }

    @Test(
        "a department's inbox pages by cursor and marks nothing; the department acknowledges what it took in",
        arguments: StoreKind.allCases)
    func inbox(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let numbers = try await threeCases(fixture)
        let engine = fixture.engine()
        func undelivered() async throws -> Int {
            try await fixture.count(
                "SELECT count(*) FROM outbox WHERE department = 'market-regulation' AND delivered_at IS NULL")
        }
        let first = try await engine.inbox(department: "market-regulation", limit: 2)
        #expect(first.items.map(\.subcase.id) == [numbers[0] + "-01", numbers[1] + "-01"])
        let second = try await engine.inbox(department: "market-regulation", after: first.next, limit: 2)
        #expect(second.items.map(\.subcase.id) == [numbers[2] + "-01"])
        #expect(second.next == nil)
        #expect(try await undelivered() == 3)
        #expect(try await engine.acknowledge(department: "market-regulation", subcases: [numbers[0] + "-01"]) == 1)
        #expect(try await engine.acknowledge(department: "market-regulation", subcases: [numbers[0] + "-01"]) == 0)
        #expect(try await undelivered() == 2)
    }

    @Test(
        "window staff find cases by number, name, full ID number, phone, day, status and department, a page at a time",
        arguments: StoreKind.allCases)
    func search(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let numbers = try await threeCases(fixture)
        let engine = fixture.engine()
        let page = try await engine.findCases(limit: 2)
        #expect(page.items.map(\.number) == [numbers[2], numbers[1]])
        let rest = try await engine.findCases(after: page.next, limit: 2)
        #expect(rest.items.map(\.number) == [numbers[0]] && rest.next == nil)
        #expect(try await engine.findCases(CaseQuery(applicantName: "李四")).items.map(\.number) == [numbers[1]])
        let byID = try await engine.findCases(CaseQuery(applicantIDNumber: "11010519491231002x"))
        #expect(byID.items.map(\.number) == numbers.reversed())
        #expect(byID.items.allSatisfy { $0.applicantIDMasked == "110105********002X" })
        #expect(
            try await engine.findCases(CaseQuery(applicantPhone: "13912345678")).items.map(\.number) == [numbers[1]])
        #expect(try await engine.findCases(CaseQuery(number: numbers[0])).items.map(\.number) == [numbers[0]])
        let monday = try #require(CalendarDate("2026-11-23"))
        #expect(try await engine.findCases(CaseQuery(submittedFrom: monday.adding(days: 1))).items == [])
        #expect(
            try await engine.findCases(CaseQuery(submittedFrom: monday, submittedThrough: monday)).items.count == 3)
        #expect(try await engine.findCases(CaseQuery(status: .completed)).items == [])
        #expect(try await engine.findCases(CaseQuery(department: "bank")).items.count == 3)
        #expect(try await engine.findCases(CaseQuery(department: "health")).items == [])
    }

    @Test("deadline alerts page by due date", arguments: StoreKind.allCases)
    func overdue(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let numbers = try await threeCases(fixture)
        let wednesday = fixture.engine(on: "2026-11-25")
        let first = try await wednesday.deadlineAlerts(limit: 2)
        #expect(first.items.map(\.subcase) == [numbers[0] + "-01", numbers[1] + "-01"])
        #expect(first.items.allSatisfy { $0.level == .overdue })
        let second = try await wednesday.deadlineAlerts(after: first.next, limit: 2)
        #expect(second.items.map(\.subcase) == [numbers[2] + "-01"] && second.next == nil)
    }
}

@Suite("容缺 promises are kept")
struct GapPromiseTests {
    /// A company opening whose employee list is promised for 2026-11-24, its social insurance
    /// sub-case approved and waiting to be issued.
    static func approvedAwaitingEmployeeList(_ engine: CaseEngine) async throws -> (number: String, hr: String) {
        let promised = try #require(CalendarDate("2026-11-24"))
        let number = try await engine.submit(
            companyApplication { $0.materials["employee-list"] = .missing(promisedBy: promised) }
        ).caseNumber
        try await engine.issueRegistration(number)
        let hr = number + "-04"
        let officerHR = officer("human-resources")
        for step in [engine.accept, engine.review] { _ = try await step(hr, "human-resources", officerHR) }
        try await engine.approve(hr, department: "human-resources", actor: approver("human-resources"))
        return (number, hr)
    }

    @Test(
        "an item needing a material awaited under 容缺 is not issued until its arrival is recorded; promises due are listed",
        arguments: StoreKind.allCases)
    func awaitedMaterialBlocksIssue(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        let (number, hr) = try await Self.approvedAwaitingEmployeeList(engine)
        let officerHR = officer("human-resources")
        await #expect(
            throws: CaseEngineError.invalidStep(
                case: number, subcase: hr, step: "issue",
                problems: [
                    "List of insured employees (employee-list), accepted under 容缺, has not arrived (promised by 2026-11-24);"
                        + " record its arrival with 'onego case supply \(number) --material employee-list'"
                ])
        ) {
            try await engine.issue(hr, department: "human-resources", outputs: [:], actor: officerHR)
        }
        let due = try await fixture.engine(on: "2026-11-25").awaitedMaterials()
        #expect(due.items.map(\.material) == ["employee-list"])
        #expect(due.items.first?.level == .overdue)
        // The window records its arrival; no correction was open.
        let supplied = try await engine.supply(
            caseNumber: number, materials: ["employee-list"], values: [:], actor: clerk)
        #expect(supplied.materials.first { $0.id == "employee-list" }?.status == "provided")
        #expect(try await engine.awaitedMaterials().items == [])
        let issued = try await engine.issue(hr, department: "human-resources", outputs: [:], actor: officerHR)
        #expect(issued.state == .issued)
    }

    @Test("an item that says so is issued while its material is still awaited under 容缺", arguments: StoreKind.allCases)
    func itemIssuesWhileAwaiting(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        var library = shippedLibrary
        var item = try #require(library.catalog.items["employee-social-insurance"])
        item.issueWhileAwaiting = true
        library.catalog.items.set(item.id, item)
        let engine = fixture.engine(library: library)
        let hr = try await Self.approvedAwaitingEmployeeList(engine).hr
        let officerHR = officer("human-resources")
        #expect(
            try await engine.issue(hr, department: "human-resources", outputs: [:], actor: officerHR).state == .issued)
        #expect(try await engine.awaitedMaterials().items.map(\.material) == ["employee-list"], "still awaited")
    }
}

@Suite("Attachments read only what they should")
struct AttachmentFileTests {
    @Test(
        "an attachment outside the application's directory, or not a scan, is refused at its line",
        arguments: [
            ("/etc/passwd", "is not a file name inside"),
            ("../secret.pdf", "is not a file name inside"),
            ("link.pdf", "leads outside"),
            ("notes.txt", "is not a PDF, JPEG, PNG or TIFF scan"),
            ("missing.pdf", "cannot read the attached file 'missing.pdf'"),
        ])
    func refused(file: String, message: String) throws {
        let root = NSTemporaryDirectory() + "onego-attach-\(UUID().uuidString)"
        let directory = root + "/application"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "%PDF-1.4 outside".write(toFile: root + "/secret.pdf", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/link.pdf", withDestinationPath: root + "/secret.pdf")
        try "root:x:0:0".write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        let path = directory + "/application.json"
        try """
        { "bundle": "company-opening", "idempotencyKey": "k", "channel": { "kind": "window", "id": "w1" },
          "applicant": { "name": "张三", "idNumber": "11010519491231002X", "phone": "13812345678" },
          "attachments": [ { "material": "lease-contract", "file": "\(file)", "mediaType": "application/pdf" } ] }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try Application(contentsOf: path)
            Issue.record("\(file) was attached")
        } catch {
            #expect(error.description.hasPrefix(path + ":3:"))
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("a scan's media type comes from its content, not its name")
    func mediaTypeFromContent() throws {
        let directory = NSTemporaryDirectory() + "onego-scan-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2]).write(
            to: URL(fileURLWithPath: directory + "/scan.pdf"))
        let scan = try AttachmentFile.read("scan.pdf", in: directory)
        #expect(scan.mediaType == "image/png")
    }
}

@Suite("Provisional deadlines in supervision")
struct ProvisionalSupervisionTests {
    @Test("the report counts open sub-cases whose due date is provisional", arguments: StoreKind.allCases)
    func reportMarksProvisional(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        // Thursday 2026-12-31: the registration is due in 2027, a year without a published schedule.
        _ = try await fixture.engine(on: "2026-12-31").submit(companyApplication())
        let report = try await fixture.engine(on: "2026-12-31").supervisionReport()
        #expect(report.first { $0.item == "company-registration" }?.provisionalDue == 1)
        #expect(report.first { $0.item == "seal-engraving" }?.provisionalDue == 0)
    }
}
