import BundleKit
import HTTPTypes

/// Wrong sign-ins counted per client address, beside the per-account lockout: that lockout cannot
/// stop tries on accounts that do not exist, and each try is an audit event. After
/// ``maximumFailures`` refusals within ``windowSeconds`` an address is answered 429 at once, before
/// any password is checked or anything is written, until its oldest counted failure ages out.
/// Kept in the server's memory (per process), for at most ``maximumAddresses`` addresses.
actor SignInThrottle {
    static let maximumFailures = 20
    static let windowSeconds: Int64 = 15 * 60
    static let maximumAddresses = 10_000

    private var failures: [String: [Int64]] = [:]

    /// Seconds until the address may try again, or nil when it may now.
    func retryAfter(_ address: String, at time: Int64) -> Int? {
        guard var times = failures[address] else { return nil }
        times.removeAll { $0 <= time - Self.windowSeconds }
        failures[address] = times.isEmpty ? nil : times
        guard times.count >= Self.maximumFailures, let oldest = times.first else { return nil }
        return Int(oldest + Self.windowSeconds - time)
    }

    /// Counts a refused sign-in from the address.
    func failed(_ address: String, at time: Int64) {
        if failures[address] == nil && failures.count >= Self.maximumAddresses {
            // Forget the address whose last failure is oldest: memory stays bounded under a spray.
            if let stalest = failures.min(by: { ($0.value.last ?? 0) < ($1.value.last ?? 0) })?.key {
                failures[stalest] = nil
            }
        }
        failures[address, default: []].append(time)
        if let count = failures[address]?.count, count > Self.maximumFailures {
            failures[address]?.removeFirst(count - Self.maximumFailures)
        }
    }

    static func refusal(retryAfter: Int) -> Problem {
        Problem(
            .tooManyRequests, code: "too-many-sign-ins",
            title: LocalizedText(
                zh: "此处登录失败次数过多，请 \(max(1, (retryAfter + 59) / 60)) 分钟后再试，或请管理员协助",
                en: "too many failed sign-ins from here; try again in \(max(1, (retryAfter + 59) / 60)) minutes,"
                    + " or ask an administrator"),
            retryable: true, retryAfter: retryAfter)
    }
}
