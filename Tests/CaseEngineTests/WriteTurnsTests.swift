import Synchronization
import Testing

@testable import CaseStorePostgres

/// The turns a PostgreSQL store's gated writes take within one process (the PostgreSQL suite and
/// `onego-bench api --db postgres://…` run through them too).
@Suite("PostgreSQL store: one gated write at a time in a process")
struct WriteTurnsTests {
    final class Inside: Sendable {
        let counts = Mutex((now: 0, most: 0, done: 0))
    }

    @Test("writes started at once run one at a time, and every one runs")
    func oneAtATime() async throws {
        let turns = WriteTurns()
        let inside = Inside()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await turns.run {
                        inside.counts.withLock {
                            $0.now += 1; $0.most = max($0.most, $0.now)
                        }
                        try await Task.sleep(for: .milliseconds(1))
                        inside.counts.withLock {
                            $0.now -= 1; $0.done += 1
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(inside.counts.withLock { $0.most } == 1)
        #expect(inside.counts.withLock { $0.done } == 50)
    }

    @Test("a write whose caller gives up while waiting leaves the queue at once; the next one still gets its turn")
    func cancelledWaiter() async throws {
        let turns = WriteTurns()
        let (holding, held) = AsyncStream.makeStream(of: Void.self)
        let (releasing, release) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await turns.run {
                held.yield()
                for await _ in releasing { break }
            }
        }
        for await _ in holding { break }
        let waiter = Task { try await turns.run { "ran" } }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        release.yield()
        try await holder.value
        #expect(try await turns.run { "next" } == "next")
    }
}
