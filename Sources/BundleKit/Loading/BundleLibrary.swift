import Foundation
import JSONC

/// Everything under a bundles directory: the merged catalog, the bundles, their source files and
/// the problems found while reading them.
///
/// ```swift
/// let library = BundleLibrary.load(root: "Bundles")
/// let result = BundleCompiler(catalog: library.catalog).compile(library.bundle("newborn")!, answers: [:])
/// ```
public struct BundleLibrary: Sendable {
    /// The directory the library was read from.
    public var root: String
    /// The merged catalog.
    public var catalog: Catalog
    /// The bundles, sorted by id.
    public var bundles: [BundleDefinition]
    /// Every file read, by path, for rendering diagnostics.
    public var sources: [String: SourceFile]
    /// Problems found while reading (syntax, unknown keys, wrong types, duplicates).
    public var diagnostics: [Diagnostic]
    /// Bundle ids two files claim: no command serves either until one is renamed.
    public var clashingBundleIDs: Set<String> = []

    /// The bundle with an id.
    public func bundle(_ id: String) -> BundleDefinition? {
        bundles.first { $0.id == id }
    }

    /// Reads `ROOT/catalog/*.json` and the bundles: `bundleFiles` when given, else `ROOT/*.json`.
    public static func load(root: String, bundleFiles: [String]? = nil) -> BundleLibrary {
        var library = BundleLibrary(root: root, catalog: Catalog(), bundles: [], sources: [:], diagnostics: [])
        let catalogDirectory = (root as NSString).appendingPathComponent("catalog")
        switch SourceFiles.jsonFiles(in: catalogDirectory) {
        case .success(let paths):
            for path in paths {
                guard let (document, reader) = library.parse(path) else { continue }
                CatalogReader(reader: reader).read(document.root, into: &library.catalog)
                library.diagnostics += reader.diagnostics
            }
        case .failure(let failure):
            let message =
                SourceFiles.kind(of: catalogDirectory) == .missing
                ? "no catalog found: expected the directory \(catalogDirectory)"
                : "the catalog directory \(catalogDirectory) \(failure.reason)"
            library.diagnostics.append(Diagnostic(.error, .missingKey, message, at: nil))
        }
        var seen: [String: SourceLocation] = [:]
        for path in bundleFiles ?? jsonFiles(in: root) {
            guard let (document, reader) = library.parse(path) else { continue }
            let bundle = BundleReader(reader: reader).read(document.root)
            library.diagnostics += reader.diagnostics
            guard let bundle else { continue }
            if let first = seen[bundle.id] {
                library.clashingBundleIDs.insert(bundle.id)
                library.diagnostics.append(
                    Diagnostic(
                        .error, .duplicateDefinition, "bundle id '\(bundle.id)' is used by two files",
                        at: bundle.location, notes: ["first used in \(first.path)"]))
                continue
            }
            seen[bundle.id] = bundle.location
            library.bundles.append(bundle)
        }
        library.bundles.sort { $0.id < $1.id }
        return library
    }

    /// Parses one file, recording its source; reports unreadable files and syntax errors.
    private mutating func parse(_ path: String) -> (JSONDocument, DocumentReader)? {
        guard let bytes = SourceFiles.read(path, reportingTo: &diagnostics) else { return nil }
        sources[path] = SourceFile(path: path, bytes: bytes)
        do throws(JSONSyntaxError) {
            let document = try JSONDocument(parsing: bytes, path: path)
            let reader = DocumentReader(path: path)
            reader.sourceBytes = bytes
            return (document, reader)
        } catch {
            var notes: [String] = []
            if let related = error.relatedOffset, let source = sources[path] {
                let (line, column) = source.lineAndColumn(of: related)
                notes.append("first defined at line \(line), column \(column)")
            }
            diagnostics.append(
                Diagnostic(
                    .error, .jsonSyntax, error.message,
                    at: SourceLocation(path: path, offset: error.offset),
                    notes: notes))
            return nil
        }
    }

    /// The `.json` files directly inside a directory, sorted by name (none when it cannot be listed).
    public static func jsonFiles(in directory: String) -> [String] {
        (try? SourceFiles.jsonFiles(in: directory).get()) ?? []
    }
}
