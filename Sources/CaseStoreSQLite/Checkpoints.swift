import Dispatch
import GRDB
import GRDBSQLite
import Synchronization

/// Checkpoints off the commit path.
///
/// SQLite copies the WAL back into the database file (a checkpoint) inside the commit that takes
/// the WAL past 1,000 pages, and that commit then waits for two `fsync`s, the WAL's and the
/// file's: milliseconds each on a real disk, once every few hundred steps (in W1 under NORMAL,
/// 6.4 s of a 14.6 s run). Here the writer's commits only count: every ``threshold`` pages added to
/// the WAL, a connection of the store's own copies them and waits for the disk on a background
/// queue (a passive checkpoint, which never blocks the writer or a reader).
///
/// SQLite starts the WAL from its beginning again only when a write transaction begins with every
/// page copied, which a checkpoint beside a busy writer never sees; so once the WAL holds
/// ``limit`` pages the writer checkpoints the pages left itself, as SQLite's own checkpoint would,
/// ``limit`` ÷ ``threshold`` times less often (the WAL then grows to about 40 MB under sustained
/// writing). Durability is SQLite's own: the checkpointing connection syncs at the writer's
/// `synchronous` level, so the WAL is synced before its pages are copied and the file after.
final class Checkpoints: Sendable {
    /// WAL pages added before a background checkpoint starts (SQLite's automatic one: 1,000).
    static let threshold: Int32 = 1_000
    /// WAL pages after which the writer checkpoints itself (≈ 40 MB of WAL at 4 KiB pages).
    static let limit: Int32 = 10_000

    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "onego.sqlite.checkpoints", qos: .utility)
    private let running = Atomic<Bool>(false)
    /// The WAL pages the last background checkpoint had copied.
    private let copied = Atomic<Int32>(0)
    /// Background checkpoints finished, for tests.
    let finished = Atomic<Int>(0)

    /// A checkpointing connection to the file at `path`, syncing at `synchronous` (`NORMAL`, `FULL`).
    init(path: String, synchronous: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Replaces SQLite's automatic checkpoint on the writing connection `db` by these; the hook
    /// does not keep this object: ``remove(from:)`` before it goes.
    func install(on db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, Self.hook, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Takes the hook off `db`: SQLite's automatic checkpoint is not restored (the connection is closing).
    func remove(from db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, nil, nil)
    }

    /// The checkpointing connection's `PRAGMA synchronous`: 1 NORMAL, 2 FULL.
    func synchronousLevel() throws -> Int {
        try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// SQLite's WAL hook, called on the writer after each commit with the pages the WAL holds.
    private static let hook:
        @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
            context, handle, name, pages in
            guard let context else { return SQLITE_OK }
            if pages >= limit {
                // What the background left, and the WAL starts again at the next commit. While a
                // background checkpoint runs this answers SQLITE_BUSY; the next commit tries again.
                _ = sqlite3_wal_checkpoint_v2(handle, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            } else {
                Unmanaged<Checkpoints>.fromOpaque(context).takeUnretainedValue().committed(walPages: pages)
            }
            return SQLITE_OK
        }

    /// Starts a background checkpoint once ``threshold`` pages were added since the last one
    /// (all of the WAL's pages when it started again since), unless one is running.
    private func committed(walPages pages: Int32) {
        let copied = self.copied.load(ordering: .relaxed)
        guard pages >= (pages < copied ? 0 : copied) + Self.threshold,
            running.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        queue.async { [self] in
            // A failure (the disk full, the file gone) leaves the pages in the WAL, where they stay
            // readable and as durable as they were; the next threshold or the writer tries again.
            let result = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            self.copied.store(result.map { Int32(clamping: $0.checkpointedFrameCount) } ?? pages, ordering: .relaxed)
            finished.add(1, ordering: .relaxed)
            running.store(false, ordering: .releasing)
        }
    }
}
