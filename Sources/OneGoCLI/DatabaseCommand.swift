import ArgumentParser
import CaseEngine
import CaseStoreSQLite
import Foundation

/// `onego db …`: the case database itself.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Create or upgrade the case database.", subcommands: [Initialize.self])

    /// `onego db init`: creates the database (or brings an existing one to the current schema).
    struct Initialize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create the case database, or bring an existing one to the current schema.",
            discussion:
                "Engine commands refuse a path with no database, so that a mistyped --db is not answered from an empty one."
        )

        @Option(name: .long, help: "The case database (default: $ONEGO_DB or ./onego.db).")
        var db: String?

        func run() async throws {
            let path = db ?? SQLiteCaseStore.defaultPath
            let existed = FileManager.default.fileExists(atPath: path)
            _ = try SQLiteCaseStore(path: path, create: true)
            print(existed ? "the case database at \(path) is up to date" : "created the case database at \(path)")
        }
    }
}
