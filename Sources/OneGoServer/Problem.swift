import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import JSONC
import Logging

/// An error as an API caller receives it: `application/problem+json` (RFC 9457) with a stable
/// `code`, a `title` in the request's language and whether a retry can help.
///
/// Every error a route throws becomes one of these in ``ProblemMiddleware``: engine errors keep
/// their codes and messages, the server adds its own (`unauthenticated`, `forbidden`,
/// `idempotency-key-missing`, …). No problem carries an ID number or a form value.
public struct Problem: Error, Sendable, Equatable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// The stable code.
    public var code: String
    /// What happened and what to do.
    public var title: LocalizedText
    /// Whether the same request may succeed later unchanged.
    public var retryable: Bool
    /// Seconds to wait before retrying, sent as `Retry-After`.
    public var retryAfter: Int?
    /// For an invalid application: one entry per field or material.
    public var problems: [ApplicationProblem]

    /// Creates a problem.
    public init(
        _ status: HTTPResponse.Status, code: String, title: LocalizedText, retryable: Bool = false,
        retryAfter: Int? = nil, problems: [ApplicationProblem] = []
    ) {
        self.status = status
        self.code = code
        self.title = title
        self.retryable = retryable
        self.retryAfter = retryAfter
        self.problems = problems
    }

    /// The engine's error as an API problem.
    public init(_ error: CaseEngineError) {
        let status: HTTPResponse.Status
        var retryAfter: Int?
        var problems: [ApplicationProblem] = []
        switch error {
        case .invalidApplication(let list):
            status = .unprocessableContent
            problems = list
        case .idempotencyConflict, .invalidStep: status = .unprocessableContent
        case .unknownCase, .unknownSubcase, .unknownAttachment: status = .notFound
        case .wrongDepartment, .separationOfDuties: status = .forbidden
        case .stepNotAllowed, .caseNotOpen, .alreadyHandedOut: status = .conflict
        case .queryLocked(_, let seconds):
            status = .tooManyRequests
            retryAfter = seconds
        case .storage(let fault): status = fault.retryable ? .serviceUnavailable : .internalServerError
        case .unreachable: status = .badGateway
        case .remote: status = .badGateway
        case .corruptRecord: status = .internalServerError
        }
        self.init(
            status, code: error.code, title: error.message, retryable: error.retryable, retryAfter: retryAfter,
            problems: problems)
    }

    static let unauthenticated = Problem(
        .unauthorized, code: "unauthenticated",
        title: LocalizedText(
            zh: "请求没有有效的凭据;请检查终端或账户的凭据", en: "the request carries no valid credential; check the credential"))
    static let forbidden = Problem(
        .forbidden, code: "forbidden",
        title: LocalizedText(zh: "此凭据无权进行这项操作", en: "this credential may not do this"))
    static let noSuchRoute = Problem(
        .notFound, code: "no-such-route",
        title: LocalizedText(zh: "没有这个接口;请查看 docs/openapi.yaml", en: "no such route; see docs/openapi.yaml"))
    static let idempotencyKeyMissing = Problem(
        .badRequest, code: "idempotency-key-missing",
        title: LocalizedText(
            zh: "缺少 Idempotency-Key 请求头(1–255 个可见字符);同一申请重试时请使用同一个键",
            en: "the Idempotency-Key header (1–255 visible characters) is required; retry with the same key"))
    static let requestInProgress = Problem(
        .conflict, code: "request-in-progress",
        title: LocalizedText(
            zh: "使用同一 Idempotency-Key 的请求仍在处理;请稍后用同一个键重试",
            en: "a request with this Idempotency-Key is still being processed; retry shortly with the same key"),
        retryable: true, retryAfter: 1)

    static func tooLarge(_ limit: Int) -> Problem {
        Problem(
            .contentTooLarge, code: "body-too-large",
            title: LocalizedText(
                zh: "请求内容超过 \(limit) 字节的上限", en: "the request body is larger than the limit of \(limit) bytes"))
    }

    static func unknownBundle(_ id: String) -> Problem {
        Problem(.notFound, code: "unknown-bundle", title: LocalizedText(zh: "没有事项包 \(id)", en: "no bundle \(id)"))
    }

    static func invalidRequest(_ detail: String) -> Problem {
        Problem(
            .badRequest, code: "invalid-request",
            title: LocalizedText(zh: "请求有误:\(detail)", en: "the request is not valid: \(detail)"))
    }

    static let unexpected = Problem(
        .internalServerError, code: "internal",
        title: LocalizedText(
            zh: "服务器内部错误;没有保存任何半完成的内容,请稍后重试或联系管理员",
            en: "the server failed; nothing was half-written; try again later or tell the administrator"),
        retryable: true)

    /// The problem document in `language`.
    func document(language: Language, instance: String) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string("https://onego.example/problems/\(code)")),
            ("title", .string(title.text(in: language))),
            ("status", .integer(Int64(status.code))),
            ("code", .string(code)),
            ("retryable", .bool(retryable)),
            ("instance", .string(instance)),
            // Both languages, for clients that show the message themselves (the kiosk switches).
            ("localized", title.jsonValue),
        ]
        if !problems.isEmpty {
            members.append(
                (
                    "problems",
                    .list(
                        problems.map { problem in
                            .object([
                                "subject": .string(problem.subject),
                                "message": .string(problem.message.text(in: language)),
                                "confirmable": .bool(problem.confirmable),
                                "localized": problem.message.jsonValue,
                            ])
                        })
                ))
        }
        return .orderedObject(members)
    }

    /// The response for a request in `language`.
    func response(language: Language, instance: String) -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        let body = document(language: language, instance: instance).serialized(pretty: false)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Renders every error as a ``Problem``: the one place errors become responses.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let language = Language(acceptLanguage: request.headers[.acceptLanguage])
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response(language: language, instance: request.uri.path)
        } catch let error as CaseEngineError {
            return Problem(error).response(language: language, instance: request.uri.path)
        } catch let error as any HTTPResponseError {
            return Self.problem(for: error.status).response(language: language, instance: request.uri.path)
        } catch {
            context.logger.error("unexpected error", metadata: ["type": "\(type(of: error))"])
            return Problem.unexpected.response(language: language, instance: request.uri.path)
        }
    }

    static func problem(for status: HTTPResponse.Status) -> Problem {
        switch status {
        case .unauthorized: return .unauthenticated
        case .forbidden: return .forbidden
        case .notFound: return .noSuchRoute
        case .contentTooLarge: return .tooLarge(ServerLimits.maximumBodyBytes)
        case .methodNotAllowed:
            return Problem(
                .methodNotAllowed, code: "method-not-allowed",
                title: LocalizedText(zh: "此接口不支持这个方法", en: "this route does not take this method"))
        default:
            return status.code >= 500
                ? .unexpected : .invalidRequest("HTTP \(status.code) \(status.reasonPhrase)")
        }
    }
}

extension Language {
    /// The language of a response: English when the caller's `Accept-Language` prefers it, else Chinese.
    init(acceptLanguage: String?) {
        let first = acceptLanguage?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased()
        self = first?.hasPrefix("en") == true ? .en : .zh
    }
}
