import ArgumentParser
import CaseEngine
import Foundation
import OneGoClient

/// Where `onego login` keeps the session: `$ONEGO_SESSION_FILE`, else `~/.onego-session`, readable by
/// its owner only. Its first line is the server, its second the session token.
enum StoredSession {
    static var path: String {
        ProcessInfo.processInfo.environment["ONEGO_SESSION_FILE"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".onego-session")
    }

    static func save(server: String, token: String) throws {
        let created = FileManager.default.createFile(
            atPath: path, contents: Data("\(server)\n\(token)\n".utf8), attributes: [.posixPermissions: 0o600])
        guard created else { throw RuntimeError("cannot write the session to \(path)") }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// The connection to `server` with the session signed in to it.
    static func connection(to server: String) throws -> APIConnection {
        let lines = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
        guard lines.count >= 2, normalized(String(lines[0])) == normalized(server) else {
            throw RuntimeError("not signed in to \(server); run 'onego login --server \(server) --account ID'")
        }
        return APIConnection(server: server, credential: String(lines[1]))
    }

    static func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func normalized(_ server: String) -> String {
        server.hasSuffix("/") ? String(server.dropLast()) : server
    }
}

/// `onego login`: a staff session on a server, for the commands that take `--server`.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in to a server; the password is read from standard input (one line).",
        discussion: "The session (8 hours) is kept in $ONEGO_SESSION_FILE or ~/.onego-session, readable by you only.")

    @Option(help: "The server (https://…).") var server: String
    @Option(help: "Your sign-in name.") var account: String

    func run() async throws {
        guard let password = readLine(strippingNewline: true), !password.isEmpty else {
            throw RuntimeError("give the password on standard input")
        }
        let token = try await HTTPStaffClient.signIn(server: server, account: account, password: password)
        try StoredSession.save(server: server, token: token)
        print("signed in to \(server) as \(account)")
    }
}

/// `onego logout`: ends the stored session.
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "End the stored session.")

    @Option(help: "The server (https://…); default: $ONEGO_SERVER.") var server: String?

    func run() async throws {
        guard let server = server ?? ProcessInfo.processInfo.environment["ONEGO_SERVER"] else {
            throw ValidationError("give --server")
        }
        try await HTTPStaffClient(connection: try StoredSession.connection(to: server)).signOut()
        StoredSession.remove()
        print("signed out")
    }
}
