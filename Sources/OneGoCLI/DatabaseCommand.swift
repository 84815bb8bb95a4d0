import ArgumentParser
import CaseEngine
import CaseStorePostgres
import CaseStoreSQLite
import Foundation

/// `onego db …`: the case database itself.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Create, upgrade or move the case database.",
        subcommands: [Initialize.self, Copy.self])

    /// `onego db init`: creates the database (or brings an existing one to the current schema).
    struct Initialize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create the case database, or bring an existing one to the current schema.",
            discussion: """
                Engine commands refuse a path with no database, so that a mistyped --db is not answered from an \
                empty one. A PostgreSQL database (postgres://…) must exist already (createdb); this creates its \
                tables.
                """)

        @Option(
            name: .long, help: "The case database: a SQLite file or postgres://… (default: $ONEGO_DB or ./onego.db).")
        var db: String?

        func run() async throws {
            let text = db ?? SQLiteCaseStore.defaultPath
            switch try CaseDatabase(text) {
            case .sqlite(let path):
                let existed = FileManager.default.fileExists(atPath: path)
                _ = try SQLiteCaseStore(path: path, create: true)
                print(existed ? "the case database at \(path) is up to date" : "created the case database at \(path)")
            case .postgres(let address):
                let store = try await PostgresCaseStore.open(address)
                let applied = try await store.appliedMigrations()
                await store.close()
                print("the case database at \(address.description) is at schema \(applied.last ?? "none")")
            }
        }
    }

    /// `onego db copy`: moves a centre from its SQLite file to PostgreSQL.
    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract:
                "Copy every case, sub-case, event and attachment from a SQLite file into an empty PostgreSQL database.",
            discussion: """
                The copy is one transaction: all of it or nothing. Stop the kiosks and servers writing to the file \
                first. Afterwards 'onego audit verify --db URL --audit-key KEY' shows the same head as on the file; \
                the file's audit checkpoints are copied beside the key (KEY.checkpoints), where PostgreSQL servers \
                look for them.
                """)

        @Option(help: "The SQLite file to copy from.") var from: String
        @Option(help: "The PostgreSQL database to copy into: postgres://user@host:port/database.") var to: String
        @Option(
            help: """
                The audit key the servers on PostgreSQL will use (default: $ONEGO_AUDIT_KEY_FILE, else the file's \
                key, FROM.audit-key).
                """)
        var auditKey: String?

        func run() async throws {
            guard case .sqlite(let path) = try CaseDatabase(from) else {
                throw ValidationError("--from is a SQLite file's path; copying out of PostgreSQL is pg_dump's work")
            }
            guard case .postgres(let address) = try CaseDatabase(to) else {
                throw ValidationError("--to is a PostgreSQL address, postgres://user@host:port/database")
            }
            guard FileManager.default.fileExists(atPath: path) else {
                throw CaseEngineError.storage(.noDatabase(path: path))
            }
            let source = try SQLiteCaseStore(path: path, readOnly: true)
            let target = try await PostgresCaseStore.open(address, options: .init(deadline: .seconds(60)))
            do {
                let existing = try await target.rowCounts()
                if let (table, count) = existing.first(where: {
                    ["cases", "events", "staff", "clients"].contains($0.key) && $0.value > 0
                }) {
                    throw RuntimeError(
                        "\(address.description) already holds \(count) rows in \(table); copy only into an empty database"
                    )
                }
                let copied = try await target.importTables(pageSize: 500) { table, after in
                    try source.exportRows(
                        table: table.name, columns: table.columns, key: table.key, after: after, limit: 500)
                }
                let head = try await target.lastEventSeq()
                await target.close()
                try copyCheckpoints(ofFile: path)
                print(
                    "copied \(copied["cases"] ?? 0) cases, \(copied["subcases"] ?? 0) sub-cases, "
                        + "\(copied["events"] ?? 0) audit events and \(copied["attachments"] ?? 0) attachments "
                        + "into \(address.description); the audit chain ends at event \(head)")
                print("verify it: onego audit verify --db '\(to)' --audit-key \(keyPath(for: path))")
            } catch {
                await target.close()
                throw error
            }
        }

        private func keyPath(for path: String) -> String {
            auditKey ?? ProcessInfo.processInfo.environment["ONEGO_AUDIT_KEY_FILE"] ?? path + ".audit-key"
        }

        /// The file's checkpoints, where the servers on PostgreSQL read them (the key's path +
        /// `.checkpoints`), unless a file is there already.
        private func copyCheckpoints(ofFile path: String) throws {
            let source = path + ".audit-checkpoints"
            let target =
                ProcessInfo.processInfo.environment["ONEGO_AUDIT_CHECKPOINT_FILE"] ?? keyPath(for: path)
                + ".checkpoints"
            guard FileManager.default.fileExists(atPath: source), !FileManager.default.fileExists(atPath: target) else {
                return
            }
            try FileManager.default.copyItem(atPath: source, toPath: target)
        }
    }
}
