import Foundation
import GRDB

/// One state change as the audit log records it: who, what, before and after. Never raw personal
/// data: ID numbers, names and form values stay out.
struct AuditEvent {
    var at: String
    var actor: Actor
    var action: String
    var caseNumber: String
    var subcaseID: String
    var before: String
    var after: String
    var detail: String

    /// The chained hash: SHA-256 over the previous hash, a line feed and the event's fields
    /// separated by the unit separator (U+001F), written straight into one byte buffer.
    func hash(after previous: String) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(previous.utf8.count + 192 + detail.utf8.count)
        bytes.append(contentsOf: previous.utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: at.utf8)
        func field(_ part: String) {
            bytes.append(0x1F)
            bytes.append(contentsOf: part.utf8)
        }
        field(actor.id)
        field(actor.role.rawValue)
        field(action)
        field(caseNumber)
        field(subcaseID)
        field(before)
        field(after)
        field(detail)
        return SHA256.hex(bytes)
    }
}

/// The audit log: an append-only table of events chained by SHA-256, each hash covering the
/// previous hash and the event.
///
/// `verify` walks the chain and names the first event that was edited, deleted, inserted or
/// reordered.
enum AuditLog {
    static let genesis = String(repeating: "0", count: 64)

    /// Appends an event inside the caller's transaction; `head` spares reading the last hash back
    /// while no other connection has written.
    static func append(_ event: AuditEvent, in db: Database, head: ChainHead) throws {
        let previous =
            try head.previous(in: db) ?? db.fetchFirst(.lastEventHash, row: { $0.text(0) }) ?? genesis
        let hash = event.hash(after: previous)
        try db.execute(
            .insertEvent, .text(event.at), .text(event.actor.id), .text(event.actor.role.rawValue),
            .text(event.action), .text(event.caseNumber), .text(event.subcaseID), .text(event.before),
            .text(event.after), .text(event.detail), .text(previous), .text(hash))
        head.appended(hash)
    }

    /// Checks the whole chain.
    ///
    /// At the first event whose stored previous hash does not match the event before it:
    /// - it names the hash of the event two back: the event in between was inserted;
    /// - it names the hash of a later event: the events were reordered;
    /// - it names no stored event and the sequence numbers jump: an event before it was deleted;
    /// - it names no stored event and the numbers run on: the event before it was edited (and its
    ///   hash recomputed).
    /// An event whose own hash does not match its content was edited.
    static func verify(in db: Database) throws -> AuditVerification {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY seq")
        var positionOfHash: [String: Int] = [:]
        for (position, row) in rows.enumerated() { positionOfHash[row["hash"]] = position }
        var previousHash = genesis
        var hashBeforePrevious = genesis
        var previousSeq: Int64 = 0
        for (position, row) in rows.enumerated() {
            let seq: Int64 = row["seq"]
            let event = AuditEvent(
                at: row["at"], actor: Actor(id: row["actor"], role: Actor.Role(rawValue: row["role"]) ?? .system),
                action: row["action"], caseNumber: row["case_number"], subcaseID: row["subcase_id"],
                before: row["before"], after: row["after"], detail: row["detail"])
            let storedPrevious: String = row["prev_hash"]
            let storedHash: String = row["hash"]
            if storedPrevious != previousHash {
                if position >= 1, storedPrevious == hashBeforePrevious {
                    return .broken(seq: previousSeq, problem: .inserted)
                }
                if let other = positionOfHash[storedPrevious], other > position {
                    return .broken(seq: seq, problem: .reordered)
                }
                if positionOfHash[storedPrevious] == nil, storedPrevious != genesis {
                    if seq != previousSeq + 1 { return .broken(seq: seq, problem: .deletedBefore) }
                    return .broken(seq: previousSeq, problem: .edited)
                }
                return .broken(seq: seq, problem: .reordered)
            }
            if event.hash(after: storedPrevious) != storedHash {
                return .broken(seq: seq, problem: .edited)
            }
            hashBeforePrevious = previousHash
            previousHash = storedHash
            previousSeq = seq
        }
        return .intact(events: rows.count)
    }
}

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

/// The result of checking the audit chain.
public enum AuditVerification: Sendable, Equatable, CustomStringConvertible {
    /// What was done to the chain.
    public enum Problem: String, Sendable {
        case edited, inserted, reordered
        case deletedBefore = "deleted before"
    }
    /// Every event is where it was written, unchanged.
    case intact(events: Int)
    /// The first event where the chain breaks.
    case broken(seq: Int64, problem: Problem)

    public var description: String {
        switch self {
        case .intact(let count):
            return "audit chain intact: \(count) event\(count == 1 ? "" : "s")"
        case .broken(let seq, .deletedBefore):
            return "audit chain broken: an event before event \(seq) was deleted"
        case .broken(let seq, .inserted):
            return "audit chain broken: event \(seq) was inserted"
        case .broken(let seq, let problem):
            return "audit chain broken: event \(seq) was \(problem.rawValue)"
        }
    }
}
