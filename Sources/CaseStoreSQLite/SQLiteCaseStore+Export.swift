import CaseEngine
import Foundation
import GRDB

extension SQLiteCaseStore {
    /// One page of a table's rows for `onego db copy`, in key order after `after` (the key of the
    /// last row of the previous page; `nil` for the first). Table and column names must be plain
    /// lowercase identifiers (the copy's own list; nothing a user typed).
    public func exportRows(
        table: String, columns: [String], key: [String], after: [CopiedValue]?, limit: Int
    ) throws(CaseEngineError) -> [[CopiedValue]] {
        for name in [table] + columns + key
        where !name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "_" }) || name.isEmpty {
            throw CaseEngineError.storage(.other("not a column: \(name)"))
        }
        let keyList = "(" + key.joined(separator: ", ") + ")"
        var sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table)"
        var arguments: [any DatabaseValueConvertible] = []
        if let after {
            sql += " WHERE \(keyList) > (\(Array(repeating: "?", count: key.count).joined(separator: ", ")))"
            for value in after {
                switch value {
                case .null: arguments.append(DatabaseValue.null)
                case .integer(let number): arguments.append(number)
                case .text(let text): arguments.append(text)
                case .bytes(let bytes): arguments.append(Data(bytes))
                }
            }
        }
        sql += " ORDER BY \(key.joined(separator: ", ")) LIMIT \(limit)"
        return try read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                (0..<columns.count).map { index in
                    switch row[index] as DatabaseValue {
                    case let value where value.isNull: return .null
                    case let value:
                        switch value.storage {
                        case .int64(let number): return .integer(number)
                        case .double(let number): return .text(String(number))
                        case .string(let text): return .text(text)
                        case .blob(let data): return .bytes([UInt8](data))
                        case .null: return .null
                        }
                    }
                }
            }
        }
    }
}
