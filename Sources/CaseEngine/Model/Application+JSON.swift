import Foundation
import JSONC
import WorkCalendar

/// A problem in an application file, with its place.
public struct ApplicationFileError: Error, Sendable, CustomStringConvertible {
    /// `path:line:column`.
    public var place: String
    /// What is wrong.
    public var message: String

    public var description: String { "\(place): error: \(message)" }
}

extension Application {
    /// Where an application's attachments come from.
    public enum AttachmentSource: Sendable {
        /// `{"material", "file"}`: scan files relative to this directory (an application file).
        case files(directory: String)
        /// `{"material", "content"}`: the scan in base64 (an API request; no file is ever read).
        case inline
    }

    /// Reads an application file (docs/case-engine.md): bundle, idempotency key, channel,
    /// applicant, answers, values, materials and attachments (files relative to the application).
    public init(contentsOf path: String) throws(ApplicationFileError) {
        let document: JSONDocument
        do throws(JSONFileError) {
            document = try JSONDocument(contentsOf: path)
        } catch {
            throw ApplicationFileError(place: error.place, message: error.message)
        }
        let directory = (path as NSString).deletingLastPathComponent
        try self.init(document: document, attachments: .files(directory: directory.isEmpty ? "." : directory))
    }

    /// Reads an application sent as JSON (an API request body, named `name` in errors); attachments
    /// carry their content in base64.
    public init(json bytes: [UInt8], name: String) throws(ApplicationFileError) {
        let document: JSONDocument
        do throws(JSONSyntaxError) {
            document = try JSONDocument(parsing: bytes, path: name)
        } catch {
            let (line, column) = SourceFile(path: name, bytes: bytes).lineAndColumn(of: error.offset)
            throw ApplicationFileError(place: "\(name):\(line):\(column)", message: error.message)
        }
        try self.init(document: document, attachments: .inline)
    }

