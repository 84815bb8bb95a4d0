import Foundation

/// The throw-away PostgreSQL cluster the test command starts (`scripts/with-postgres`), and
/// databases made in it for one test each.
public enum TestPostgres {
    /// Why PostgreSQL is not there, in words that say what to do.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// The cluster's address (its superuser, the `postgres` database).
    public static func clusterAddress() throws -> String {
        guard let address = ProcessInfo.processInfo.environment["ONEGO_TEST_POSTGRES"], !address.isEmpty else {
            throw Missing(
                description: """
                    no PostgreSQL for the tests: run them with scripts/test, which starts a throw-away cluster \
                    (or: scripts/with-postgres swift test)
                    """)
        }
        return address
    }

    /// A new empty database; its address. ``drop(_:)`` removes it.
    public static func createDatabase() throws -> String {
        let cluster = try clusterAddress()
        let name = "onego_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try psql(cluster, "CREATE DATABASE \(name)")
        return cluster.replacingOccurrences(of: "/postgres?", with: "/\(name)?")
    }

    /// Drops a database made by ``createDatabase()``, closing its connections.
    public static func drop(_ address: String) {
        guard let cluster = try? clusterAddress(), let name = databaseName(address), name.hasPrefix("onego_test_")
        else { return }
        _ = try? psql(cluster, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs SQL with `psql` (for checks and tampering a test does behind the store's back).
    @discardableResult
    public static func psql(_ address: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: programs + "/psql")
        process.arguments = ["-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", address, "-c", sql]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Missing(description: "psql failed: \(problem)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The directory of PostgreSQL's programs.
    public static var programs: String {
        ProcessInfo.processInfo.environment["ONEGO_TEST_POSTGRES_BIN"] ?? "/usr/lib/postgresql/15/bin"
    }

    static func databaseName(_ address: String) -> String? {
        guard let components = URLComponents(string: address) else { return nil }
        return String(components.path.dropFirst())
    }
}

/// Runs blocking work (a child process, a wait) on a thread of its own, not on the cooperative
/// pool: with two cores the pool has two threads, and a test blocking them starves every other
/// test's async work (a PostgreSQL store's replies among it) into timeouts.
public func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try work() })
        }
    }
}

/// The first line a child process writes to `pipe` (with its newline; what there was if it ends
/// first), read off the cooperative pool.
public func firstLine(of pipe: Pipe) async throws -> String {
    try await offload {
        var text = ""
        while !text.contains("\n") {
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        return text
    }
}

/// Runs `process` to its end off the cooperative pool; its exit status.
public func exitStatus(of process: Process) async throws -> Int32 {
    try await offload {
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

extension TestPostgres {
    /// ``createDatabase()`` off the cooperative pool.
    public static func newDatabase() async throws -> String {
        try await offload { try createDatabase() }
    }

    /// ``psql(_:_:)`` off the cooperative pool.
    @discardableResult
    public static func query(_ address: String, _ sql: String) async throws -> String {
        try await offload { try psql(address, sql) }
    }
}
