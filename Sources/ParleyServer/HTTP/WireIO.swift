import Foundation
import Hummingbird
import NIOCore
import ParleyAPI
import ParleyCore

/// Reading request bodies and writing responses, the same way for every route.
enum WireIO {
    static let jsonContentType = "application/json; charset=utf-8"

    /// A JSON response with the given status.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try ParleyJSON.encoder().encode(value)
        return Response(
            status: status,
            headers: [.contentType: jsonContentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// An empty response (`Content-Length: 0`).
    static func empty(_ status: HTTPResponse.Status) -> Response {
        Response(status: status, body: ResponseBody(byteBuffer: ByteBuffer()))
    }

    /// The collected body, capped at `limit` bytes (413 above).
    static func body(of request: inout Request, limit: Int) async throws -> Data {
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw ParleyError(.payloadTooLarge, "The request body is larger than \(limit) bytes.")
        }
    }

    /// Decodes a JSON body, or nil when the body is empty. A non-empty body must be JSON
    /// (`application/json` or `application/merge-patch+json`), and must decode as `T`.
    static func decode<T: Decodable>(_ type: T.Type, from request: inout Request, limit: Int) async throws -> T? {
        let data = try await body(of: &request, limit: limit)
        guard !data.isEmpty else { return nil }
        if let contentType = request.headers[.contentType]?.lowercased(),
            !(contentType.hasPrefix("application/json") || contentType.hasPrefix("application/merge-patch+json"))
        {
            throw ParleyError(.unsupportedMediaType, "Content-Type '\(contentType)' is not supported; send application/json.")
        }
        do {
            return try ParleyJSON.decoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw ParleyError(.badRequest, "The request body is not valid: \(describe(error))", target: field(of: error))
        }
    }

    /// Like ``decode(_:from:limit:)``, for contracts that forbid fields they do not define (the
    /// admin API): an unknown field is a 400 naming it, not silently ignored.
    static func decodeStrict<T: Decodable>(_ type: T.Type, allowedFields: Set<String>, from request: inout Request, limit: Int) async throws -> T? {
        guard let value = try await decode(type, from: &request, limit: limit) else { return nil }
        let data = try await body(of: &request, limit: limit)
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            if let unknown = object.keys.sorted().first(where: { !allowedFields.contains($0) }) {
                throw ParleyError(.badRequest, "Unknown field '\(unknown)'.", target: unknown)
            }
        }
        return value
    }

    /// A body the operation cannot do without, or a 400.
    static func required<T>(_ body: T?) throws -> T {
        guard let body else { throw ParleyError(.badRequest, wireCode: "BadRequest", "The request needs a JSON body.") }
        return body
    }

    /// A path parameter, percent-decoded (sync SDK clients encode `:` and `@`, async ones do not).
    static func pathParameter(_ name: String, in context: ParleyRequestContext) throws -> String {
        PercentEncoding.decode(try context.parameters.require(name))
    }

    /// The field a decoding error is about (`participants.0.displayName`), if it names one.
    private static func field(of error: DecodingError) -> String? {
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        @unknown default: path = []
        }
        return path.isEmpty ? nil : path.map(\.stringValue).joined(separator: ".")
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "" : " at '\(path)'"
        }
        switch error {
        case .typeMismatch(let type, let context): return "expected \(type)\(path(context))."
        case .valueNotFound(let type, let context): return "expected \(type)\(path(context)), found null."
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'."
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "malformed JSON." : "\(context.debugDescription)\(path(context))."
        @unknown default: return "malformed JSON."
        }
    }
}
