import BundleKit
import Foundation

/// The files given to `onego bundle lint`, each taken as what it is: a catalog file (in the
/// library's `catalog/`), a golden test file (in `tests/`) or a bundle (anywhere else).
///
/// A file is linted against the whole library, so that an id another file claims shows; only the
/// given files' problems (and the catalog's) are reported.
struct LintedFiles {
    /// The given bundle files.
    var bundles: [String] = []
    /// The given golden test files.
    var tests: [String] = []
    /// The library's own bundle files that were not given, read so that clashes show.
    var libraryBundles: [String] = []
    private var given: [String] = []

    init(root: String, paths: [String]) {
        func standard(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        let standardRoot = standard(root)
        for path in paths {
            switch (standard(path) as NSString).deletingLastPathComponent {
            case standardRoot + "/catalog": break  // the catalog is always read, and its problems reported
            case standardRoot + "/tests": tests.append(path)
            default: bundles.append(path)
            }
        }
        given = paths
        let standardBundles = Set(bundles.map(standard))
        libraryBundles = BundleLibrary.jsonFiles(in: root).filter { !standardBundles.contains(standard($0)) }
    }

    /// The diagnostics to report: all but other bundles' own, except a clash with a given file.
    func reported(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        let others = Set(libraryBundles)
        return diagnostics.filter { diagnostic in
            guard let path = diagnostic.location?.path, others.contains(path) else { return true }
            return diagnostic.code == .duplicateDefinition
                && diagnostic.notes.contains { note in given.contains { note.hasSuffix($0) } }
        }
    }
}
