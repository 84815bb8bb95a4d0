import Synchronization

/// This process's gated writes, one at a time.
///
/// Every write appends to the one audit chain, so writes are serialised by the chain head's row
/// lock anyway. A gated write (``PostgresCaseStore/gatedStep(_:_:)``,
/// ``PostgresCaseStore/gatedInsert(_:)``) is decided on what this process remembers or has just
/// read, with the head it saw: two of the same process's gated writes at once would move the head
/// under each other, and the second would miss and go the locking way (five to seven round trips
/// holding the day's counter or the head). Taking turns inside the process, each gated write finds
/// the head where the previous one left it and costs one round trip: a server's concurrent
/// requests are written as fast as one request after another, instead of each holding the head
/// for several round trips. A turn never waits on a row lock (the gated statements take theirs
/// `SKIP LOCKED`), so a row held elsewhere never holds up the process's other writes; the locking
/// path that follows a miss runs outside the turns. Waiting for a turn counts against the
/// operation's deadline: a cancelled waiter leaves the queue.
final class WriteTurns: Sendable {
    private struct State {
        var busy = false
        var waiting: [(id: UInt64, turn: CheckedContinuation<Void, any Error>)] = []
        var lastID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Runs `work` when it is this caller's turn.
    func run<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        try await take()
        defer { hand() }
        return try await work()
    }

    private func take() async throws {
        let id: UInt64? = state.withLock { state in
            guard state.busy else {
                state.busy = true
                return nil
            }
            state.lastID += 1
            return state.lastID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (turn: CheckedContinuation<Void, any Error>) in
                enum Now { case wait, go, cancelled }
                let now: Now = state.withLock { state in
                    // Cancelled before it could join: its handler found nothing to take out (a
                    // task's cancelled flag is set before its handler runs).
                    if Task.isCancelled { return .cancelled }
                    // Handed back meanwhile with nobody waiting: the turn is free.
                    guard state.busy else {
                        state.busy = true
                        return .go
                    }
                    state.waiting.append((id, turn))
                    return .wait
                }
                switch now {
                case .wait: break
                case .go: turn.resume()
                case .cancelled: turn.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            // Not queued yet (it will see the flag), or already given its turn (its work will).
            let turn = state.withLock { state in
                state.waiting.firstIndex { $0.id == id }.map { state.waiting.remove(at: $0).turn }
            }
            turn?.resume(throwing: CancellationError())
        }
    }

    /// Hands the turn to the first waiter, or frees it.
    private func hand() {
        let next: CheckedContinuation<Void, any Error>? = state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.busy = false
                return nil
            }
            return state.waiting.removeFirst().turn
        }
        next?.resume()
    }
}
