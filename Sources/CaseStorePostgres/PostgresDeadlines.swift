import Foundation
import Synchronization

/// The deadlines of one store's operations, watched by one long-lived task instead of a timer task
/// each.
///
/// Every operation is due the same time after it starts (the store's deadline), so operations
/// fall due in the order they started: the watch keeps them in that order and sleeps until the
/// oldest unanswered one is due. An operation started later is due later still, so the watch never
/// has to be woken early; with nothing to watch it sleeps one whole deadline, since anything
/// started meanwhile is due after that. An operation answered in time costs a lock and a queue
/// entry, not a task and a timer of its own, nor the wake-ups of starting and cancelling them
/// (which, at a step a millisecond, were a fifth of the client's thread switches).
final class DeadlineWatch: Sendable {
    private let deadline: Duration
    private let watched = Mutex(DueQueue())
    private let finishing = Atomic(false)

    init(deadline: Duration) {
        self.deadline = deadline
    }

    /// Watches `operation` from now; it is expired at the deadline unless answered before.
    func watch(_ operation: any Deadlined) {
        // The time is read under the lock, so the queue's order is the order of the due times.
        watched.withLock { $0.append(Watched(due: ContinuousClock.now.advanced(by: deadline), operation: operation)) }
    }

    /// Expires operations as they fall due, until ``finish()`` is called and none is left.
    func run() async {
        while true {
            let now = ContinuousClock.now
            // What is due (expiring one answered meanwhile does nothing), then the answered.
            let (expired, next) = watched.withLock { queue in
                var expired: [any Deadlined] = []
                while let first = queue.first {
                    if first.due <= now {
                        expired.append(first.operation)
                    } else if !first.operation.isAnswered {
                        break
                    }
                    queue.removeFirst()
                }
                return (expired, queue.first?.due)
            }
            for operation in expired { operation.expire() }
            if next == nil, finishing.load(ordering: .acquiring) { return }
            try? await Task.sleep(until: next ?? now.advanced(by: deadline), clock: .continuous)
        }
    }

    /// Ends the watch once the operations still running are answered or expired (the store is
    /// closing: nothing new starts).
    func finish() {
        finishing.store(true, ordering: .releasing)
    }

    /// Drops the answered operations at the front, so that a store running one operation at a
    /// time keeps its queue at one entry.
    func prune() {
        watched.withLock { queue in
            while let first = queue.first, first.operation.isAnswered { queue.removeFirst() }
        }
    }

    /// Operations in the order they fall due; an array with a moving front.
    private struct DueQueue {
        private var entries: [Watched] = []
        private var front = 0

        var first: Watched? { front < entries.count ? entries[front] : nil }

        mutating func append(_ entry: Watched) { entries.append(entry) }

        mutating func removeFirst() {
            front += 1
            if front == entries.count {
                entries.removeAll(keepingCapacity: true)
                front = 0
            } else if front >= 64, front * 2 >= entries.count {
                entries.removeFirst(front)
                front = 0
            }
        }
    }

    private struct Watched {
        let due: ContinuousClock.Instant
        let operation: any Deadlined
    }
}

/// An operation whose caller is answered at its deadline if its work has not answered first.
protocol Deadlined: AnyObject, Sendable {
    var isAnswered: Bool { get }
    /// Answers the caller that the deadline passed and cancels the work.
    func expire()
}

/// The first of several answers to one question (the work, its deadline, or its caller giving up);
/// later ones are dropped.
///
/// It holds the answer only until its caller takes it, and the work's task only until then: the
/// watch may keep an answered operation queued behind an older one still running for as long as
/// the deadline, and it should keep nothing bigger than this object meanwhile.
final class FirstAnswer<T: Sendable>: Deadlined, @unchecked Sendable {
    private let lock = NSLock()
    private let timeout: any Error
    private var answered = false
    /// The answer, until its caller takes it.
    private var answer: Result<T, any Error>?
    private var waiter: CheckedContinuation<Result<T, any Error>, Never>?
    private var worker: Task<Void, Never>?

    /// `timeout` is the answer given at the deadline.
    init(timeout: any Error) {
        self.timeout = timeout
    }

    /// The task doing the work, cancelled if the deadline or the caller's giving up comes first.
    func started(_ worker: Task<Void, Never>) {
        lock.withLock {
            if !answered { self.worker = worker }
        }
    }

    var isAnswered: Bool { lock.withLock { answered } }

    func expire() { expire(with: timeout) }

    /// Answers the caller with `error` and cancels the work, unless the work answered first.
    func expire(with error: any Error) {
        answer(.failure(error))?.cancel()
    }

    /// The work's answer (dropped if the deadline or the caller came first).
    func give(_ result: Result<T, any Error>) {
        _ = answer(result)
    }

    /// Answers unless answered already; the work's task if this answer came before the work's own.
    private func answer(_ result: Result<T, any Error>) -> Task<Void, Never>? {
        lock.lock()
        guard !answered else {
            lock.unlock()
            return nil
        }
        answered = true
        let (waiter, worker) = (self.waiter, self.worker)
        (self.waiter, self.worker) = (nil, nil)
        if waiter == nil { answer = result }
        lock.unlock()
        waiter?.resume(returning: result)
        return worker
    }

    /// The answer, once there is one; asked for once.
    func wait() async -> Result<T, any Error> {
        await withCheckedContinuation { continuation in
            lock.lock()
            if answered, let answer {
                self.answer = nil
                lock.unlock()
                continuation.resume(returning: answer)
            } else {
                precondition(!answered && waiter == nil, "an answer is asked for once")
                waiter = continuation
                lock.unlock()
            }
        }
    }
}
