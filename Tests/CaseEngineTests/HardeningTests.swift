import BundleKit
import CaseEngine
import CaseStoreSQLite
import Foundation
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
