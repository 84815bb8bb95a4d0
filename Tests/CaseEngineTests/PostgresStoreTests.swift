import BundleKit
import CaseEngine
import CaseStorePostgres
import Foundation
import PostgresTesting
import Testing
import WorkCalendar

/// What only a network database can do wrong: be down, restart, run out of connections, or be
/// shared by two engines at once.
@Suite("PostgreSQL store: faults and concurrency")
struct PostgresStoreTests {
    func engine(_ store: PostgresCaseStore, seed: UInt64 = 7) -> CaseEngine {
        CaseEngine(
            repository: store, library: shippedLibrary, calendar: shippedCalendar,
            clock: FixedClock(day: CalendarDate("2026-11-23") ?? CalendarDate(dayNumber: 0)),
            codes: SeededQueryCodes(seed: seed))
    }

    func fault(of work: () async throws -> Void) async -> StorageFault? {
        do {
            try await work()
            return nil
        } catch let error as CaseEngineError {
            if case .storage(let fault) = error { return fault }
            Issue.record("not a storage fault: \(error)")
            return nil
        } catch {
            Issue.record("not an engine error: \(error)")
            return nil
        }
    }

    /// Runs `work` again while it fails retryably, as a client would (a few times at most): on a
    /// machine loaded by the rest of the suite a request to a fresh or restarted cluster can
    /// outlast its deadline. Anything else failing is an issue.
    func retrying<T>(_ work: () async throws -> T) async throws -> T {
        for _ in 0..<5 {
            do {
                return try await work()
            } catch {
                #expect((error as? CaseEngineError)?.retryable == true, "\(error)")
            }
        }
        return try await work()
    }

