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
    @Test("a retry of a stored submission on a later day returns the stored receipt, before any validation")
    func retryOnALaterDay() async throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let promised = try #require(CalendarDate("2026-11-25"))
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
        let fixture = try EngineFixture()
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
        let after = try fixture.snapshot()
        #expect(try await full.verifyAudit() == .intact(events: after["events"] ?? -1))
        #expect(after["events"] == after["cases"])
        #expect(try bounded.consistencyReport().partial == 0)
    }
}

@Suite("Personal data to departments")
struct DepartmentDataTests {
    @Test("a department sees a sub-case's data only once it is dispatched, and not after it is cancelled")
    func dataOnlyWhenDispatched() async throws {
        let fixture = try EngineFixture()
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
        let inbox = try await engine.inbox(department: "public-security")
        #expect(inbox.map(\.withheld) == [true])
        #expect(inbox.flatMap(\.fields) == [])
        // Withdrawn before it was ever dispatched: still nothing.
        try await engine.withdraw(caseNumber: number, reason: "changed plans", actor: clerk)
        let cancelled = try await engine.departmentView(number + "-07", department: "bank")
        #expect(cancelled.subcase.state == .cancelled)
        #expect(cancelled.withheld && cancelled.fields == [])
    }
}
