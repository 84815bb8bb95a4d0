import Foundation
import GRDB

/// The chain's last hash as this store's writer committed it, with the database's data version
/// after that commit. The version changes with any commit by any connection, so while it is
/// unchanged the next event chains to the remembered hash without reading the table; otherwise
/// (another process wrote, or a transaction rolled back) the hash is read again.
final class ChainHead: @unchecked Sendable {
    private let lock = NSLock()
    private var committed: (version: UInt32, hash: String)?
    private var pending: String?

    /// The hash the next event chains to, if known without reading.
    func previous(in db: Database) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let pending { return pending }
        guard let committed, committed.version == db.dataVersion else { return nil }
        return committed.hash
    }

    /// An event with this hash was appended in the open transaction.
    func appended(_ hash: String) {
        lock.lock()
        pending = hash
        lock.unlock()
    }

    /// The transaction committed; `version` is the data version after it.
    func didCommit(version: UInt32) {
        lock.lock()
        if let pending { committed = (version, pending) }
        pending = nil
        lock.unlock()
    }

    /// The transaction rolled back: nothing is known any more.
    func didRollBack() {
        lock.lock()
        pending = nil
        committed = nil
        lock.unlock()
    }
}
