import Foundation

/// A PostgreSQL cluster of one test's own, for the faults that would upset every other test on
/// the shared one: stopping and restarting the server. On a private socket; stopped and deleted by
/// ``remove()``.
public final class PrivateCluster: @unchecked Sendable {
    public let directory: String
    public let port: Int

    /// The cluster's `postgres` database.
    public var address: String { "postgres://onego@/postgres?host=\(directory)&port=\(port)" }

    /// Creates and starts a new cluster.
    public init() throws {
        directory = NSTemporaryDirectory() + "onego-cluster-\(UUID().uuidString.prefix(8))"
        port = Int.random(in: 40000...60000)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try Self.run("/bin/chown", ["postgres", directory]) }
        try pgRun(
            "initdb", ["-D", directory + "/data", "-U", "onego", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        try start()
    }

    public func start() throws {
        try pgRun(
            "pg_ctl",
            [
                "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60", "-o",
                "-k \(directory) -p \(port) -c listen_addresses='' -c fsync=off", "start",
            ])
    }

    /// Stops the server at once, as a crash or an operator's `immediate` stop would.
    public func stop() throws {
        try pgRun("pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
    }

    public func remove() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs one of PostgreSQL's programs (as `postgres` when root), with every descriptor but the
    /// standard three closed first: Foundation watches a child through a descriptor it inherits,
    /// and the server `pg_ctl start` leaves running would otherwise keep it open forever.
    private func pgRun(_ program: String, _ arguments: [String]) throws {
        let path = TestPostgres.programs + "/" + program
        let closing = """
            for fd in /proc/$$/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done; \
            exec "$@"
            """
        let command = (getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + [path] + arguments
        try Self.run("/bin/bash", ["-c", closing, "bash"] + command)
    }

    /// Runs a program to its end. Its error output goes to a file, not a pipe: the server that
    /// `pg_ctl start` leaves running would hold a pipe open forever.
    private static func run(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let errorsPath = NSTemporaryDirectory() + "onego-cluster-\(UUID().uuidString.prefix(8)).err"
        _ = FileManager.default.createFile(atPath: errorsPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorsPath) }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: errorsPath)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let problem = (try? String(contentsOfFile: errorsPath, encoding: .utf8)) ?? ""
            throw TestPostgres.Missing(description: "\(path) \(arguments.joined(separator: " ")) failed: \(problem)")
        }
    }
}

/// A `psql` session running in the background (to hold a lock while a test acts), ended by
/// ``end()``, which ends its server session (the lock goes with it).
public final class BackgroundSQL: @unchecked Sendable {
    private let process = Process()
    private let address: String
    private let marker: String

    /// Runs `sql`, marked so that ``end()`` finds its session.
    public init(_ address: String, _ sql: String) throws {
        self.address = address
        marker = "background-" + UUID().uuidString.prefix(8).lowercased()
        let sql = "SET application_name = '\(marker)'; " + sql
        process.executableURL = URL(fileURLWithPath: TestPostgres.programs + "/psql")
        process.arguments = ["-X", "-q", "-d", address, "-c", sql]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    public func end() {
        if process.isRunning {
            _ = try? TestPostgres.psql(
                address, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(marker)'")
        }
        process.waitUntilExit()
    }
}
