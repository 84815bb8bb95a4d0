import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import JSONC

/// The files the server's engine was loaded from — catalog, bundles, holiday calendar, the kiosk's
/// strings and default profile — for kiosks to run on exactly what the server validates against, instead of
/// local copies that can drift. Taken once when the server starts; `version` is a SHA-256 over
/// every path and content.
struct LibrarySnapshot: Sendable {
    struct File: Sendable {
        var path: String
        var content: String
    }

    var version: String
    var files: [File]

    /// The snapshot of a loaded library: its sources as loaded, plus `calendar/*.json` and
    /// `kiosk/strings.json` under its root.
    init(library: BundleLibrary) {
        let root = (library.root as NSString).standardizingPath
        func relative(_ path: String) -> String? {
            let full = (path as NSString).standardizingPath
            guard full.hasPrefix(root + "/") else { return nil }
            return String(full.dropFirst(root.count + 1))
        }
        var files: [File] = library.sources.compactMap { path, source in
            relative(path).map { File(path: $0, content: String(decoding: source.bytes, as: UTF8.self)) }
        }
        let calendar = (root as NSString).appendingPathComponent("calendar")
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: calendar)) ?? []).sorted()
        where name.hasSuffix(".json") {
            if let text = try? String(contentsOfFile: calendar + "/" + name, encoding: .utf8) {
                files.append(File(path: "calendar/" + name, content: text))
            }
        }
        for name in ["strings.json", "default-profile.json"] {
            if let text = try? String(contentsOfFile: root + "/kiosk/" + name, encoding: .utf8) {
                files.append(File(path: "kiosk/" + name, content: text))
            }
        }
        files.sort { $0.path < $1.path }
        self.files = files
        version = String(SHA256.hex(files.map { $0.path + "\u{0}" + $0.content }.joined(separator: "\u{0}")).prefix(16))
    }

    var json: JSONValue {
        .orderedObject([
            ("version", .string(version)),
            ("files", .list(files.map { .object(["path": .string($0.path), "content": .string($0.content)]) })),
        ])
    }
}