    /// Waits until a background session of this test's database is blocked holding its lock (at
    /// most 10 s).
    func waitForSleeper(_ address: String) async throws {
        for _ in 0..<100 {
            let active = try await TestPostgres.query(
                address,
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND state = 'active'"
                    + " AND pid <> pg_backend_pid() AND datname = current_database()")
            if active == "1" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the background session never took its lock")
    }

    /// A background session holding `rows` (what follows `FROM` in a `SELECT … FOR UPDATE`) once it
    /// holds them, until its `end()`.
    func holding(_ rows: String, in address: String) async throws -> BackgroundSQL {
        let holder = try BackgroundSQL(address, "BEGIN; SELECT 1 FROM \(rows) FOR UPDATE; SELECT pg_sleep(60);")
        do {
            try await waitForSleeper(address)
        } catch {
            holder.end()
            throw error
        }
        return holder
    }

    /// Waits until a session waits for a row lock: a step that is in flight, not about to be (a
    /// step first tries its gated statement, which skips locked rows, then waits on the locking
    /// path).
    func waitForLockWaiter(_ address: String) async throws {
        for _ in 0..<300 {
            let waiting = try await TestPostgres.query(
                address,
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
            if waiting == "1" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("no step ever waited for the held row")
    }

    @Test("PostgreSQL down at start: a clear error that says a retry can help, not a wait for the deadline")
    func downAtStart() async throws {
        let empty = NSTemporaryDirectory() + "onego-no-server-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let address = try PostgresAddress("postgres://onego@/postgres?host=\(empty)&port=5432")
        let started = ContinuousClock.now
        let found = await fault {
            _ = try await PostgresCaseStore.open(address, options: .init(deadline: .seconds(60)))
        }
        // Unreachable, not timed out: the first connection's failure is the answer, not a
        // deadline (60 s here; the bound below only allows for a machine busy with other tests).
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(found == .unreachable(server: "postgres://onego@[\(empty)]:5432/postgres"))
        #expect(found?.retryable == true)
        #expect(
            CaseEngineError.storage(found ?? .busy).description
                == "cannot reach the database server at postgres://onego@[\(empty)]:5432/postgres; check that it is"
                + " running and the address is right, then try again")
    }

    @Test("PostgreSQL restarted during a step: the step fails retryably, nothing is half-written, the next reconnects")
    func restartMidStep() async throws {
        let cluster = try await offload { try PrivateCluster() }
        defer { cluster.remove() }
        let address = try PostgresAddress(cluster.address)
        let store = try await retrying {
            try await PostgresCaseStore.open(address, options: .init(maximumConnections: 2, deadline: .seconds(20)))
        }
        defer { store.stop() }
        let engine = engine(store)
        // The submission carries an idempotency key: retried, it is still one case.
        let number = try await retrying { try await engine.submit(companyApplication()) }.caseNumber
        let id = number + "-01"
        let rows = "SELECT state || count(*) OVER () FROM subcases WHERE id = '\(id)'"
        let before = try await TestPostgres.query(cluster.address, rows)
        let events = try await TestPostgres.query(cluster.address, "SELECT count(*) FROM events")
        // Another session holds the sub-case's row, so the step is in flight when the server stops.
        let holder = try await holding("subcases WHERE id = '\(id)'", in: cluster.address)
        defer { holder.end() }
        async let inFlight = fault {
            try await engine.accept(id, department: "market-regulation", actor: officer("market"))
        }
        try await waitForLockWaiter(cluster.address)
        try await offload { try cluster.stop() }
        let found = await inFlight
        #expect(found == .connectionLost)
        #expect(found?.retryable == true)
        try await offload { holder.end() }
        try await offload { try cluster.start() }
        #expect(try await TestPostgres.query(cluster.address, rows) == before)
        #expect(try await TestPostgres.query(cluster.address, "SELECT count(*) FROM events") == events)
        // The pool reconnects after its backoff, which grows while the server is down: on a machine
        // loaded by the rest of the suite a request can outlast its deadline meanwhile. A client
        // retries a retryable failure; so does this, and nothing else may fail.
        let summary = try await retrying {
            try await engine.accept(id, department: "market-regulation", actor: officer("market"))
        }
        #expect(summary.state == .accepted)
        #expect(try await retrying { try await engine.verifyAudit() } == .intact(events: 2))
    }

    @Test("every connection busy with a slow request: later requests time out within the deadline, then recover")
    func poolExhausted() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        // Opening probes a first connection within the deadline: on a machine loaded by the rest of
        // the suite that can take longer than two seconds, so it is tried a few times.
        var opened: PostgresCaseStore?
        for _ in 0..<10 where opened == nil {
            opened = try? await PostgresCaseStore.open(
                try PostgresAddress(fixture.address), options: .init(maximumConnections: 1, deadline: .seconds(2)))
        }
        let store = try #require(opened)
        defer { store.stop() }
        let engine = engine(store)
        // Submitted through the fixture's own store (a long deadline): a loaded machine may take
        // more than two seconds for a first submission.
        let number = try await fixture.engine().submit(companyApplication()).caseNumber
        let id = number + "-01"
        let holder = try await holding("subcases WHERE id = '\(id)'", in: fixture.address)
        defer { holder.end() }
        let started = ContinuousClock.now
        async let slow = fault { try await engine.accept(id, department: "market-regulation", actor: officer("m")) }
        try await waitForLockWaiter(fixture.address)
        let asked = ContinuousClock.now
        let waiting = await fault { _ = try await engine.caseSummary(number) }
        #expect(ContinuousClock.now - asked < .milliseconds(3500))
        let stuck = await slow
        // From before the step began: its connection and its row lock come first (the deadline is
        // 2 s; the lock is held for a minute).
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(waiting == .timedOut(seconds: 2))
        #expect(stuck == .timedOut(seconds: 2))
        #expect(waiting?.retryable == true)
        try await offload { holder.end() }
        // The abandoned step, which now gets its lock, commits nothing behind its caller's back;
        // the store serves again.
        // the store serves again once the abandoned step's connection is back (at once when the
        // machine is idle; a loaded machine may take a few seconds).
        var summary: CaseSummary?
        for _ in 0..<30 where summary == nil {
            summary = try? await engine.caseSummary(number)
            if summary == nil { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(summary?.subcases.first?.state == .dispatched)
        #expect(try await fixture.count("SELECT count(*) FROM events") == 1)
        var accepted: SubcaseSummary?
        for _ in 0..<30 where accepted == nil {
            accepted = try? await engine.accept(id, department: "market-regulation", actor: officer("m"))
            if accepted == nil { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(accepted?.state == .accepted)
    }

    @Test("two engines on one database: numbers never repeat, one case per key, one clerk wins a step, one chain")
    func twoEngines() async throws {
        let fixture = try await EngineFixture(.postgres)
        defer { fixture.remove() }
        let address = try PostgresAddress(fixture.address)
        let first = try await PostgresCaseStore.open(
            address, options: .init(maximumConnections: 4, deadline: .seconds(60), connectTimeout: .seconds(30)))
        let second = try await PostgresCaseStore.open(
            address, options: .init(maximumConnections: 4, deadline: .seconds(60), connectTimeout: .seconds(30)))
        defer {
            first.stop()
            second.stop()
        }
        let engines = [engine(first, seed: 1), engine(second, seed: 2)]
        // 40 different submissions, alternating engines, all at once; and 10 keys sent to both.
        let numbers = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await engines[index % 2].submit(companyApplication(key: "k-\(index)")).caseNumber
                }
            }
            for index in 0..<10 {
                for engine in engines {
                    group.addTask { try await engine.submit(companyApplication(key: "shared-\(index)")).caseNumber }
                }
            }
            var numbers: [String] = []
            for try await number in group { numbers.append(number) }
            return numbers
        }
        #expect(numbers.count == 60)
        #expect(Set(numbers).count == 50)
        #expect(try await fixture.count("SELECT count(*) FROM cases") == 50)
        #expect(try await fixture.count("SELECT max(last) FROM case_sequences") == 50)
        // Both engines accept every sub-case dispatched, at once: each is accepted exactly once.
        let dispatched = numbers.sorted().map { $0 + "-01" }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for id in Set(dispatched) {
                for engine in engines {
                    group.addTask {
                        (try? await engine.accept(id, department: "market-regulation", actor: officer("m"))) != nil
                    }
                }
            }
            var wins = 0
            for await won in group where won { wins += 1 }
            return wins
        }
        #expect(outcomes == 50)
        #expect(try await fixture.count("SELECT count(*) FROM events WHERE action = 'accept'") == 50)
        #expect(try await engines[0].verifyAudit() == .intact(events: 100))
        #expect(try await fixture.count("SELECT max(seq) - count(*) FROM events") == 0)
    }
}
