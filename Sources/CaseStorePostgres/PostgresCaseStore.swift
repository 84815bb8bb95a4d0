import CaseEngine
import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization

/// The case store for a city: one PostgreSQL database that several OneGo processes share,
/// implementing ``CaseRepository`` and ``AccessRepository`` on postgres-nio.
///
/// A `PostgresClient` is the connection pool; the store runs it in a task of its own from
/// ``open(_:auditKey:options:)`` until ``close()``. Every operation is one transaction, started with
/// its isolation level named (`READ COMMITTED`: the invariants are kept by row locks, not by
/// retrying serialisation failures), and bounded by a deadline: an unreachable server, a lost
/// connection or a pool whose every connection is busy gives a retryable ``StorageFault``, never a
/// hang. Values are always bound parameters.
///
/// Concurrency rules (docs/operations.md): case numbers come from a per-day counter row updated
/// under its row lock; an idempotency key is unique, and a second process's submission under the
/// same key waits for the first and returns its case; a step locks its sub-case's row (`FOR
/// UPDATE`), and a step that reads the whole case locks the case's row first, so two clerks cannot
/// both move one sub-case and two departments' steps on one case see each other's result; the
/// audit chain is one chain whose head row is locked by the appending transaction until it commits.
public final class PostgresCaseStore: Sendable {
    /// Pool and deadline settings.
    public struct Options: Sendable {
        /// The most connections this process opens (keep the sum over processes below the
        /// server's `max_connections`).
        public var maximumConnections: Int
        /// How long an operation may take, waiting for a connection included.
        public var deadline: Duration
        /// How long opening a connection may take.
        public var connectTimeout: Duration
        /// `synchronous_commit` for this process's sessions; `nil` keeps the server's setting.
        public var synchronousCommit: Bool?
        /// Whether steps on a sub-case are tried gated first (two round trips); off, every step
        /// goes the locking way (to compare the two, or to rule the gated path out).
        public var gatedSteps: Bool
        /// How many sub-cases this process remembers as it wrote them, so that a gated step on
        /// one is a single statement (``SubcaseMemory``); 0 remembers none.
        public var rememberedSubcases: Int

        public init(
            maximumConnections: Int = 16, deadline: Duration = .seconds(10), connectTimeout: Duration = .seconds(5),
            synchronousCommit: Bool? = nil, gatedSteps: Bool = true, rememberedSubcases: Int = 16_384
        ) {
            self.maximumConnections = maximumConnections
            self.deadline = deadline
            self.connectTimeout = connectTimeout
            self.synchronousCommit = synchronousCommit
            self.gatedSteps = gatedSteps
            self.rememberedSubcases = rememberedSubcases
        }
    }

    public let address: PostgresAddress
    let client: PostgresClient
    let options: Options
    let auditKey: AuditKey?
    let logger: Logger
    private let runner: Task<Void, Never>
    /// Keeps every operation's deadline (``bounded(_:)``), in a task of its own until the store
    /// is closed and nothing is left to watch.
    let deadlines: DeadlineWatch
    /// This process's gated writes, one at a time.
    let turns = WriteTurns()
    /// The plans' sub-case entries, decoded once per plan.
    let planEntries = PostgresPlanCache()
    /// The ids of the plans this process has seen committed, by hash.
    let planIDs = PostgresPlanIDs()
    /// How this process's steps were written, and how many more go the locking way at once.
    let stepCounts = Mutex(StepCounts())
    /// The sub-cases this process wrote last, current at the chain's head it remembers.
    let memory: Mutex<SubcaseMemory>

    /// The session's `statement_timeout` and `lock_timeout`, in seconds: twice the deadline.
    var statementSeconds: Int { Int(options.deadline.components.seconds) * 2 }

    private init(address: PostgresAddress, auditKey: AuditKey?, options: Options) {
        self.address = address
        self.auditKey = auditKey
        self.options = options
        memory = Mutex(SubcaseMemory(capacity: options.rememberedSubcases))
        var logger = Logger(label: "onego.postgres")
        logger.logLevel = .critical
        self.logger = logger
        var configuration = address.clientConfiguration
        configuration.options.maximumConnections = options.maximumConnections
        // One connection is kept open and the pool sends no keep-alive queries: otherwise every
        // connection handed back starts an idle timer and a keep-alive timer (each a task and a
        // dispatch timer) that the next operation cancels, a fifth of the thread wake-ups of a
        // step. The server's TCP keep-alives (below) keep idle connections through NATs and
        // firewalls and find dead peers; one closed while idle is dropped by the pool, one that
        // died silently fails its next operation retryably (at the deadline at worst).
        configuration.options.minimumConnections = 1
        configuration.options.keepAliveBehavior = nil
        configuration.options.connectTimeout = options.connectTimeout
        var startup: [(String, String)] = [
            ("application_name", address.applicationName),
            // The caller gives up at the deadline; the server ends a statement left running soon
            // after (twice the deadline), so an abandoned one holds no locks for long.
            ("statement_timeout", "\(options.deadline.components.seconds * 2000)"),
            ("lock_timeout", "\(options.deadline.components.seconds * 2000)"),
            // A gated step is a statement outside BEGIN: it needs READ COMMITTED's re-check of a
            // row another transaction changed meanwhile, whatever the server's default.
            ("default_transaction_isolation", "read committed"),
            // Probes after a minute idle, every 10 s, 6 unanswered close it (TCP only).
            ("tcp_keepalives_idle", "60"), ("tcp_keepalives_interval", "10"), ("tcp_keepalives_count", "6"),
        ]
        if let synchronous = options.synchronousCommit {
            startup.append(("synchronous_commit", synchronous ? "on" : "off"))
        }
        configuration.options.additionalStartupParameters = startup
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        let deadlines = DeadlineWatch(deadline: options.deadline)
        self.deadlines = deadlines
        Task { await deadlines.run() }
    }

