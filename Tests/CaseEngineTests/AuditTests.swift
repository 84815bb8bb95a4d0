import CaseEngine
import CaseStoreSQLite
import GRDB
import Testing
import WorkCalendar

@Suite("Audit chain")
struct AuditTests {
    /// A store with one case taken through a few steps: 6 events.
    func populated(_ store: StoreKind = .sqlite) async throws -> EngineFixture {
        let fixture = try await EngineFixture(store)
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        try await engine.issueRegistration(number)
        try await engine.accept(number + "-03", department: "tax", actor: officer("tax"))
        return fixture
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors, on the SHA extensions and in Swift alike")
    func sha256() async {
        for portable in [false, true] {
            #expect(
                SHA256.hex(Array("abc".utf8), portable: portable)
                    == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            #expect(
                SHA256.hex(Array(repeating: UInt8(ascii: "a"), count: 1000), portable: portable)
                    == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        }
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hex(Array(repeating: UInt8(ascii: "a"), count: 1000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test(
        "SHA-256 pads every message length around the block edges",
        arguments: [
            (55, "576a1bf8d4478657e6dc4af9398544765c2a92cde28478b019235cfed315fc09"),
            (56, "9b20501dfd1d99161c257950f3444f3e49230c351c5c8e0943ef369f85f5205d"),
            (63, "30b345906b493f06f69444b6521113511c242f30e29840462950035043682f1e"),
            (64, "d8bc63b4fc1156e5e7d95a418b9bf54cd3174bedbc2db40f74895349b229b3c0"),
            (65, "1ee23b0fbcaecc1aff4a9e8f1645f35ab2c8e13609cd73b68df8b5e3f63ce073"),
            (119, "7a6589821178918ca8d9edaba5abfc1e9b2669564f4469b66885379c1530b2c8"),
            (120, "655250427d56b1b0eeb8497d21428704273458a01772d6881b65c0abac0f8a98"),
            (128, "54c9eb041badfd7064645067b107661fed6113197ce2dd066ba69618abd3732f"),
        ])
    func sha256BlockEdges(length: Int, expected: String) {
        // Python's hashlib: sha256(bytes((i * 7) % 256 for i in range(length))).
        let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(SHA256.hex(message) == expected)
        #expect(SHA256.hex(message, portable: true) == expected)
        #expect(SHA256.hex(message[...]) == expected)
        #expect(SHA256.digest(message).count == 32)
    }

    @Test("an untouched chain verifies", arguments: StoreKind.allCases)
    func intact(store: StoreKind) async throws {
        let fixture = try await populated(store)
        defer { fixture.remove() }
        #expect(try await fixture.engine().verifyAudit() == .intact(events: 6))
        #expect(try await fixture.engine().verifyAudit().description == "audit chain intact: 6 events")
    }

    @Test(
        "tampering is named at the first event it touches",
        arguments: StoreKind.allCases,
        [
            ("UPDATE events SET after = 'issued' WHERE seq = 3", "audit chain broken: event 3 was edited"),
            ("DELETE FROM events WHERE seq = 4", "audit chain broken: an event before event 5 was deleted"),
            ("DELETE FROM events WHERE seq = 1", "audit chain broken: an event before event 2 was deleted"),
            (
                """
                UPDATE events SET seq = 100 WHERE seq = 3;
                UPDATE events SET seq = 3 WHERE seq = 4;
                UPDATE events SET seq = 4 WHERE seq = 100;
                """,
                "audit chain broken: event 3 was reordered"
            ),
        ])
    func tampering(store: StoreKind, change: (sql: String, verdict: String)) async throws {
        let (sql, verdict) = change
        let fixture = try await populated(store)
        defer { fixture.remove() }
        try await fixture.tamper(sql)
        #expect(try await fixture.engine().verifyAudit().description == verdict)
    }

    @Test("two stores on one file (a kiosk and a window) appending in turn keep one unbroken chain")
    func twoWriters() async throws {
        let fixture = try await EngineFixture()
        defer { fixture.remove() }
        let window = fixture.engine()
        let kiosk = CaseEngine(
            repository: try SQLiteCaseStore(path: fixture.path), library: shippedLibrary, calendar: shippedCalendar,
            clock: FixedClock(day: CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0)),
            codes: SeededQueryCodes(seed: 8))
        let first = try await window.submit(companyApplication(key: "w-1"))
        let second = try await kiosk.submit(companyApplication(key: "k-1"))
        try await window.accept(first.caseNumber + "-01", department: "market-regulation", actor: officer("market"))
        try await kiosk.accept(second.caseNumber + "-01", department: "market-regulation", actor: officer("market"))
        try await window.review(first.caseNumber + "-01", department: "market-regulation", actor: officer("market"))
        try await window.review(second.caseNumber + "-01", department: "market-regulation", actor: officer("market"))
        try await kiosk.approve(first.caseNumber + "-01", department: "market-regulation", actor: approver("market"))
        await #expect(try window.verifyAudit().description == "audit chain intact: 7 events")
    }

    @Test("an event inserted with a valid hash of its own is found by the next event's link")
    func insertion() async throws {
        let fixture = try await populated()
        defer { fixture.remove() }
        try await fixture.database().write { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM events WHERE seq = 3"))
            let previous: String = row["hash"]
            let fields: [String] = [
                row["at"], "intruder", row["role"], "approve", row["case_number"], row["subcase_id"], row["before"],
                row["after"], row["detail"],
            ]
            let hash = SHA256.hex(previous + "\n" + fields.joined(separator: "\u{1F}"))
            try db.execute(sql: "UPDATE events SET seq = seq + 10 WHERE seq >= 4")
            try db.execute(
                sql: """
                    INSERT INTO events (seq, at, actor, role, action, case_number, subcase_id, before, after, detail,
                        prev_hash, hash)
                    VALUES (4, ?, 'intruder', ?, 'approve', ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    fields[0], fields[2], fields[4], fields[5], fields[6], fields[7], fields[8], previous, hash,
                ])
        }
        #expect(try await fixture.engine().verifyAudit().description == "audit chain broken: event 4 was inserted")
    }

    @Test("events carry no personal data")
    func noPersonalData() async throws {
        let fixture = try await populated()
        defer { fixture.remove() }
        let text = try await fixture.database().read { db in
            try String.fetchAll(db, sql: "SELECT actor || before || after || detail || case_number FROM events")
                .joined()
        }
        #expect(!text.contains("11010519491231002X"))
        #expect(!text.contains("张三"))
        #expect(!text.contains("13812345678"))
    }
}

@Suite("Audit replay against the stored rows")
struct AuditReplayTests {
    /// A company-opening case with the registration issued (6 events), on a fresh file.
    func populated(_ store: StoreKind = .sqlite) async throws -> (EngineFixture, String) {
        let fixture = try await EngineFixture(store)
        let engine = fixture.engine()
        let number = try await engine.submit(companyApplication()).caseNumber
        try await engine.issueRegistration(number)
        try await engine.accept(number + "-03", department: "tax", actor: officer("tax"))
        return (fixture, number)
    }

    @Test(
        "tampering with rows, or deleting events, that the hash chain alone misses is named",
        arguments: StoreKind.allCases,
        [
            (
                "UPDATE subcases SET state = 'issued' WHERE id LIKE '%-03'",
                "audit check failed: sub-case OG20261123-000001-03 (its state, dates, inputs or outputs) differs from what"
                    + " event 6 recorded: changed outside OneGo, or later events were deleted"
            ),
            (
                "UPDATE subcases SET due_date = '2027-06-30' WHERE id LIKE '%-03'",
                "audit check failed: sub-case OG20261123-000001-03 (its state, dates, inputs or outputs) differs from what"
                    + " event 6 recorded: changed outside OneGo, or later events were deleted"
            ),
            (
                "UPDATE subcases SET outputs = '{\"company.creditCode\":\"91512081MA62K0261C\"}' WHERE id LIKE '%-01'",
                "audit check failed: sub-case OG20261123-000001-01 (its state, dates, inputs or outputs) differs from what"
                    + " event 5 recorded: changed outside OneGo, or later events were deleted"
            ),
            (
                "DELETE FROM events",
                "audit check failed: case OG20261123-000001 has no submission event: its events were deleted"
            ),
            (
                "DELETE FROM events WHERE seq >= 5",
                "audit check failed: sub-case OG20261123-000001-01 (its state, dates, inputs or outputs) differs from what"
                    + " event 4 recorded: changed outside OneGo, or later events were deleted"
            ),
            (
                "UPDATE cases SET status = 'completed'",
                "audit check failed: case OG20261123-000001 is stored as completed, but its sub-cases make it in-progress"
            ),
        ])
    func tampering(store: StoreKind, change: (sql: String, verdict: String)) async throws {
        let (sql, verdict) = change
        let (fixture, _) = try await populated(store)
        defer { fixture.remove() }
        #expect(try await fixture.engine().verifyAudit() == .intact(events: 6))
        try await fixture.tamper(sql)
        #expect(try await fixture.engine().verifyAudit().description == verdict)
    }

    @Test(
        "the replay reads the cases a batch at a time and still names the first difference in case order",
        arguments: StoreKind.allCases,
        [
            ("", "audit chain intact: 26 events"),
            (
                "UPDATE subcases SET state = 'issued' WHERE id = 'OG20261123-000004-03'",
                "audit check failed: sub-case OG20261123-000004-03 (its state, dates, inputs or outputs) differs from what"
                    + " event 21 recorded: changed outside OneGo, or later events were deleted"
            ),
            (
                "UPDATE cases SET withdrawn = true WHERE number = 'OG20261123-000003'",
                "audit check failed: case OG20261123-000003 is stored as withdrawn, but its events say otherwise"
            ),
            (
                "delete OG20261123-000005",
                "audit check failed: case OG20261123-000005 has audit events but no stored case: it was deleted"
            ),
            (
                "delete OG20261123-000002",
                "audit check failed: case OG20261123-000002 has audit events but no stored case: it was deleted"
            ),
        ])
    func batches(store: StoreKind, change: (sql: String, verdict: String)) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let engine = fixture.engine()
        // Five cases of five events (submission and four steps of the registration) and a sixth for
        // case 4 (26 in all): batches of two cases end after cases 2 and 4.
        for key in 1...5 {
            let number = try await engine.submit(companyApplication(key: "key-\(key)")).caseNumber
            try await engine.issueRegistration(number)
            if key == 4 { try await engine.accept(number + "-03", department: "tax", actor: officer("tax")) }
        }
        if change.sql.hasPrefix("delete ") {
            try await fixture.deleteCaseRow(String(change.sql.dropFirst("delete ".count)))
        } else if !change.sql.isEmpty {
            try await fixture.tamper(change.sql)
        }
        for batch in [2, 1, 1_000] {
            let said = try await engine.verifyAudit(caseBatch: batch).description
            #expect(said == change.verdict, "batch \(batch)")
        }
    }
}
