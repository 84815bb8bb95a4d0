import CaseEngine
import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

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

        public init(
            maximumConnections: Int = 16, deadline: Duration = .seconds(10), connectTimeout: Duration = .seconds(5),
            synchronousCommit: Bool? = nil
        ) {
            self.maximumConnections = maximumConnections
            self.deadline = deadline
            self.connectTimeout = connectTimeout
            self.synchronousCommit = synchronousCommit
        }
    }

    public let address: PostgresAddress
    let client: PostgresClient
    let options: Options
    let auditKey: AuditKey?
    let logger: Logger
    private let runner: Task<Void, Never>
    /// The plans' sub-case entries, decoded once per plan.
    let planEntries = PostgresPlanCache()
    /// The ids of the plans this process has seen committed, by hash.
    let planIDs = PostgresPlanIDs()

    private init(address: PostgresAddress, auditKey: AuditKey?, options: Options) {
        self.address = address
        self.auditKey = auditKey
        self.options = options
        var logger = Logger(label: "onego.postgres")
        logger.logLevel = .critical
        self.logger = logger
        var configuration: PostgresClient.Configuration
        if let socket = address.socketPath {
            configuration = .init(
                unixSocketPath: socket, username: address.user, password: address.password,
                database: address.database)
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch address.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(Self.unverifiedTLS)
            case .require: tls = .require(Self.unverifiedTLS)
            case .verifyFull: tls = .require(.makeClientConfiguration())
            }
            configuration = .init(
                host: address.host ?? "localhost", port: address.port, username: address.user,
                password: address.password, database: address.database, tls: tls)
        }
        configuration.options.maximumConnections = options.maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = options.connectTimeout
        var startup: [(String, String)] = [
            ("application_name", address.applicationName),
            // The caller gives up at the deadline; the server ends a statement left running soon
            // after (twice the deadline), so an abandoned one holds no locks for long.
            ("statement_timeout", "\(options.deadline.components.seconds * 2000)"),
            ("lock_timeout", "\(options.deadline.components.seconds * 2000)"),
        ]
        if let synchronous = options.synchronousCommit {
            startup.append(("synchronous_commit", synchronous ? "on" : "off"))
        }
        configuration.options.additionalStartupParameters = startup
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
    }

    private static var unverifiedTLS: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
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
        await runner.value
    }

    /// Stops the pool without waiting for it (a process about to end, a test's clean-up).
    public func stop() {
        runner.cancel()
    }

    // MARK: - Running work

    /// Runs `work` on a leased connection within the deadline (`nil`: the store's own; a copy of a
    /// whole database passes `.none`, bounded by each statement's timeout instead).
    func withConnection<T: Sendable>(
        deadline: Duration?? = nil, _ work: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(CaseEngineError) -> T {
        let client = self.client
        guard let limit = deadline ?? options.deadline else {
            do {
                return try await client.withConnection { connection in try await work(connection) }
            } catch let error as CaseEngineError {
                throw error
            } catch {
                throw CaseEngineError.storage(Self.fault(error, address: address))
            }
        }
        return try await bounded(limit) { try await client.withConnection { connection in try await work(connection) } }
    }

    /// How a transaction ends.
    enum Outcome<T: Sendable>: Sendable {
        case commit(T)
        /// Undo everything, yet return this (the caller found the work already done elsewhere).
        case rollback(T)
    }

    /// Runs `work` in one transaction (`READ COMMITTED`, row locks where an invariant needs
    /// them): committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(
        deadline: Duration?? = nil, _ work: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(CaseEngineError) -> T {
        try await transaction(deadline: deadline, outcome: { connection in Outcome.commit(try await work(connection)) })
    }

    /// Runs `work` in one transaction that it may ask to roll back.
    func transaction<T: Sendable>(
        deadline: Duration?? = nil, outcome work: @escaping @Sendable (PostgresConnection) async throws -> Outcome<T>
    ) async throws(CaseEngineError) -> T {
        let logger = self.logger
        let address = self.address
        return try await withConnection(deadline: deadline) { connection in
            try await connection.query("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
            do {
                switch try await work(connection) {
                case .commit(let result):
                    // A caller that gave up (its deadline passed while a statement ran) gets no
                    // commit behind its back: the work is rolled back instead.
                    try Task.checkCancellation()
                    try await connection.query("COMMIT", logger: logger)
                    return result
                case .rollback(let result):
                    try await connection.query("ROLLBACK", logger: logger)
                    return result
                }
            } catch {
                // A broken connection has no transaction left to roll back: the server did it.
                if !connection.isClosed, !Self.fault(error, address: address).isConnectionFault {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                }
                throw error
            }
        }
    }

    /// Runs `work` and fails with a timeout at the deadline: the caller is answered then, even
    /// if a statement is still running (it cannot be interrupted from here). The abandoned work is
    /// cancelled, so it commits nothing (see ``transaction(deadline:outcome:)``), and the server
    /// ends its statement at the session's `statement_timeout`/`lock_timeout`. Waiting for a
    /// connection is cancelled at once, so nobody waits forever on a server that is down or a pool
    /// that is full.
    private func bounded<T: Sendable>(
        _ deadline: Duration, _ work: @escaping @Sendable () async throws -> T
    ) async throws(CaseEngineError) -> T {
        let address = self.address
        let answer = FirstAnswer<T>()
        let worker = Task {
            do {
                answer.give(.success(try await work()))
            } catch {
                answer.give(.failure(error))
            }
        }
        let timer = Task {
            try await Task.sleep(for: deadline)
            answer.give(.failure(CaseEngineError.storage(.timedOut(seconds: Int(deadline.components.seconds)))))
            worker.cancel()
        }
        let result = await withTaskCancellationHandler {
            await answer.wait()
        } onCancel: {
            worker.cancel()
            answer.give(.failure(CancellationError()))
        }
        timer.cancel()
        switch result {
        case .success(let value):
            return value
        case .failure(let error as CaseEngineError):
            throw error
        case .failure(let error):
            throw CaseEngineError.storage(Self.fault(error, address: address))
        }
    }

    /// What a PostgreSQL or connection error means for the caller (never the statement's values).
    static func fault(_ error: any Error, address: PostgresAddress) -> StorageFault {
        if error is CancellationError { return .timedOut(seconds: 0) }
        guard let error = error as? PSQLError else {
            if let error = error as? CaseEngineError, case .storage(let fault) = error { return fault }
            return .other(String(describing: type(of: error)))
        }
        switch error.code {
        case .connectionError:
            return .unreachable(server: address.description)
        case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed:
            return .connectionLost
        case .queryCancelled:
            return .timedOut(seconds: 0)
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError, .sslUnsupported:
            return .refused(server: address.description)
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            switch state {
            case "40001", "40P01", "55P03": return .busy
            case "57014": return .timedOut(seconds: 0)
            case "53100": return .diskFull
            case "53300", "57P01", "57P02", "57P03", "08006", "08003": return .connectionLost
            case "25006": return .readOnly
            case "3D000", "28000", "28P01": return .refused(server: address.description)
            case "XX001", "XX002": return .damaged
            default:
                let message = error.serverInfo?[.message] ?? ""
                return .other("PostgreSQL \(state): \(message)")
            }
        default:
            return .other("PostgreSQL: \(error.code)")
        }
    }

    /// Opens one connection outside the pool and closes it: the pool retries a failing server
    /// quietly, so this is where "refused", "no such database" and "unreachable" are told apart.
    private func probe() async throws(CaseEngineError) {
        var configuration: PostgresConnection.Configuration
        if let socket = address.socketPath {
            configuration = .init(
                unixSocketPath: socket, username: address.user, password: address.password, database: address.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            do {
                switch address.tls {
                case .disable: tls = .disable
                case .prefer: tls = .prefer(try NIOSSLContext(configuration: Self.unverifiedTLS))
                case .require: tls = .require(try NIOSSLContext(configuration: Self.unverifiedTLS))
                case .verifyFull: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
            } catch {
                throw CaseEngineError.storage(.other("TLS: \(error)"))
            }
            configuration = .init(
                host: address.host ?? "localhost", port: address.port, username: address.user,
                password: address.password, database: address.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(options.connectTimeout.components.seconds)
        let logger = self.logger
        let address = self.address
        do {
            let connection = try await PostgresConnection.connect(
                on: PostgresClient.defaultEventLoopGroup.any(), configuration: configuration, id: 0, logger: logger
            ).get()
            try await connection.close()
        } catch {
            // Before a first connection, a broken or timed-out one means the server is not reachable.
            switch Self.fault(error, address: address) {
            case .connectionLost, .timedOut: throw CaseEngineError.storage(.unreachable(server: address.description))
            case let fault: throw CaseEngineError.storage(fault)
            }
        }
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

extension StorageFault {
    /// Whether the connection itself failed (nothing more can be sent on it).
    var isConnectionFault: Bool {
        switch self {
        case .connectionLost, .unreachable: return true
        default: return false
        }
    }
}

/// The first of several answers to one question (the work or its deadline); later ones are dropped.
final class FirstAnswer<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?
    private var waiter: CheckedContinuation<Result<T, any Error>, Never>?

    func give(_ answer: Result<T, any Error>) {
        lock.lock()
        guard result == nil else {
            lock.unlock()
            return
        }
        result = answer
        let waiter = self.waiter
        self.waiter = nil
        lock.unlock()
        waiter?.resume(returning: answer)
    }

    func wait() async -> Result<T, any Error> {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let result {
                lock.unlock()
                continuation.resume(returning: result)
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}

/// The ids of committed plans by hash: a submission under a known plan neither looks it up nor
/// writes it again. Bounded: past 1,024 plans it starts again.
final class PostgresPlanIDs: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: Int64] = [:]

    func id(_ hash: String) -> Int64? {
        lock.lock()
        defer { lock.unlock() }
        return ids[hash]
    }

    func remember(_ hash: String, _ id: Int64) {
        lock.lock()
        if ids.count >= 1024 { ids.removeAll() }
        ids[hash] = id
        lock.unlock()
    }
}

/// The sub-case entries of the plans this process has read, decoded once per plan (a plan never
/// changes once stored). Bounded: past 1,024 plans it starts again.
final class PostgresPlanCache: @unchecked Sendable {
    private let lock = NSLock()
    private var plans: [Int64: [SubcasePlan]] = [:]

    func entries(_ id: Int64) -> [SubcasePlan]? {
        lock.lock()
        defer { lock.unlock() }
        return plans[id]
    }

    func remember(_ id: Int64, _ entries: [SubcasePlan]) {
        lock.lock()
        if plans.count >= 1024 { plans.removeAll() }
        plans[id] = entries
        lock.unlock()
    }
}

extension PostgresCaseStore {
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
        try await withConnection(deadline: bounded ? nil : .some(nil)) { connection in
            try await connection.run("SELECT 1", logger: logger)
        }
    }
}
