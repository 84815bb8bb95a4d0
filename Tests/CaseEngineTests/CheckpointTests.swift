import Foundation
import GRDB
import Synchronization
import Testing

@testable import CaseStoreSQLite

@Suite("SQLite checkpoints")
struct CheckpointTests {
    /// A store on a new file, removed afterwards.
    private static func withStore(
        synchronous: SQLiteCaseStore.Synchronous = .normal, _ body: (SQLiteCaseStore, String) async throws -> Void
    ) async throws {
        let path = NSTemporaryDirectory() + "onego-checkpoints-\(UUID().uuidString).db"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try await body(try SQLiteCaseStore(path: path, create: true, synchronous: synchronous), path)
    }

    /// Commits `pages` pages of new rows in transactions of `each` pages on the store's writer.
    private static func commit(pages: Int, each: Int = 100, on store: SQLiteCaseStore) throws {
        let pool = try #require(store.pool)
        try pool.write { db in try db.execute(sql: "CREATE TABLE IF NOT EXISTS scratch (data BLOB)") }
        for _ in 0..<(pages / each) {
            try pool.write { db in
                try db.execute(sql: "INSERT INTO scratch VALUES (zeroblob(?))", arguments: [each * 4_000])
            }
        }
    }

    private static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test(
        "the checkpointing connection syncs at the writer's level",
        arguments: [(SQLiteCaseStore.Synchronous.normal, 1), (.full, 2)])
    func synchronous(level: SQLiteCaseStore.Synchronous, expected: Int) async throws {
        try await Self.withStore(synchronous: level) { store, _ in
            let checkpoints = try #require(store.checkpoints)
            #expect(try checkpoints.synchronousLevel() == expected)
        }
    }

    @Test("below the threshold the WAL keeps its pages; past it a background checkpoint copies them into the file")
    func background() async throws {
        try await Self.withStore { store, path in
            let checkpoints = try #require(store.checkpoints)
            try Self.commit(pages: 800, on: store)
            let before = Self.size(path)
            #expect(checkpoints.finished.load(ordering: .relaxed) == 0)
            try Self.commit(pages: 400, on: store)
            let deadline = Date().addingTimeInterval(10)
            while checkpoints.finished.load(ordering: .relaxed) == 0, Date() < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(checkpoints.finished.load(ordering: .relaxed) == 1)
            // The file holds the copied pages: about 1,000 more than before.
            #expect(Self.size(path) > before + 900 * 4_096)
        }
    }

    @Test("past its limit the writer lets the WAL start again: it does not grow with the writes")
    func limit() async throws {
        try await Self.withStore { store, path in
            try Self.commit(pages: 3 * Int(Checkpoints.limit), on: store)
            let frames = (Self.size(path + "-wal") - 32) / (4_096 + 24)
            // Without the writer's own checkpoint the WAL never starts again and holds every frame
            // written (30,168). With it, it starts again once the background's copy is done: about
            // 2 × the limit at most on an idle machine, more while a loaded one copies slowly
            // (23,275 once in the full suite on two cores), never all of them.
            #expect(frames < 3 * Int(Checkpoints.limit))
            let rows = try #require(store.pool).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM scratch") }
            #expect(rows == 3 * Int(Checkpoints.limit) / 100)
            #expect(try store.integrityCheck() == "ok")
        }
    }
}
