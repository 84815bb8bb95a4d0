/// Finds the closest name to a misspelt one, for "did you mean …?".
public enum Suggestion {
    /// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
    ///
    /// Close enough means at most a third of the longer name's length in edits (at least 1, at most
    /// 4), or one name contains the other. Ties keep the first candidate in the given order.
    public static func closest<S: Sequence<String>>(to name: String, among candidates: S) -> String? {
        let target = Array(name.lowercased().unicodeScalars)
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name {
            let scalars = Array(candidate.lowercased().unicodeScalars)
            let limit = min(4, max(1, max(target.count, scalars.count) / 3))
            let distance = editDistance(target, scalars)
            let contains =
                target.count >= 3 && scalars.count >= 3
                && (candidate.lowercased().contains(name.lowercased())
                    || name.lowercased().contains(candidate.lowercased()))
            guard distance <= limit || contains else { continue }
            if best == nil || distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// The Damerau–Levenshtein distance (with adjacent transpositions) between two strings.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
