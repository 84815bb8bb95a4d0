import CaseEngine
import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

extension PostgresCaseStore {
    // MARK: - Running work

    /// Runs `work` on a leased connection within the store's deadline; unbounded, it is bounded by
    /// each statement's timeout instead (a copy of a whole database), or by a deadline its caller
    /// puts around several of these (a step's two tries).
    func withConnection<T: Sendable>(
        bounded: Bool = true, _ work: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(CaseEngineError) -> T {
        let client = self.client
        guard bounded else {
            do {
                return try await client.withConnection { connection in try await work(connection) }
            } catch let error as CaseEngineError {
                throw error
            } catch {
                throw CaseEngineError.storage(Self.fault(error, address: address, statementSeconds: statementSeconds))
            }
        }
        return try await self.bounded {
            try await client.withConnection { connection in try await work(connection) }
        }
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
        bounded: Bool = true, _ work: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(CaseEngineError) -> T {
        try await transaction(bounded: bounded, outcome: { connection in Outcome.commit(try await work(connection)) })
    }

    /// Runs `work` in one transaction that it may ask to roll back.
    func transaction<T: Sendable>(
        bounded: Bool = true, outcome work: @escaping @Sendable (PostgresConnection) async throws -> Outcome<T>
    ) async throws(CaseEngineError) -> T {
        let logger = self.logger
        let address = self.address
        return try await withConnection(bounded: bounded) { connection in
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

    /// Runs `work` and fails with a timeout at the store's deadline: the caller is answered then,
    /// even if a statement is still running (it cannot be interrupted from here). The abandoned
    /// work is cancelled, so it commits nothing (see ``transaction(bounded:outcome:)``), and the
    /// server ends its statement at the session's `statement_timeout`/`lock_timeout`. Waiting for
    /// a connection is cancelled at once, so nobody waits forever on a server that is down or a
    /// pool that is full. The store's ``DeadlineWatch`` keeps the time.
    func bounded<T: Sendable>(
        _ work: @escaping @Sendable () async throws -> T
    ) async throws(CaseEngineError) -> T {
        let address = self.address
        let answer = FirstAnswer<T>(
            timeout: CaseEngineError.storage(.timedOut(seconds: Int(options.deadline.components.seconds))))
        answer.started(
            Task {
                do {
                    answer.give(.success(try await work()))
                } catch {
                    answer.give(.failure(error))
                }
            })
        deadlines.watch(answer)
        let result = await withTaskCancellationHandler {
            await answer.wait()
        } onCancel: {
            answer.expire(with: CancellationError())
        }
        deadlines.prune()
        switch result {
        case .success(let value):
            return value
        case .failure(let error as CaseEngineError):
            throw error
        case .failure(let error):
            throw CaseEngineError.storage(Self.fault(error, address: address, statementSeconds: statementSeconds))
        }
    }

    /// What a PostgreSQL or connection error means for the caller (never the statement's values).
    ///
    /// `statementSeconds` is the session's statement and lock timeout, named when the server ends
    /// a statement that ran past it.
    static func fault(_ error: any Error, address: PostgresAddress, statementSeconds: Int = 0) -> StorageFault {
        if error is CancellationError { return .timedOut(seconds: statementSeconds) }
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
            return .timedOut(seconds: statementSeconds)
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError, .sslUnsupported:
            return .refused(server: address.description)
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            switch state {
            case "40001", "40P01": return .busy
            case "55P03": return .timedOut(seconds: statementSeconds)
            case "57014": return .timedOut(seconds: statementSeconds)
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
    func probe() async throws(CaseEngineError) {
        var configuration: PostgresConnection.Configuration
        if let socket = address.socketPath {
            configuration = .init(
                unixSocketPath: socket, username: address.user, password: address.password, database: address.database)
        } else {
            var tls = PostgresConnection.Configuration.TLS.disable
            if let choice = address.tlsChoice {
                do {
                    let context = try NIOSSLContext(configuration: choice.configuration)
                    tls = choice.required ? .require(context) : .prefer(context)
                } catch {
                    throw CaseEngineError.storage(.other("TLS: \(error)"))
                }
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
