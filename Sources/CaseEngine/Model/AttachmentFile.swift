import Foundation

/// Reads a scanned file for an attachment, confined to one directory: the application file's, or
/// the kiosk scanner's. No absolute paths, no `..`, no symbolic link that leads outside, nothing but
/// a regular file, at most ``maximumBytes``; the media type comes from the content's first bytes,
/// never from the file's name.
public enum AttachmentFile {
    /// The largest scan accepted, in bytes (20 MiB).
    public static let maximumBytes = 20 * 1024 * 1024

    /// Why a file cannot be attached; the text names the file as given, never its content.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// The reason.
        public var description: String
    }

    /// The file's bytes and media type.
    public static func read(
        _ name: String, in directory: String
    ) throws(Refusal) -> (content: [UInt8], mediaType: String) {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
            throw Refusal(
                description: "'\(name)' is not a file name inside \(directory) (no absolute paths, no '..')")
        }
        let base = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        let resolved = URL(fileURLWithPath: base).appendingPathComponent(name).resolvingSymlinksInPath().path
        guard resolved.hasPrefix(base + "/") else {
            throw Refusal(description: "'\(name)' leads outside \(directory)")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { throw Refusal(description: "cannot read the attached file '\(name)'") }
        let size = (attributes[.size] as? Int) ?? 0
        guard size <= maximumBytes else {
            throw Refusal(description: "'\(name)' is \(size) bytes; a scan is at most \(maximumBytes) bytes")
        }
        guard let data = FileManager.default.contents(atPath: resolved) else {
            throw Refusal(description: "cannot read the attached file '\(name)'")
        }
        let content = [UInt8](data)
        guard let mediaType = mediaType(of: content) else {
            throw Refusal(description: "'\(name)' is not a PDF, JPEG, PNG or TIFF scan")
        }
        return (content, mediaType)
    }

    /// The media type a scan's first bytes announce, or `nil` for anything else.
    public static func mediaType(of content: [UInt8]) -> String? {
        func starts(with magic: [UInt8]) -> Bool {
            content.count >= magic.count && Array(content.prefix(magic.count)) == magic
        }
        if starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        if starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts(with: [0x49, 0x49, 0x2A, 0x00]) || starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return "image/tiff" }
        return nil
    }
}
