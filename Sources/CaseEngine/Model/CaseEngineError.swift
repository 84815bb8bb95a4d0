import BundleKit

/// One problem with a submitted application, by field or material (one-time notice: all at once).
public struct ApplicationProblem: Sendable, Equatable, Codable {
    /// The element, material or part (`applicant`, `answers`) it concerns.
    public var subject: String
    /// What to do, in Chinese and English. Never contains an ID number.
    public var message: LocalizedText
    /// The value fails only a warning check: confirming it (``Application/confirmedWarnings``)
    /// lets it stand.
    public var confirmable: Bool

    /// Creates a problem.
    public init(subject: String, message: LocalizedText, confirmable: Bool = false) {
        self.subject = subject
        self.message = message
        self.confirmable = confirmable
    }
}

/// An error from the case engine: each names the case and step, and what may be done instead.
///
/// Every case has a stable ``code`` (like `DiagnosticCode` for authors) and a ``message`` in
/// Chinese and English, so the kiosk, the CLI and an HTTP API render the same error; ``retryable``
/// says whether the same request may succeed later unchanged. No message contains an ID number or
/// a form value.
///
/// ```swift
/// do { try await engine.accept(id, department: "tax", by: clerk) }
/// catch { print("\(error.code): \(error.message.en)") }   // wrong-department: sub-case …
/// ```
public enum CaseEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The application has problems; nothing was saved.
    case invalidApplication([ApplicationProblem])
    /// The idempotency key was used before with a different application.
    case idempotencyConflict(key: String, existingCase: String)
    /// No case with this number.
    case unknownCase(String)
    /// No sub-case with this id.
    case unknownSubcase(String)
    /// No such scan among what a sub-case's department may see.
    case unknownAttachment(subcase: String, material: String)
    /// A department acted on another department's sub-case.
    case wrongDepartment(subcase: String, department: String, owner: String)
    /// A step the sub-case's state does not allow.
    case stepNotAllowed(
        case: String, subcase: String, item: String, step: String, state: SubcaseState, allowed: [String])
    /// A step on a case that has ended or does not allow it.
    case caseNotOpen(case: String, step: String, status: CaseStatus)
    /// The results were handed out before.
    case alreadyHandedOut(case: String, on: String, to: String)
    /// Outputs or corrections that do not fit.
    case invalidStep(case: String, subcase: String, step: String, problems: [String])
    /// The person who reviewed a sub-case tried to approve it too.
    case separationOfDuties(case: String, subcase: String, item: String, person: String)
    /// Too many wrong query codes were tried on a case; it answers again after `retryAfter` seconds.
    case queryLocked(case: String, retryAfter: Int)
    /// The server could not be reached (a kiosk or CLI working through `onego serve`); nothing
    /// was stored by this request.
    case unreachable(String)
    /// An error the server reported, as it reported it (code, message, whether a retry can help).
    case remote(code: String, message: LocalizedText, retryable: Bool)
    /// The database could not be read or written; nothing was half-written.
    case storage(StorageFault)
    /// A stored row does not decode: the database was changed outside OneGo or is damaged.
    case corruptRecord(String)

    /// The stable code, for programs and logs (`unknown-case`, `step-not-allowed`, …).
    public var code: String {
        switch self {
        case .invalidApplication: return "invalid-application"
        case .idempotencyConflict: return "idempotency-conflict"
        case .unknownCase: return "unknown-case"
        case .unknownSubcase: return "unknown-subcase"
        case .unknownAttachment: return "unknown-attachment"
        case .wrongDepartment: return "wrong-department"
        case .stepNotAllowed: return "step-not-allowed"
        case .caseNotOpen: return "case-not-open"
        case .alreadyHandedOut: return "already-handed-out"
        case .invalidStep: return "invalid-step"
        case .separationOfDuties: return "separation-of-duties"
        case .queryLocked: return "query-code-locked"
        case .unreachable: return "server-unreachable"
        case .remote(let code, _, _): return code
        case .storage(let fault): return fault.code
        case .corruptRecord: return "corrupt-record"
        }
    }

    /// Whether sending the same request again later may succeed.
    public var retryable: Bool {
        switch self {
        case .storage(let fault): return fault.retryable
        case .queryLocked, .unreachable: return true
        case .remote(_, _, let retryable): return retryable
        default: return false
        }
    }

    /// The message in Chinese and English.
    public var message: LocalizedText {
        switch self {
        case .invalidApplication(let problems):
            return LocalizedText(
                zh: "申请未保存，请修改以下内容后重新提交:\n"
                    + problems.map { "  \($0.subject): \($0.message.zh)" }.joined(separator: "\n"),
                en: "the application was not saved; fix these and submit again:\n"
                    + problems.map { "  \($0.subject): \($0.message.en)" }.joined(separator: "\n"))
        case .idempotencyConflict(let key, let existing):
            return LocalizedText(
                zh: "幂等键“\(key)”已用于办件 \(existing)，但申请内容不同；请使用新的键",
                en: "idempotency key '\(key)' was already used for case \(existing) with a different application")
        case .unknownCase(let number):
            return LocalizedText(zh: "没有办件 \(number)", en: "no case \(number)")
        case .unknownSubcase(let id):
            return LocalizedText(zh: "没有子办件 \(id)", en: "no sub-case \(id)")
        case .unknownAttachment(let subcase, let material):
            return LocalizedText(
                zh: "子办件 \(subcase) 的材料 \(material) 没有这份扫描件，或尚未分办到本部门",
                en:
                    "sub-case \(subcase) has no such scan of material \(material), or it is not dispatched to the department yet"
            )
        case .wrongDepartment(let subcase, let department, let owner):
            return LocalizedText(
                zh: "子办件 \(subcase) 属于 \(owner)，不属于 \(department)",
                en: "sub-case \(subcase) belongs to \(owner), not \(department)")
        case .stepNotAllowed(let number, let subcase, let item, let step, let state, let allowed):
            let nextZH = allowed.isEmpty ? "无(子办件\(state.label.zh))" : allowed.map(Self.chinese).joined(separator: "、")
            let nextEN = allowed.isEmpty ? "none (the sub-case is \(state.rawValue))" : allowed.joined(separator: ", ")
            return LocalizedText(
                zh: "办件 \(number)，子办件 \(subcase)(\(item)):\(state.label.zh)时不能\(Self.chinese(step));可进行的下一步:\(nextZH)",
                en:
                    "case \(number), sub-case \(subcase) (\(item)): cannot \(step) while \(state.rawValue); allowed next steps: \(nextEN)"
            )
        case .caseNotOpen(let number, let step, let status):
            return LocalizedText(
                zh: "办件 \(number):\(status.label.zh)时不能\(Self.chinese(step))",
                en: "case \(number): cannot \(step) while the case is \(status.rawValue)")
        case .alreadyHandedOut(let number, let day, let name):
            return LocalizedText(
                zh: "办件 \(number) 已于 \(day) 交付给 \(name)",
                en: "case \(number) was already handed out on \(day) to \(name)")
        case .invalidStep(let number, let subcase, let step, let problems):
            let placeZH = subcase.isEmpty ? "办件 \(number)" : "办件 \(number)，子办件 \(subcase)"
            let placeEN = subcase.isEmpty ? "case \(number)" : "case \(number), sub-case \(subcase)"
            return LocalizedText(
                zh: "\(placeZH):不能\(Self.chinese(step)):" + problems.joined(separator: "; "),
                en: "\(placeEN): cannot \(step): " + problems.joined(separator: "; "))
        case .separationOfDuties(let number, let subcase, let item, let person):
            return LocalizedText(
                zh: "办件 \(number)，子办件 \(subcase)(\(item)):\(person) 已审查此子办件，不能再由其本人批准;请由另一名工作人员批准",
                en: "case \(number), sub-case \(subcase) (\(item)): \(person) reviewed this sub-case and may not also"
                    + " approve it; another member of staff must approve")
        case .queryLocked(let number, let seconds):
            let minutes = max(1, (seconds + 59) / 60)
            return LocalizedText(
                zh: "办件 \(number) 的查询码输错次数过多，请 \(minutes) 分钟后再试，或到窗口凭身份证查询",
                en: "too many wrong query codes for case \(number); try again in \(minutes) minutes, or ask at a"
                    + " window with your ID card")
        case .unreachable(let detail):
            return LocalizedText(
                zh: "无法连接服务中心的服务器(\(detail));本次请求没有保存，请稍后重试",
                en: "cannot reach the service centre's server (\(detail)); nothing was saved; try again later")
        case .remote(_, let message, _):
            return message
        case .storage(let fault):
            return fault.message
        case .corruptRecord(let detail):
            return LocalizedText(
                zh: "数据库中的记录无法读取(\(detail)):数据库可能已损坏或被改动，请联系管理员",
                en: "a stored record cannot be read (\(detail)): the database may be damaged or was changed"
                    + " outside OneGo; tell the administrator")
        }
    }

    /// The English message (what the CLI prints after `error:`).
    public var description: String { message.en }
}

extension CaseEngineError {
    /// A step's name as the Chinese messages say it (the English ones use the step's own name).
    static func chinese(_ step: String) -> String {
        switch step {
        case "accept": return "受理"
        case "review": return "审核"
        case "approve": return "批准"
        case "issue": return "办结"
        case "correct": return "要求补正"
        case "reject": return "不予批准"
        case "supply": return "补正"
        case "withdraw": return "撤回"
        case "hand out": return "出件"
        case "rate": return "评价"
        case "follow up": return "回访"
        default: return step
        }
    }
}
