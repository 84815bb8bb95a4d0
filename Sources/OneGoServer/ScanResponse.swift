import CaseEngine
import HTTPTypes
import Hummingbird

/// A stored scan as an HTTP response, for the department whose sub-case needs it: its media type
/// as sniffed when it was handed in (PDF, JPEG, PNG or TIFF — nothing else is ever stored), never
/// cached, never sniffed again by the browser, and never run as a page of this origin: images in a
/// sandbox, a PDF in the browser's own viewer, TIFF (which browsers do not show) as a download.
enum ScanResponse {
    static func make(_ scan: AttachmentContent, material: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = scan.info.mediaType
        headers[.cacheControl] = "no-store"
        let isImage = scan.info.mediaType == "image/jpeg" || scan.info.mediaType == "image/png"
        headers[.contentSecurityPolicy] =
            isImage ? "sandbox; default-src 'none'; img-src 'self'" : "default-src 'none'; object-src 'self'"
        if let name = HTTPField.Name("X-Content-Type-Options") { headers[name] = "nosniff" }
        if let name = HTTPField.Name("Referrer-Policy") { headers[name] = "no-referrer" }
        let disposition = scan.info.mediaType == "image/tiff" ? "attachment" : "inline"
        // The name is made of the material id (catalog characters) and the digest, never of input.
        let safe = material.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
        headers[.contentDisposition] =
            "\(disposition); filename=\"\(safe)-\(scan.info.sha256.prefix(12)).\(extensionName(scan.info.mediaType))\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: scan.bytes)))
    }

    private static func extensionName(_ mediaType: String) -> String {
        switch mediaType {
        case "application/pdf": return "pdf"
        case "image/jpeg": return "jpg"
        case "image/png": return "png"
        default: return "tif"
        }
    }
}
