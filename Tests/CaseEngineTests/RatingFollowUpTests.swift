import BundleKit
import CaseEngine
import Foundation
import Testing

@Suite("Following up bad ratings (差评回访整改)")
struct RatingFollowUpTests {
    let supervisor = Principal(id: "sup-li", role: .supervisor)

    @Test(
        "a bad rating waits for a follow-up until one is recorded; a new rating waits again",
        arguments: StoreKind.allCases)
    func followUp(store: StoreKind) async throws {
        let fixture = try await EngineFixture(store)
        defer { fixture.remove() }
        let monday = fixture.engine(on: "2026-11-23")
        let bad = try await monday.submit(companyApplication(key: "r-1")).caseNumber
        let good = try await monday.submit(companyApplication(key: "r-2")).caseNumber
        let kiosk = Principal(id: "kiosk-7", role: .kiosk)
        try await monday.rate(caseNumber: bad, grade: 5, actor: kiosk)
        try await monday.rate(caseNumber: good, grade: 1, actor: kiosk)
        #expect(try await monday.ratingsAwaitingFollowUp().items.map(\.caseNumber) == [bad])

        let tuesday = fixture.engine(on: "2026-11-24")
        do {
            try await tuesday.followUpRating(caseNumber: bad, note: " ", actor: supervisor)
            Issue.record("an empty follow-up was recorded")
        } catch {
            #expect(
                error.message.en
                    == "case \(bad): cannot follow up: a follow-up says what was done, in 1 to 1000 characters")
        }
        do {
            try await tuesday.followUpRating(caseNumber: good, note: "called", actor: supervisor)
            Issue.record("a good rating was followed up")
        } catch {
            #expect(
                error.message.en
                    == "case \(good): cannot follow up: only a bad rating (4 or 5) is followed up; this case was rated 1"
            )
        }
        let unrated = try await monday.submit(companyApplication(key: "r-3")).caseNumber
        do {
            try await tuesday.followUpRating(caseNumber: unrated, note: "called", actor: supervisor)
            Issue.record("an unrated case was followed up")
        } catch {
            #expect(error.message.en == "case \(unrated): cannot follow up: the case has not been rated")
            #expect(error.message.zh.hasPrefix("办件 \(unrated):不能回访:"), "the step named in Chinese")
        }

        try await tuesday.followUpRating(
            caseNumber: bad, note: "回访:申请人反映等候时间长;已增开窗口", actor: supervisor)
        #expect(try await tuesday.ratingsAwaitingFollowUp().items.isEmpty)
        let (rating, followUps) = try await tuesday.rating(of: bad)
        #expect(rating?.grade == 5)
        #expect(followUps.map(\.note) == ["回访:申请人反映等候时间长;已增开窗口"])
        #expect(followUps.map(\.by) == ["sup-li"])
        let events = try await fixture.repository.auditEvents(ofCase: bad).map(\.event)
        #expect(events.last?.action == "follow up")
        #expect(
            events.last?.detail == "rating followed up, note of 19 characters", "the note itself stays out of the chain"
        )
        #expect(try await tuesday.verifyAudit().description.hasPrefix("audit chain intact"))

        // Rated again later: the earlier follow-up does not cover the new rating.
        try await fixture.engine(on: "2026-11-25").rate(caseNumber: bad, grade: 4, actor: kiosk)
        #expect(try await tuesday.ratingsAwaitingFollowUp().items.map(\.grade) == [4])
    }
}
