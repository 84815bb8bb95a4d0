import CaseEngine
import Foundation
import Hummingbird

/// Request counts and durations by route template and status, in Prometheus' text format at
/// `/metrics`. Labels are route templates (`/v1/cases/{number}/receipt`), never paths, so no case
/// number or other personal data reaches a metrics store.
final class ServerMetrics: @unchecked Sendable {
    private struct Key: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private let lock = NSLock()
    private var counts: [Key: Int] = [:]
    private var seconds: [Key: Double] = [:]
    private var webhookAttempts: [String: Int] = [:]
    private let started = Date()

    /// Counts a webhook attempt by what became of it.
    func recordWebhook(_ result: DeliveryOutcome.Result) {
        let name: String
        switch result {
        case .delivered: name = "delivered"
        case .retry: name = "retry"
        case .dead: name = "dead"
        case .endpointGone: name = "gone"
        }
        lock.withLock { webhookAttempts[name, default: 0] += 1 }
    }

    func record(method: String, route: String, status: Int, duration: Double) {
        let key = Key(method: method, route: route, status: status)
        lock.withLock {
            counts[key, default: 0] += 1
            seconds[key, default: 0] += duration
        }
    }

    /// The exposition text.
    func text() -> String {
        let (counts, seconds, attempts) = lock.withLock { (self.counts, self.seconds, self.webhookAttempts) }
        var lines = [
            "# HELP onego_http_requests_total HTTP requests answered, by method, route and status.",
            "# TYPE onego_http_requests_total counter",
        ]
        let keys = counts.keys.sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
        for key in keys {
            lines.append("onego_http_requests_total{\(labels(key))} \(counts[key] ?? 0)")
        }
        lines += [
            "# HELP onego_http_request_seconds_total Time spent answering HTTP requests.",
            "# TYPE onego_http_request_seconds_total counter",
        ]
        for key in keys {
            lines.append("onego_http_request_seconds_total{\(labels(key))} \(seconds[key] ?? 0)")
        }
        lines += [
            "# HELP onego_webhook_attempts_total Webhook deliveries attempted by this server, by outcome.",
            "# TYPE onego_webhook_attempts_total counter",
        ]
        for name in ["delivered", "retry", "dead", "gone"] {
            lines.append("onego_webhook_attempts_total{outcome=\"\(name)\"} \(attempts[name] ?? 0)")
        }
        lines += [
            "# HELP onego_uptime_seconds Seconds since the server started.",
            "# TYPE onego_uptime_seconds gauge",
            "onego_uptime_seconds \(Int(Date().timeIntervalSince(started)))",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    private func labels(_ key: Key) -> String {
        "method=\"\(key.method)\",route=\"\(escaped(key.route))\",status=\"\(key.status)\""
    }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Counts every answered request in ``ServerMetrics`` (after problems are rendered).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let response = try await next(request, context)
        let duration = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        metrics.record(
            method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
            status: Int(response.status.code), duration: duration)
        return response
    }
}