    /// Connects, migrates the schema (under an advisory lock, so servers may start together) and
    /// returns the store; a server that cannot be reached is reported within the deadline.
    public static func open(
        _ address: PostgresAddress, auditKey: AuditKey? = nil, options: Options = Options()
    ) async throws(CaseEngineError) -> PostgresCaseStore {
        let store = PostgresCaseStore(address: address, auditKey: auditKey, options: options)
        do {
            try await store.probe()
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// Stops the pool: open connections are closed once their work ends.
    public func close() async {
        runner.cancel()
        deadlines.finish()
        await runner.value
    }

    /// Stops the pool without waiting for it (a process about to end, a test's clean-up).
    public func stop() {
        runner.cancel()
        deadlines.finish()
    }

    // MARK: - Schema

    /// Applies the migrations not yet recorded, each in its own transaction.
    private func migrate() async throws(CaseEngineError) {
        let logger = self.logger
        try await withConnection { connection in
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL)",
                logger: logger)
            for migration in PostgresMigrations.all {
                try await connection.query("BEGIN", logger: logger)
                do {
                    try await connection.query(
                        "SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey))", logger: logger)
                    let done = try await connection.query(
                        "SELECT 1 FROM schema_migrations WHERE name = \(migration.name)", logger: logger
                    ).collect()
                    if done.isEmpty {
                        for statement in migration.sql {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query(
                            "INSERT INTO schema_migrations (name, applied_at) VALUES (\(migration.name), now())",
                            logger: logger)
                    }
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    /// The migrations applied, in order.
    public func appliedMigrations() async throws(CaseEngineError) -> [String] {
        let logger = self.logger
        return try await withConnection { connection in
            var names: [String] = []
            for try await name in try await connection.query(
                "SELECT name FROM schema_migrations ORDER BY name", logger: logger
            ).decode(String.self) {
                names.append(name)
            }
            return names
        }
    }

    /// The newest audit event's sequence number, 0 with none.
    public func lastEventSeq() async throws(CaseEngineError) -> Int64 {
        let logger = self.logger
        return try await withConnection { connection in
            var seq: Int64 = 0
            for try await value in try await connection.query("SELECT seq FROM audit_head", logger: logger).decode(
                Int64.self)
            {
                seq = value
            }
            return seq
        }
    }
}

/// How a process's steps were written: gated in two round trips, or in a transaction that locks
/// what it read (a scope that reads the whole case, or the gated write found its rows or the
/// chain's head moved or held by someone else). Many locking steps beside few gated ones mean
/// contention on the chain's head.
public struct StepPaths: Sendable, Equatable {
    /// Steps written gated (two round trips, or one when ``remembered``).
    public var gated = 0
    /// Steps written in a transaction that locked what it read.
    public var locking = 0
    /// Of the gated steps, those decided on a sub-case this process remembered: one round trip.
    public var remembered = 0
    /// Submissions written gated after this process's own last one: one round trip.
    public var gatedSubmissions = 0

    public init(gated: Int = 0, locking: Int = 0, remembered: Int = 0, gatedSubmissions: Int = 0) {
        self.gated = gated
        self.locking = locking
        self.remembered = remembered
        self.gatedSubmissions = gatedSubmissions
    }
}

/// The store's record of its steps' paths.
struct StepCounts {
    /// After a gated write finds the chain's head moved or held, this many steps and submissions go
    /// the locking way at once: with other processes writing, a gated try mostly fails and costs a
    /// round trip or two.
    static let lockingRun = 32

    var paths = StepPaths()
    /// Steps still to go the locking way before a gated one is tried again.
    var lockingLeft = 0

    /// Whether the next step is tried gated (counting down a run of locking ones).
    mutating func tryGated() -> Bool {
        guard lockingLeft == 0 else {
            lockingLeft -= 1
            return false
        }
        return true
    }
}

extension PostgresCaseStore {
    /// How this process's steps were written so far.
    public var stepPaths: StepPaths { stepCounts.withLock { $0.paths } }

    /// The number of cases with a status.
    public func caseCount(status: CaseStatus) async throws(CaseEngineError) -> Int {
        try await read { connection, logger, _ in
            try await connection.first(
                "SELECT count(*) FROM cases WHERE status = \(status.rawValue)", logger: logger, { try $0.int(0) }) ?? 0
        }
    }

    /// The number of audit events.
    public func eventCount() async throws(CaseEngineError) -> Int {
        try await read { connection, logger, _ in
            try await connection.first("SELECT count(*) FROM events", logger: logger, { try $0.int(0) }) ?? 0
        }
    }
}

extension PostgresCaseStore {
    /// One trivial statement, through the deadline (`bounded`) or straight on a leased connection:
    /// what `onego-bench pg-roundtrip` times.
    public func ping(bounded: Bool) async throws(CaseEngineError) {
        let logger = self.logger
        try await withConnection(bounded: bounded) { connection in
            try await connection.run("SELECT 1", logger: logger)
        }
    }
}
