import Testing

@testable import CaseStorePostgres

/// The one task that keeps every operation's deadline in a PostgreSQL store (the fault tests of
/// the store go through it too: a pool that is full, a server that is down).
@Suite("PostgreSQL store: deadlines kept by one watch")
struct DeadlineWatchTests {
    struct TimedOut: Error {}

    @Test(
        "an operation answered in time keeps its answer; one that is not is answered at its deadline and its work cancelled"
    )
    func expiry() async throws {
        let watch = DeadlineWatch(deadline: .milliseconds(100))
        let watching = Task { await watch.run() }
        let answered = FirstAnswer<Int>(timeout: TimedOut())
        let stuck = FirstAnswer<Int>(timeout: TimedOut())
        let work = Task<Void, Never> {
            try? await Task.sleep(for: .seconds(600))
            stuck.give(.success(2))
        }
        stuck.started(work)
        watch.watch(answered)
        watch.watch(stuck)
        answered.give(.success(1))
        #expect(try await answered.wait().get() == 1)
        await #expect(throws: TimedOut.self) { try await stuck.wait().get() }
        #expect(work.isCancelled)
        // Closing: the watch ends once nothing is left to watch.
        watch.finish()
        await watching.value
    }

    final class Payload: Sendable {}

    @Test("an answer taken by its caller is no longer held, though the watch may still hold the operation")
    func answerReleased() async throws {
        let answer = FirstAnswer<Payload>(timeout: TimedOut())
        weak var released: Payload?
        do {
            let payload = Payload()
            released = payload
            answer.give(.success(payload))
            _ = try await answer.wait().get()
        }
        #expect(released == nil)
        #expect(answer.isAnswered)
    }

    @Test("a caller that gives up is answered at once with its own error, and later answers are dropped")
    func firstAnswerWins() async throws {
        let answer = FirstAnswer<Int>(timeout: TimedOut())
        answer.expire(with: CancellationError())
        answer.give(.success(1))
        answer.expire()
        await #expect(throws: CancellationError.self) { try await answer.wait().get() }
        #expect(answer.isAnswered)
    }
}
