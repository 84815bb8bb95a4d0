import Foundation

/// Lines kept outside the database that pin the audit chain: where keying began (`keyed-from SEQ`)
/// and the chain's head at moments a supervisor chose (`checkpoint SEQ HASH AT`). Deleting the
/// newest events, or rewriting the chain, then shows against them.
///
/// The file (`ONEGO_AUDIT_CHECKPOINT_FILE`, default `onego.db.audit-checkpoints`) is only ever
/// appended to; a supervisor may also keep the printed lines elsewhere and pass them back.
public struct AuditCheckpoints: Sendable, Equatable {
    /// A recorded head.
    public struct Checkpoint: Sendable, Equatable {
        /// The event's sequence number.
        public var seq: Int64
        /// Its hash.
        public var hash: String
    }

    /// The first event that must be keyed.
    public var keyedFrom: Int64?
    /// The recorded heads, in the order written.
    public var checkpoints: [Checkpoint]

    /// Creates the set.
    public init(keyedFrom: Int64? = nil, checkpoints: [Checkpoint] = []) {
        self.keyedFrom = keyedFrom
        self.checkpoints = checkpoints
    }

    /// Reads a checkpoint file; none at `path` reads as empty. Lines it cannot read are refused.
    public static func read(from path: String) throws(AuditKey.Problem) -> AuditCheckpoints {
        guard let data = FileManager.default.contents(atPath: path) else { return AuditCheckpoints() }
        var result = AuditCheckpoints()
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            let words = line.split(separator: " ")
            if words.count == 2, words[0] == "keyed-from", let seq = Int64(words[1]) {
                result.keyedFrom = result.keyedFrom.map { min($0, seq) } ?? seq
            } else if words.count >= 3, words[0] == "checkpoint", let seq = Int64(words[1]), words[2].count == 64 {
                result.checkpoints.append(Checkpoint(seq: seq, hash: String(words[2])))
            } else {
                throw AuditKey.Problem(description: "\(path):\(index + 1): error: not a checkpoint line")
            }
        }
        return result
    }

    /// Appends one line to the file, creating it (rights 0600) if needed.
    public static func append(_ line: String, to path: String) throws(AuditKey.Problem) {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            else { throw AuditKey.Problem(description: "\(path): error: cannot create the checkpoint file") }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw AuditKey.Problem(description: "\(path): error: cannot write the checkpoint file")
        }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        handle.write(Data((line + "\n").utf8))
    }
}
