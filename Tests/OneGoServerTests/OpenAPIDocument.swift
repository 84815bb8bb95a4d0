import Foundation

/// The operations of docs/openapi.yaml and the statuses each documents, read from the file's
/// fixed layout (paths at two spaces, methods at four, statuses at eight); `scripts/check-openapi.py`
/// validates the document itself.
struct OpenAPIDocument {
    /// `"GET /v1/cases/{number}"` → documented statuses.
    var responses: [String: Set<Int>]

    static func load() throws -> OpenAPIDocument {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        var responses: [String: Set<Int>] = [:]
        var path: String?
        var operation: String?
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if !line.hasPrefix(" ") && !line.isEmpty { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && !line.hasPrefix("   ") && line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path,
                let method = ["get", "post", "put", "patch", "delete"].first(where: { line == "    \($0):" })
            {
                operation = method.uppercased() + " " + path
                responses[operation ?? "", default: []] = []
            } else if line.hasPrefix("        \""), let operation,
                let status = Int(line.dropFirst(9).prefix(3))
            {
                responses[operation, default: []].insert(status)
            }
        }
        return OpenAPIDocument(responses: responses)
    }
}
