/// When a failed delivery is tried again: Standard Webhooks' schedule — at once, then after 5 s,
/// 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h (about 75 hours in all) — each delay
/// stretched or shrunk by up to ``jitter`` so that a receiver back from an outage is not hit by
/// every retry at the same instant.
public struct RetrySchedule: Sendable, Equatable {
    /// The standard schedule.
    public static let standard = RetrySchedule(
        delays: [0, 5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400].map { Int64($0) * 1000 })

    /// Milliseconds before each attempt: the first is the first attempt's (0, at once).
    public var delays: [Int64]
    /// The fraction a delay may vary by.
    public var jitter: Double

    /// Creates a schedule.
    public init(delays: [Int64], jitter: Double = 0.1) {
        self.delays = delays
        self.jitter = jitter
    }

    /// How many attempts a delivery gets.
    public var attempts: Int { delays.count }

    /// When attempt `attempts + 1` is due after `attempts` failed ones, at `now` (Unix
    /// milliseconds); nil when the schedule is spent. A `Retry-After` the receiver sent (in
    /// milliseconds, at most a day) replaces the scheduled delay.
    public func next(after attempts: Int, now: Int64, retryAfter: Int64? = nil, random: Double) -> Int64? {
        guard attempts < delays.count else { return nil }
        if let retryAfter { return now + min(max(retryAfter, 0), 86_400_000) }
        let delay = Double(delays[attempts])
        return now + Int64(delay + delay * jitter * (random * 2 - 1))
    }
}
