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
    /// Reads an application file (docs/case-engine.md): bundle, idempotency key, channel,
    /// applicant, answers, values, materials and attachments (files relative to the application).
    public init(contentsOf path: String) throws(ApplicationFileError) {
        let document: JSONDocument
        do throws(JSONFileError) {
            document = try JSONDocument(contentsOf: path)
        } catch {
            throw ApplicationFileError(place: error.place, message: error.message)
        }
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
        let key = try string("idempotencyKey", in: members, of: root)
        guard let channelNode = member("channel", in: members), let channelMembers = channelNode.value.members else {
            throw fail(root, "missing 'channel' ({\"kind\": \"window\" or \"kiosk\", \"id\": …})")
        }
        for member in channelMembers where !["kind", "id"].contains(member.key) {
            throw fail(JSONNode(.null, offset: member.keyOffset), "unknown key '\(member.key)' in 'channel' (kind, id)")
        }
        let kindText = try string("kind", in: channelMembers, of: channelNode)
        guard let kind = Channel.Kind(rawValue: kindText) else {
            throw fail(member("kind", in: channelMembers), "channel kind is 'window' or 'kiosk', not '\(kindText)'")
        }
        let channel = Channel(kind: kind, id: try string("id", in: channelMembers, of: channelNode))
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
            let directory = (path as NSString).deletingLastPathComponent
            for entry in entries {
                guard let fields = entry.value.members else { throw fail(entry, "an attachment is an object") }
                let file = try string("file", in: fields, of: entry)
                let scan: (content: [UInt8], mediaType: String)
                do throws(AttachmentFile.Refusal) {
                    scan = try AttachmentFile.read(file, in: directory.isEmpty ? "." : directory)
                } catch {
                    throw fail(member("file", in: fields), error.description)
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
