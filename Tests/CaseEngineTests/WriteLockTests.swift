import CaseEngine
import Foundation
import GRDB
import Testing

/// Writes while another process holds the SQLite file's write lock (an `onego` command, a
/// script): they wait by suspending, not on their threads, commit once the lock is let go, and
/// answer busy after 10 s with nothing saved.
@Suite("SQLite: another process's write lock")
struct WriteLockTests {
    /// A connection of its own, as another process has, holding the write lock.
    private static func holdWriteLock(on path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true  // the transaction outlives the call
        let holder = try DatabaseQueue(path: path, configuration: configuration)
        try holder.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        return holder
    }

    @Test("more waiting writes than the pool has threads: the waits hold none, and all commit once the lock goes")
    func waitsWithoutThreads() async throws {
        let fixture = try await EngineFixture(.sqlite)
        defer { fixture.remove() }
        let holder = try Self.holdWriteLock(on: fixture.path)
        let engine = fixture.engine()
        let started = ContinuousClock.now
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let submissions = (0..<(threads + 2)).map { index in
            Task { try await engine.submit(companyApplication(key: "lock-\(index)")).caseNumber }
        }
        // Waiting in SQLite's busy handler, the submissions held every thread of Swift's pool (one a
        // core): this task could not run again to let the lock go before their 10 s were out.
        try await Task.sleep(for: .milliseconds(500))
        try await holder.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
        var numbers: [String] = []
        for submission in submissions { numbers.append(try await submission.value) }
        #expect(ContinuousClock.now - started < .seconds(8))
        #expect(Set(numbers).count == threads + 2)
        #expect(try await fixture.count("SELECT count(*) FROM cases") == threads + 2)
    }

    @Test("a lock held past 10 s: the write answers busy, a retry can help, and nothing is saved")
    func busyAfterTheWait() async throws {
        let fixture = try await EngineFixture(.sqlite)
        defer { fixture.remove() }
        let holder = try Self.holdWriteLock(on: fixture.path)
        let started = ContinuousClock.now
        await #expect(throws: CaseEngineError.storage(.busy)) {
            try await fixture.engine().submit(companyApplication())
        }
        #expect(ContinuousClock.now - started >= .seconds(10))
        try await holder.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        #expect(CaseEngineError.storage(.busy).retryable)
        #expect(try await fixture.count("SELECT count(*) FROM cases") == 0)
    }
}