    /// Reads an application from a parsed document.
    public init(document: JSONDocument, attachments attachmentSource: AttachmentSource) throws(ApplicationFileError) {
        let path = document.source.path
        let source = document.source
        func fail(_ node: JSONNode?, _ message: String) -> ApplicationFileError {
            let (line, column) = source.lineAndColumn(of: node?.offset ?? 0)
            return ApplicationFileError(place: "\(path):\(line):\(column)", message: message)
        }
        let root = document.root
        guard let members = root.value.members else { throw fail(root, "an application is a JSON object") }
        let allowed = [
            "bundle", "idempotencyKey", "channel", "applicant", "answers", "values", "materials", "attachments",
            "confirmedWarnings", "$schema",
        ]
        for member in members where !allowed.contains(member.key) {
            throw fail(JSONNode(.null, offset: member.keyOffset), "unknown key '\(member.key)'")
        }
        func member(_ key: String, in members: [JSONMember]) -> JSONNode? { members.first { $0.key == key }?.node }
        func string(_ key: String, in members: [JSONMember], of parent: JSONNode) throws(ApplicationFileError) -> String
        {
            guard let node = member(key, in: members) else { throw fail(parent, "missing '\(key)'") }
            guard let text = node.value.stringValue else { throw fail(node, "'\(key)' must be a string") }
            return text
        }
        func stringMap(_ key: String) throws(ApplicationFileError) -> [String: String] {
            guard let node = member(key, in: members) else { return [:] }
            guard let entries = node.value.members else { throw fail(node, "'\(key)' must be an object") }
            var result: [String: String] = [:]
            for entry in entries {
                switch entry.node.value {
                case .string(let text): result[entry.key] = text
                case .integer(let number): result[entry.key] = String(number)
                case .double(let number): result[entry.key] = String(number)
                case .bool(let flag): result[entry.key] = flag ? "true" : "false"
                default: throw fail(entry.node, "'\(entry.key)' must be a string, number or Boolean")
                }
            }
            return result
        }
        let bundle = try string("bundle", in: members, of: root)
        // An API request names its key in the `Idempotency-Key` header and its channel by its
        // credential: the server sets both; a file names them itself.
        let inline: Bool
        if case .inline = attachmentSource { inline = true } else { inline = false }
        let key =
            inline && member("idempotencyKey", in: members) == nil
            ? "" : try string("idempotencyKey", in: members, of: root)
        let channel: Channel
        if inline && member("channel", in: members) == nil {
            channel = Channel(kind: .window, id: "")
        } else {
            guard let channelNode = member("channel", in: members), let channelMembers = channelNode.value.members
            else {
                throw fail(root, "missing 'channel' ({\"kind\": \"window\" or \"kiosk\", \"id\": …})")
            }
            for member in channelMembers where !["kind", "id"].contains(member.key) {
                throw fail(
                    JSONNode(.null, offset: member.keyOffset), "unknown key '\(member.key)' in 'channel' (kind, id)")
            }
            let kindText = try string("kind", in: channelMembers, of: channelNode)
            guard let kind = Channel.Kind(rawValue: kindText) else {
                throw fail(member("kind", in: channelMembers), "channel kind is 'window' or 'kiosk', not '\(kindText)'")
            }
            channel = Channel(kind: kind, id: try string("id", in: channelMembers, of: channelNode))
        }
        guard let applicantNode = member("applicant", in: members), let applicantMembers = applicantNode.value.members
        else { throw fail(root, "missing 'applicant' ({\"name\", \"idNumber\", \"phone\"})") }
        for member in applicantMembers where !["name", "idNumber", "phone"].contains(member.key) {
            throw fail(
                JSONNode(.null, offset: member.keyOffset),
                "unknown key '\(member.key)' in 'applicant' (name, idNumber, phone)")
        }
        let applicant = Applicant(
            name: try string("name", in: applicantMembers, of: applicantNode),
            idNumber: try string("idNumber", in: applicantMembers, of: applicantNode),
            phone: try string("phone", in: applicantMembers, of: applicantNode))
        var materials: [String: MaterialStatus] = [:]
        if let node = member("materials", in: members) {
            guard let entries = node.value.members else { throw fail(node, "'materials' must be an object") }
            for entry in entries {
                switch entry.node.value {
                case .string("provided"): materials[entry.key] = .provided
                case .string("shared"): materials[entry.key] = .sharedData
                case .object(let fields):
                    guard let text = member("missing", in: fields)?.value.stringValue, let date = CalendarDate(text)
                    else {
                        throw fail(
                            entry.node,
                            "a missing material is written {\"missing\": \"YYYY-MM-DD\"} (the promised date)")
                    }
                    materials[entry.key] = .missing(promisedBy: date)
                default:
                    throw fail(entry.node, "a material is \"provided\", \"shared\" or {\"missing\": \"YYYY-MM-DD\"}")
                }
            }
        }
        var attachments: [Attachment] = []
        if let node = member("attachments", in: members) {
            guard let entries = node.value.elements else { throw fail(node, "'attachments' must be a list") }
            for entry in entries {
                guard let fields = entry.value.members else { throw fail(entry, "an attachment is an object") }
                let scan: (content: [UInt8], mediaType: String)
                switch attachmentSource {
                case .files(let directory):
                    let file = try string("file", in: fields, of: entry)
                    do throws(AttachmentFile.Refusal) {
                        scan = try AttachmentFile.read(file, in: directory)
                    } catch {
                        throw fail(member("file", in: fields), error.description)
                    }
                case .inline:
                    let text = try string("content", in: fields, of: entry)
                    guard let data = Data(base64Encoded: text) else {
                        throw fail(member("content", in: fields), "'content' must be the scan in base64")
                    }
                    let content = [UInt8](data)
                    guard content.count <= AttachmentFile.maximumBytes else {
                        throw fail(
                            member("content", in: fields),
                            "a scan is at most \(AttachmentFile.maximumBytes) bytes, not \(content.count)")
                    }
                    guard let mediaType = AttachmentFile.mediaType(of: content) else {
                        throw fail(member("content", in: fields), "the scan is not a PDF, JPEG, PNG or TIFF file")
                    }
                    scan = (content, mediaType)
                }
                attachments.append(
                    Attachment(
                        material: try string("material", in: fields, of: entry), content: scan.content,
                        mediaType: scan.mediaType))
            }
        }
        var confirmed: Set<String> = []
        if let node = member("confirmedWarnings", in: members) {
            guard let entries = node.value.elements, entries.allSatisfy({ $0.value.stringValue != nil }) else {
                throw fail(node, "'confirmedWarnings' must be a list of field ids")
            }
            confirmed = Set(entries.compactMap(\.value.stringValue))
        }
        self.init(
            bundle: bundle, answers: try stringMap("answers"), values: try stringMap("values"), materials: materials,
            attachments: attachments, applicant: applicant, channel: channel, idempotencyKey: key)
        confirmedWarnings = confirmed
    }
}

extension Application {
    /// The application as an API request body: what ``init(json:name:)`` reads back. Without the
    /// channel (the server takes it from the credential) and the key (sent as `Idempotency-Key`);
    /// attachments carry their content in base64.
    public var requestJSON: JSONValue {
        var members: [(String, JSONValue)] = [
            ("bundle", .string(bundle)),
            (
                "applicant",
                .object([
                    "name": .string(applicant.name), "idNumber": .string(applicant.idNumber),
                    "phone": .string(applicant.phone),
                ])
            ),
            ("answers", .stringMap(answers)), ("values", .stringMap(values)),
            (
                "materials",
                .orderedObject(
                    materials.sorted { $0.key < $1.key }.map { id, status in
                        switch status {
                        case .provided: return (id, .string("provided"))
                        case .sharedData: return (id, .string("shared"))
                        case .missing(let date): return (id, .object(["missing": .string(date.description)]))
                        }
                    })
            ),
        ]
        if !attachments.isEmpty {
            members.append(
                (
                    "attachments",
                    .list(
                        attachments.map {
                            .object([
                                "material": .string($0.material),
                                "content": .string(Data($0.content).base64EncodedString()),
                            ])
                        })
                ))
        }
        if !confirmedWarnings.isEmpty { members.append(("confirmedWarnings", .strings(confirmedWarnings.sorted()))) }
        return .orderedObject(members)
    }
}
