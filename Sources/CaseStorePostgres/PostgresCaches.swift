import CaseEngine
import Foundation

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

/// The sub-cases this process wrote last, with the audit chain's head they are current at, so a
/// step on one of them (accept, review, approve) is decided without reading it and written gated
/// in one round trip. Nothing here is trusted: the gated write goes through only if the database's
/// head is still the remembered one, and the head moves with every change to a case or sub-case,
/// from any process. The memory only has to be *consistent*: every sub-case in it is what a read
/// would have answered when the head was `head`. A write of this process that moved the head from
/// `head` keeps it so (its sub-cases replace theirs); any other move starts it again from the
/// write's own sub-cases. Bounded: past ``capacity`` sub-cases it starts again.
struct SubcaseMemory {
    typealias Head = (seq: Int64, hash: String)
    static let capacity = 65_536

    private(set) var head: Head?
    private var subcases: [String: Subcase] = [:]

    /// A remembered sub-case and the head it is current at.
    func recall(_ id: String) -> (subcase: Subcase, head: Head)? {
        guard let head, let subcase = subcases[id] else { return nil }
        return (subcase, head)
    }

    /// A committed write of this process: it moved the head from `before` to `after` (or did not
    /// move it: nil) and left `written` as they are now.
    mutating func wrote(_ written: [Subcase], from before: Head?, to after: Head?) {
        if let after {
            // A later head is already known: this write is older than what is remembered.
            if let head, head.seq >= after.seq { return }
            if head?.seq != before?.seq || head?.hash != before?.hash { subcases.removeAll() }
            head = after
        } else if head == nil {
            return
        }
        if subcases.count + written.count > Self.capacity { subcases.removeAll() }
        for subcase in written { subcases[subcase.id] = subcase }
    }

    /// What is remembered is no longer known to be current (a gated write found the head moved).
    mutating func forget() {
        head = nil
        subcases.removeAll()
    }
}
