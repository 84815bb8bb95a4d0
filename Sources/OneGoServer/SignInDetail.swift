import Foundation

/// The words of a sign-in event's detail: English, as every audit detail is, and the same said in
/// Chinese for the console's sign-ins page. Written and read in this one place, so the page's
/// translation follows whatever the server records.
enum SignInDetail {
    static let noSuchAccount = "no such account"
    static let accountDisabled = "account disabled"
    static let accountLocked = "account locked"

    static func wrongPassword(_ failures: Int) -> String { "wrong password (\(failures) in a row)" }

    /// Through what and from where: `through console from 10.1.2.3`.
    static func via(_ channel: String, _ context: ServerContext) -> String {
        "through \(channel) from \(context.clientAddress ?? "an unknown address")"
    }

    /// The audit's detail (kept in English, as every event's is) said in Chinese for the page.
    static func chinese(_ detail: String) -> String {
        var text = detail
        if let start = text.range(of: "wrong password ("), let end = text.range(of: " in a row)") {
            text.replaceSubrange(
                start.lowerBound..<end.upperBound, with: "密码错误(连续 \(text[start.upperBound..<end.lowerBound]) 次)")
        }
        for (english, chinese) in [
            (noSuchAccount, "无此账户"), (accountLocked, "账户已锁定"), (accountDisabled, "账户已停用"),
            ("through console", "经控制台"), ("through api", "经接口"), ("from an unknown address", "来自未知地址"),
            ("from ", "来自 "),
        ] {
            text = text.replacingOccurrences(of: english, with: chinese)
        }
        return text
    }
}
