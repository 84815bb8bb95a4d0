import Foundation

/// A directory a device drops its files in (the scanner, a card reader): the newest regular file
/// not taken yet, each taken once; hidden files and other names are ignored.
public final class DropDirectory {
    /// The directory.
    public let path: String
    private let suffix: String
    private var taken: Set<String> = []

    /// A directory whose files end in `suffix` (any file when empty).
    public init(path: String, suffix: String = "") {
        self.path = path
        self.suffix = suffix
    }

    /// The name of the newest file not taken yet, now taken.
    public func takeNewest() -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let candidates = names.filter { !taken.contains($0) && !$0.hasPrefix(".") && $0.hasSuffix(suffix) }
            .compactMap { name -> (String, Date)? in
                let full = (path as NSString).appendingPathComponent(name)
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: full),
                    attributes[.type] as? FileAttributeType == .typeRegular,
                    let modified = attributes[.modificationDate] as? Date
                else { return nil }
                return (name, modified)
            }
        guard let newest = candidates.max(by: { $0.1 < $1.1 })?.0 else { return nil }
        taken.insert(newest)
        return newest
    }
}
