import CaseEngine
import Foundation
import GRDB
import GRDBSQLite

/// A value bound to a statement parameter on the engine's hot path.
///
/// GRDB's `StatementArguments` boxes every value in an existential and converts it through
/// `DatabaseValue`; a workflow step binds a handful of strings and integers, so the engine binds
/// them itself (GRDB still prepares, caches and finalizes the statements, and owns the connection
/// and its transactions).
enum SQLValue {
    case text(String)
    case integer(Int64)
    case null

    static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }
    static func bool(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }
    static func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
    static func int(_ value: Int?) -> SQLValue { value.map { .integer(Int64($0)) } ?? .null }
}

/// A statement of the engine's hot path: its SQL and, once prepared on a connection, a weak
/// reference to that connection's cached statement, so that a step finds it without hashing the
/// SQL text again. GRDB owns the statement (it finalizes it when the connection closes, and the
/// reference here then reads `nil`); a statement is only reused on the connection it was prepared on.
final class SQL: @unchecked Sendable {
    let text: String
    private let lock = NSLock()
    private weak var statement: Statement?
    private var connection: ObjectIdentifier?

    init(_ text: String) { self.text = text }

    func statement(in db: Database) throws -> Statement {
        let id = ObjectIdentifier(db)
        lock.lock()
        if connection == id, let statement {
            lock.unlock()
            return statement
        }
        lock.unlock()
        let statement = try db.cachedStatement(sql: text)
        lock.lock()
        self.statement = statement
        connection = id
        lock.unlock()
        return statement
    }
}

/// The current row of a stepped statement, read by column position.
struct SQLRow {
    fileprivate let handle: OpaquePointer

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : text(column)
    }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }

    func optionalInt(_ column: Int32) -> Int? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : int(column)
    }

    func bool(_ column: Int32) -> Bool { sqlite3_column_int64(handle, column) != 0 }
}

extension Database {
    /// Runs a cached statement to its end.
    func execute(_ sql: SQL, _ values: SQLValue...) throws {
        try execute(sql, values: values)
    }

    /// Runs a cached statement to its end.
    func execute(_ sql: SQL, values: [SQLValue]) throws {
        try withBound(sql, values) { handle in
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { return }
                if code != SQLITE_ROW { throw failure(code, sql) }
            }
        }
    }

    /// Maps every row of a cached statement.
    func fetch<T>(_ sql: SQL, _ values: SQLValue..., row transform: (SQLRow) throws -> T) throws -> [T] {
        try withBound(sql, values) { handle in
            var result: [T] = []
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { return result }
                guard code == SQLITE_ROW else { throw failure(code, sql) }
                result.append(try transform(SQLRow(handle: handle)))
            }
        }
    }

    /// Maps the first row of a cached statement, if any.
    func fetchFirst<T>(_ sql: SQL, _ values: SQLValue..., row transform: (SQLRow) throws -> T) throws -> T? {
        try withBound(sql, values) { handle in
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return nil }
            guard code == SQLITE_ROW else { throw failure(code, sql) }
            return try transform(SQLRow(handle: handle))
        }
    }

    /// Binds `values`: integers directly, texts from one scratch buffer that holds all of them
    /// (`SQLITE_STATIC`: SQLite reads them in place while `body` steps the statement); the
    /// bindings are cleared before the buffer goes.
    private func withBound<T>(_ sql: SQL, _ values: [SQLValue], _ body: (OpaquePointer) throws -> T) throws -> T {
        let handle = try sql.statement(in: self).sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        var textBytes = 0
        for value in values {
            if case .text(let text) = value { textBytes += text.utf8.count }
        }
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(textBytes, 1)) { scratch in
            var offset = 0
            for (index, value) in values.enumerated() {
                let position = Int32(index + 1)
                let code: Int32
                switch value {
                case .text(let text):
                    let start = scratch.baseAddress.map { $0 + offset }
                    let count = start.map { Self.copyUTF8(of: text, to: $0) } ?? 0
                    offset += count
                    code = sqlite3_bind_text(handle, position, start, Int32(count), nil)
                case .integer(let number):
                    code = sqlite3_bind_int64(handle, position, number)
                case .null:
                    code = sqlite3_bind_null(handle, position)
                }
                if code != SQLITE_OK { throw failure(code, sql) }
            }
            return try body(handle)
        }
    }

    /// Copies a string's UTF-8 to `destination` and returns the byte count.
    private static func copyUTF8(of text: String, to destination: UnsafeMutablePointer<UInt8>) -> Int {
        if let count = text.utf8.withContiguousStorageIfAvailable({ bytes -> Int in
            if let base = bytes.baseAddress { destination.update(from: base, count: bytes.count) }
            return bytes.count
        }) {
            return count
        }
        var count = 0
        for byte in text.utf8 {
            destination[count] = byte
            count += 1
        }
        return count
    }

    private func failure(_ code: Int32, _ sql: SQL) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)),
            sql: sql.text)
    }

    /// The main database's data version: it changes with every commit, this connection's or
    /// another's (`SQLITE_FCNTL_DATA_VERSION`).
    var dataVersion: UInt32 {
        var version: UInt32 = 0
        _ = sqlite3_file_control(sqliteConnection, "main", SQLITE_FCNTL_DATA_VERSION, &version)
        return version
    }
}
