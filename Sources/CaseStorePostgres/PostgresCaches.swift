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
