import Foundation
import Hummingbird
import JSONC

extension Request {
    /// Decodes a small JSON body (a query, a step): at most ``ServerLimits/maximumSmallBodyBytes``.
    func decodeSmall<T: Decodable>(as type: T.Type, context: ServerContext) async throws -> T {
        try Self.decode(T.self, from: try await smallBody())
    }

    /// A small body's bytes: at most ``ServerLimits/maximumSmallBodyBytes``.
    func smallBody() async throws -> ByteBuffer {
        try await body.collect(upTo: ServerLimits.maximumSmallBodyBytes)
    }

    /// `?after=` and `?limit=` of a list read a page at a time (50 unless asked; the engine bounds it).
    var page: (after: String?, limit: Int) {
        let parameters = uri.queryParameters
        return (parameters["after"].map(String.init), parameters["limit"].flatMap { Int(String($0)) } ?? 50)
    }

    /// The query's parameters by name (the last of a repeated one).
    var queryValues: [String: String] {
        var values: [String: String] = [:]
        for (key, value) in uri.queryParameters { values[String(key)] = String(value) }
        return values
    }

    /// Decodes JSON, answering `invalid-request` with what does not fit; an empty body is `{}`.
    static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws -> T {
        let data = body.readableBytes == 0 ? Data("{}".utf8) : Data(body.readableBytesView)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Problem.invalidRequest(describe(error))
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
