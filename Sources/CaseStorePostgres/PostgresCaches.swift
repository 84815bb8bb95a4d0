import CaseEngine
import Foundation
import WorkCalendar

/// The ids of committed plans by hash: a submission under a known plan neither looks it up nor
/// writes it again. Bounded: past 1,024 plans it starts again.
final class PostgresPlanIDs: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: Int64] = [:]

    func id(_ hash: String) -> Int64? {
        lock.lock()
        defer { lock.unlock() }
        return ids[hash]
    }

    func remember(_ hash: String, _ id: Int64) {
        lock.lock()
        if ids.count >= 1024 { ids.removeAll() }
        ids[hash] = id
        lock.unlock()
    }
}

/// The sub-case entries of the plans this process has read, decoded once per plan (a plan never
/// changes once stored). Bounded: past 1,024 plans it starts again.
final class PostgresPlanCache: @unchecked Sendable {
    private let lock = NSLock()
    private var plans: [Int64: [SubcasePlan]] = [:]

    func entries(_ id: Int64) -> [SubcasePlan]? {
        lock.lock()
        defer { lock.unlock() }
        return plans[id]
    }

    func remember(_ id: Int64, _ entries: [SubcasePlan]) {
        lock.lock()
        if plans.count >= 1024 { plans.removeAll() }
        plans[id] = entries
        lock.unlock()
    }
}

/// The sub-cases this process wrote last, and the cases it submitted, with the audit chain's head
/// they are current at, so a step on one of them is decided without reading it and written gated
/// in one round trip. Nothing here is trusted: the gated write goes through only if the database's
/// head is still the remembered one, and the head moves with every change to a case or sub-case,
/// from any process. The memory only has to be *consistent*: everything in it is what a read
/// would have answered when the head was `head`. A write of this process that moved the head from
/// `head` keeps it so (its sub-cases replace theirs, its case update is applied); any other move
/// starts it again from the write's own sub-cases. Bounded: past `capacity` sub-cases it starts
/// again.
struct SubcaseMemory {
    typealias Head = (seq: Int64, hash: String)
    /// The head before and after a write (nil after: the write appended nothing).
    typealias Heads = (before: Head?, after: Head?)

    /// What a step on a sub-case in its case reads of the case (``SnapshotScope/subcaseInCase(_:)``).
    struct RememberedCase {
        var status: CaseStatus
        var withdrawn: Bool
        var materials: [CaseMaterial]
        /// Its sub-cases, in plan order.
        var subcaseIDs: [String]
    }

    let capacity: Int
    private(set) var head: Head?
    private var subcases: [String: Subcase] = [:]
    private var cases: [String: RememberedCase] = [:]
    /// The last case number of a day this process numbered (the day's counter row then).
    private var sequences: [CalendarDate: Int] = [:]

    init(capacity: Int) { self.capacity = capacity }

    /// The last number of `day`'s cases, if this process numbered it, and the head it is current at.
    func recall(sequenceOf day: CalendarDate) -> (last: Int, head: Head)? {
        guard let head, let last = sequences[day] else { return nil }
        return (last, head)
    }

    /// A remembered sub-case and the head it is current at.
    func recall(_ id: String) -> (subcase: Subcase, head: Head)? {
        guard let head, let subcase = subcases[id] else { return nil }
        return (subcase, head)
    }

    /// A remembered sub-case's case and all its sub-cases (in plan order), and the head they are
    /// current at.
    func recall(inCase id: String) -> (owner: RememberedCase, all: [Subcase], head: Head)? {
        guard let head, let number = subcases[id]?.caseNumber, let owner = cases[number] else { return nil }
        let all = owner.subcaseIDs.compactMap { subcases[$0] }
        guard all.count == owner.subcaseIDs.count else { return nil }
        return (owner, all, head)
    }

    /// A committed step of this process: it moved the head from `before` to `after` (or did not
    /// move it: nil) and left the case and sub-cases as `transition` says.
    mutating func wrote(_ transition: Transition, from before: Head?, to after: Head?) {
        guard advance(from: before, to: after) else { return }
        remember(transition.subcases)
        guard var owner = cases[transition.caseNumber] else { return }
        let update = transition.caseUpdate
        if let status = update.status { owner.status = status }
        if update.withdrawn { owner.withdrawn = true }
        if let materials = update.materials { owner.materials = materials }
        cases[transition.caseNumber] = owner
    }

    /// A committed submission of this process, numbered `sequence` of its day.
    mutating func submitted(_ numbered: NumberedCase, sequence: Int, from before: Head?, to after: Head?) {
        guard advance(from: before, to: after) else { return }
        remember(numbered.subcases)
        let record = numbered.record
        // One day's counter is all a submission needs: the days before are over.
        sequences = [record.submittedOn: sequence]
        cases[record.number] = RememberedCase(
            status: record.status, withdrawn: false, materials: record.materials,
            subcaseIDs: numbered.subcases.map(\.id))
    }

    /// A committed append of events that changes no case (sign-ins).
    mutating func appended(from before: Head, to after: Head?) { _ = advance(from: before, to: after) }

    /// What is remembered is no longer known to be current (a gated write found the head moved).
    mutating func forget() {
        head = nil
        subcases.removeAll()
        cases.removeAll()
        sequences.removeAll()
    }

    /// Moves to the head a write of this process left: what is remembered stays current if the
    /// write started from the remembered head, and is dropped otherwise. False: the write is older
    /// than what is remembered, or nothing is remembered at all.
    private mutating func advance(from before: Head?, to after: Head?) -> Bool {
        guard capacity > 0 else { return false }
        guard let after else { return head != nil }
        if let head, head.seq >= after.seq { return false }
        if head?.seq != before?.seq || head?.hash != before?.hash {
            subcases.removeAll()
            cases.removeAll()
            sequences.removeAll()
        }
        head = after
        return true
    }

    private mutating func remember(_ written: [Subcase]) {
        if subcases.count + written.count > capacity {
            subcases.removeAll()
            cases.removeAll()
        }
        for subcase in written { subcases[subcase.id] = subcase }
    }
}
