import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading the files of a library, with the reason when a path is not a file that can be read.
///
/// A FIFO is never opened (reading it would wait for a writer), a directory is named as one, and a
/// symbolic link that loops is said to loop rather than "cannot read".
public enum SourceFiles {
    /// The largest source file read: a bundle or catalog is a few hundred kilobytes at most.
    public static let maximumBytes = 16 << 20

    /// What stands at a path, as far as reading it as a source file goes.
    public enum Kind: Equatable, Sendable {
        case file, directory, missing, loop, denied, other(String)
    }

    /// What stands at `path`, following symbolic links.
    public static func kind(of path: String) -> Kind {
        var status = stat()
        guard stat(path, &status) == 0 else {
            switch errno {
            case ENOENT, ENOTDIR: return .missing
            case ELOOP: return .loop
            case EACCES: return .denied
            default: return .other(String(cString: strerror(errno)))
            }
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return access(path, R_OK) == 0 ? .file : .denied
        case S_IFDIR: return .directory
        case S_IFIFO: return .other("a FIFO (named pipe), not a file")
        case S_IFSOCK: return .other("a socket, not a file")
        case S_IFCHR, S_IFBLK: return .other("a device, not a file")
        default: return .other("not a regular file")
        }
    }

    /// Why `kind` cannot be read as a source file, or nil for a readable file.
    public static func reason(_ kind: Kind) -> String? {
        switch kind {
        case .file: nil
        case .directory: "is a directory, not a file"
        case .missing: "no such file"
        case .loop: "is a symbolic link that leads round in a loop"
        case .denied: "cannot be read: permission denied"
        case .other(let what): "cannot be read: it is \(what)"
        }
    }

    /// The bytes of a source file, or why they cannot be had.
    public static func read(_ path: String) -> Result<[UInt8], ReadFailure> {
        if let reason = reason(kind(of: path)) { return .failure(ReadFailure(reason: reason)) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(ReadFailure(reason: "cannot be read: \(String(cString: strerror(errno)))"))
        }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maximumBytes + 1) else { return .success([]) }
        if data.count > maximumBytes {
            return .failure(ReadFailure(reason: "is larger than \(maximumBytes >> 20) MB; split it into smaller files"))
        }
        return .success([UInt8](data))
    }

    /// The bytes of a source file, or `nil` with an `unreadable-file` diagnostic saying why.
    public static func read(_ path: String, reportingTo diagnostics: inout [Diagnostic]) -> [UInt8]? {
        switch read(path) {
        case .success(let bytes):
            return bytes
        case .failure(let failure):
            diagnostics.append(
                Diagnostic(.error, .unreadableFile, failure.reason, at: SourceLocation(path: path, offset: 0)))
            return nil
        }
    }

    /// The `.json` files directly inside a directory, sorted by name; or why it cannot be listed.
    public static func jsonFiles(in directory: String) -> Result<[String], ReadFailure> {
        switch kind(of: directory) {
        case .directory: break
        case let kind: return .failure(ReadFailure(reason: reason(kind) ?? "is a file, not a directory"))
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return .failure(ReadFailure(reason: "cannot be listed: permission denied"))
        }
        let paths = names.filter { $0.hasSuffix(".json") }.sorted().map {
            (directory as NSString).appendingPathComponent($0)
        }
        return .success(paths)
    }

    /// Why a file or directory could not be read.
    public struct ReadFailure: Error, Sendable {
        /// The reason, to follow the path: "is a directory, not a file".
        public var reason: String
    }
}
