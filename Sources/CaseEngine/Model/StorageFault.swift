import BundleKit

/// Why a store could not read or write, in words staff and citizens can act on; a store maps its
/// database's error codes onto these (never with SQL arguments, which may hold personal data).
public enum StorageFault: Sendable, Equatable {
    /// Another writer holds the database: retrying shortly succeeds.
    case busy
    /// The disk holding the database is full.
    case diskFull
    /// The disk could not be read or written.
    case ioError
    /// The database may not be written here (a read-only copy or mount).
    case readOnly
    /// The database file is damaged.
    case damaged
    /// The database cannot be opened at this path.
    case cannotOpen(path: String)
    /// There is no database at this path, and the command is not one that creates it.
    case noDatabase(path: String)
    /// The database server cannot be reached (PostgreSQL down, wrong address, network cut):
    /// nothing was written; retrying once it is back succeeds.
    case unreachable(server: String)
    /// The connection to the database server broke during the request: the transaction was not
    /// committed (the server rolls it back); retrying reconnects.
    case connectionLost
    /// The database did not answer within the deadline (every connection busy, or a slow
    /// statement); retrying later can succeed.
    case timedOut(seconds: Int)
    /// The database server refused the credentials or the database name.
    case refused(server: String)
    /// Anything else, in the database's own words.
    case other(String)

    /// The stable code (`storage-busy`, `storage-disk-full`, …).
    public var code: String {
        switch self {
        case .busy: return "storage-busy"
        case .diskFull: return "storage-disk-full"
        case .ioError: return "storage-io"
        case .readOnly: return "storage-read-only"
        case .damaged: return "storage-damaged"
        case .cannotOpen: return "storage-cannot-open"
        case .noDatabase: return "storage-no-database"
        case .unreachable: return "storage-unreachable"
        case .connectionLost: return "storage-connection-lost"
        case .timedOut: return "storage-timeout"
        case .refused: return "storage-refused"
        case .other: return "storage"
        }
    }

    /// Whether the same request can succeed later (for a full disk, once space is freed).
    public var retryable: Bool {
        switch self {
        case .busy, .diskFull, .ioError, .unreachable, .connectionLost, .timedOut: return true
        case .readOnly, .damaged, .cannotOpen, .noDatabase, .refused, .other: return false
        }
    }

    /// What happened and what to do, in Chinese and English.
    public var message: LocalizedText {
        switch self {
        case .busy:
            return LocalizedText(
                zh: "数据库正忙(另一个程序正在写入),请稍后重试", en: "the database is busy with another writer; try again shortly")
        case .diskFull:
            return LocalizedText(
                zh: "存放数据库的磁盘已满;腾出空间后重试", en: "the disk holding the database is full; free some space, then try again")
        case .ioError:
            return LocalizedText(
                zh: "数据库所在的磁盘读写出错;检查磁盘是否已满或已卸载,然后重试",
                en: "the disk holding the database could not be read or written; check that it is not full or"
                    + " unmounted, then try again")
        case .readOnly:
            return LocalizedText(
                zh: "此处的数据库只读;请使用可写的数据库,或联系管理员",
                en: "the database is read-only here; use a writable copy or ask the administrator")
        case .damaged:
            return LocalizedText(
                zh: "数据库文件已损坏;请从备份恢复,并联系管理员",
                en: "the database file is damaged; restore it from a backup and tell the administrator")
        case .cannotOpen(let path):
            return LocalizedText(
                zh: "无法打开数据库 \(path);请检查路径和权限",
                en: "cannot open the case database at \(path); check the path and its permissions")
        case .noDatabase(let path):
            return LocalizedText(
                zh: "\(path) 处没有办件数据库;请检查路径(--db 或 $ONEGO_DB),或用 onego db init --db \(path) 新建",
                en: "there is no case database at \(path); check the path (--db or $ONEGO_DB), or create one with"
                    + " 'onego db init --db \(path)'")
        case .unreachable(let server):
            return LocalizedText(
                zh: "无法连接数据库服务器 \(server);请确认它正在运行、地址正确,然后重试",
                en: "cannot reach the database server at \(server); check that it is running and the address is"
                    + " right, then try again")
        case .connectionLost:
            return LocalizedText(
                zh: "与数据库服务器的连接中断,本次操作未保存;请重试",
                en: "the connection to the database server broke; nothing was saved; try again")
        case .timedOut(let seconds):
            return LocalizedText(
                zh: "数据库在 \(seconds) 秒内没有响应;请稍后重试(重试不会重复办理)",
                en: "the database did not answer within \(seconds) s; try again shortly (a retry is not applied twice)")
        case .refused(let server):
            return LocalizedText(
                zh: "数据库服务器 \(server) 拒绝了连接(用户、密码或数据库名不对);请检查 --db 或 $ONEGO_DB",
                en: "the database server at \(server) refused the connection (user, password or database name);"
                    + " check --db or $ONEGO_DB")
        case .other(let detail):
            return LocalizedText(zh: "数据库错误:\(detail)", en: "storage error: \(detail)")
        }
    }
}
