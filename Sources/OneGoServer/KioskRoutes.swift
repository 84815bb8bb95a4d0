import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import HummingbirdAuth
import JSONC

/// What a kiosk may do: read the bundles, submit, reprint a receipt of its own, and — for a
/// citizen who knows a case's number and query code — see its progress, supply materials and rate.
/// Handlers only translate HTTP to the engine's operations; the engine decides.
struct KioskRoutes {
    let engine: CaseEngine
    let queryGuard: QueryCodeGuard
    let keys: IdempotencyKeys

    func add(to router: Router<ServerContext>) {
        let kiosk = router.group("v1").add(middleware: AllowCallers(.kiosk))
        kiosk.get("bundles", use: bundles)
        kiosk.get("bundles/{bundle}/compiled", use: compiled)
        kiosk.post("cases", use: submit)
        kiosk.get("cases/{number}/receipt", use: receipt)
        kiosk.post("progress", use: progress)
        kiosk.post("cases/{number}/supply", use: supply)
        kiosk.post("cases/{number}/rating", use: rate)
    }

    /// The bundles a citizen may start, by id.
    @Sendable func bundles(_ request: Request, context: ServerContext) async throws -> Response {
        let list = engine.library.bundles.sorted { $0.id < $1.id }.map { bundle in
            JSONValue.orderedObject([
                ("id", .string(bundle.id)), ("version", .string(bundle.version)),
                ("name", .object(["zh": .string(bundle.name.zh), "en": .string(bundle.name.en)])),
            ])
        }
        return .json(.object(["bundles": .list(list)]))
    }

    /// A bundle compiled for the situation answers in the query (`?situation=choice&…`): the
    /// notice, form and checklist the kiosk shows (docs/compiled-bundle.md).
    @Sendable func compiled(_ request: Request, context: ServerContext) async throws -> Response {
        let id = try context.parameters.require("bundle")
        guard let bundle = engine.library.bundle(id) else {
            throw Problem(
                .notFound, code: "unknown-bundle",
                title: LocalizedText(zh: "没有事项包 \(id)", en: "no bundle \(id)"))
        }
        var answers: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { answers[String(key)] = String(value) }
        let result = BundleCompiler(catalog: engine.library.catalog).compile(bundle, answers: answers)
        guard let compiled = result.compiled else {
            let first = result.diagnostics.first { $0.severity == .error }
            throw Problem.invalidRequest(first?.message ?? "the answers do not fit the bundle")
        }
        return .json(compiled.jsonValue)
    }

    /// Submits an application for the citizen at the kiosk; the `Idempotency-Key` makes a retry
    /// return the first receipt.
    @Sendable func submit(_ request: Request, context: ServerContext) async throws -> Response {
        let caller = try context.requireIdentity()
        let key = try IdempotencyKeys.key(of: request, caller: caller)
        let body = try await request.body.collect(upTo: ServerLimits.maximumBodyBytes)
        var application: SubmittedApplication
        do throws(ApplicationFileError) {
            application = try SubmittedApplication(json: Array(body.readableBytesView), name: "request body")
        } catch {
            throw Problem.invalidRequest("\(error.place): \(error.message)")
        }
        let header = key.dropFirst(caller.idempotencyScope.count)
        guard application.idempotencyKey.isEmpty || application.idempotencyKey == header else {
            throw Problem.invalidRequest("the body's idempotencyKey differs from the Idempotency-Key header")
        }
        application.idempotencyKey = key
        application.channel = Channel(kind: .kiosk, id: caller.id)
        let submitted = application
        let receipt = try await keys.exclusively(key) { try await engine.submit(submitted) }
        return try .json(receipt, status: .created)
    }

    /// A receipt again, for the kiosk that submitted the case.
    @Sendable func receipt(_ request: Request, context: ServerContext) async throws -> Response {
        let caller = try context.requireIdentity()
        let number = try context.parameters.require("number")
        guard let record = try await engine.repository.caseRecord(number),
            record.channel == Channel(kind: .kiosk, id: caller.id)
        else { throw CaseEngineError.unknownCase(number) }
        return try .json(try await engine.receipt(for: number))
    }

    struct ProgressQuery: Decodable {
        var caseNumber: String
        var queryCode: String
    }

    /// A case's progress for a citizen with its query code; wrong codes lock the case for a while.
    @Sendable func progress(_ request: Request, context: ServerContext) async throws -> Response {
        let query = try await request.decodeSmall(as: ProgressQuery.self, context: context)
        return try .json(
            try await queryGuard.summary(number: query.caseNumber, queryCode: query.queryCode, engine: engine))
    }

    struct SupplyBody: Decodable {
        var queryCode: String
        var materials: [String]
    }

    /// Marks materials an open correction asked for as brought to the kiosk.
    @Sendable func supply(_ request: Request, context: ServerContext) async throws -> Response {
        let caller = try context.requireIdentity()
        let number = try context.parameters.require("number")
        let body = try await request.decodeSmall(as: SupplyBody.self, context: context)
        _ = try await queryGuard.summary(number: number, queryCode: body.queryCode, engine: engine)
        let summary = try await engine.supply(
            caseNumber: number, materials: body.materials, values: [:], actor: caller.principal)
        return try .json(summary)
    }

    struct RatingBody: Decodable {
        var queryCode: String
        var grade: Int
    }

    /// Records the citizen's rating of a case.
    @Sendable func rate(_ request: Request, context: ServerContext) async throws -> Response {
        let caller = try context.requireIdentity()
        let number = try context.parameters.require("number")
        let body = try await request.decodeSmall(as: RatingBody.self, context: context)
        _ = try await queryGuard.summary(number: number, queryCode: body.queryCode, engine: engine)
        try await engine.rate(caseNumber: number, grade: body.grade, actor: caller.principal)
        return Response(status: .noContent)
    }
}

extension Request {
    /// Decodes a small JSON body (a query, a step): at most ``ServerLimits/maximumSmallBodyBytes``.
    func decodeSmall<T: Decodable>(as type: T.Type, context: ServerContext) async throws -> T {
        let body = try await self.body.collect(upTo: ServerLimits.maximumSmallBodyBytes)
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            throw Problem.invalidRequest(Self.describe(error))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "missing '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "'\(path)' has the wrong type"
        case .dataCorrupted: return "the body is not JSON"
        @unknown default: return "the body does not fit"
        }
    }
}

extension Response {
    /// A JSON response from our own JSON value.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: value.serialized(pretty: false))))
    }

    /// A JSON response from an engine view.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
