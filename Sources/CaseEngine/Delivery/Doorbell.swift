import Foundation

/// Wakes a waiting task early: the engine rings it when a change it committed carries dispatches,
/// so that an outbox relay in the same process claims them at once instead of at its next poll.
/// One waiter at a time; a ring with no waiter is remembered until the next wait.
public final class Doorbell: @unchecked Sendable {
    private let lock = NSLock()
    private var rung = false
    private var waiter: CheckedContinuation<Void, Never>?

    /// Creates a bell nobody has rung.
    public init() {}

    /// Wakes the waiter, or the next one.
    public func ring() {
        lock.lock()
        if let waiter {
            self.waiter = nil
            lock.unlock()
            waiter.resume()
        } else {
            rung = true
            lock.unlock()
        }
    }

    /// Returns when the bell rings (or has rung since the last wait), or after `timeout`.
    public func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForRing() }
            group.addTask {
                // Rings when the time is up, and when cancelled (the bell rang first, or the waiting
                // task was cancelled): the waiter never stays suspended. A ring that finds no
                // waiter only makes the next wait return at once.
                try? await Task.sleep(for: timeout)
                self.ring()
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForRing() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if rung {
                rung = false
                lock.unlock()
                continuation.resume()
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}
