import Foundation

/// A value a field does not accept, with the message a citizen or clerk reads.
public struct ValidationProblem: Sendable, Equatable {
    /// A stable code, e.g. `id-number-check-digit`.
    public var code: String
    /// `.error` blocks the value; `.warning` may be overridden by staff (a credit code whose
    /// check character fails: real codes exist that fail it).
    public var severity: Severity
    /// What to do, in both languages.
    public var message: LocalizedText
    /// The values the message names (a length, a limit), for front ends that word it themselves.
    public var arguments: [String] = []
}

/// Checks one form value against its element type and merged constraints.
///
/// ```swift
/// FieldValidator.validate("11010519491231002X", type: .idNumber)  // nil: valid
/// ```
public enum FieldValidator {
    /// The problem with `value`, or `nil` when it is acceptable.
    /// `today` (`YYYY-MM-DD`) is checked against by `pastDate`; without it only the form is.
    public static func validate(
        _ value: String,
        type: ElementType,
        constraints: FieldConstraints = FieldConstraints(),
        today: String? = nil
    ) -> ValidationProblem? {
        let trimmed = value.trimmingWhitespace
        if let problem = validateType(trimmed, type: type) { return problem }
        if type == .pastDate, let today, trimmed > today {
            return problem(
                "date-in-future", "日期不能晚于今天(\(today)),请核对", "The date cannot be after today (\(today)); check it.",
                arguments: [today])
        }
        return validateConstraints(trimmed, type: type, constraints: constraints)
    }

    private static func problem(
        _ code: String, _ zh: String, _ en: String, _ severity: Severity = .error, arguments: [String] = []
    ) -> ValidationProblem {
        ValidationProblem(code: code, severity: severity, message: LocalizedText(zh: zh, en: en), arguments: arguments)
    }

    private static func validateType(_ value: String, type: ElementType) -> ValidationProblem? {
        switch type {
        case .text, .choice:
            return nil
        case .integer:
            return Int64(value) == nil ? problem("integer", "请输入整数", "Enter a whole number.") : nil
        case .decimal:
            let isNumber =
                Double(value) != nil && value.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }
            return isNumber ? nil : problem("decimal", "请输入数字", "Enter a number.")
        case .boolean:
            return ["true", "false"].contains(value) ? nil : problem("boolean", "请选择是或否", "Choose yes or no.")
        case .date, .pastDate:
            return isRealDate(value)
                ? nil
                : problem(
                    "date", "请按 年-月-日 格式输入日期,例如 2026-03-01", "Enter a date as YYYY-MM-DD, for example 2026-03-01.")
        case .idNumber:
            return validateIDNumber(value)
        case .creditCode:
            return validateCreditCode(value)
        case .phone:
            let digits = Array(value.utf8)
            let valid =
                digits.count == 11 && digits.allSatisfy(isDigit) && digits[0] == UInt8(ascii: "1")
                && (UInt8(ascii: "3")...UInt8(ascii: "9")).contains(digits[1])
            return valid
                ? nil
                : problem(
                    "phone", "手机号码应为 1 开头的 11 位数字,请核对后重新输入",
                    "A mobile number has 11 digits and starts with 1; check it and enter it again.")
        case .personName, .chineseName:
            return validateName(value, chineseOnly: type == .chineseName)
        case .bankCard:
            return validateBankCard(value)
        case .divisionCode:
            let digits = Array(value)
            let valid =
                digits.count == 6 && digits.allSatisfy { $0.isASCII && $0.isNumber }
                && (11...82).contains(Int(String(digits[0...1])) ?? 0)
            return valid ? nil : problem("division-code", "行政区划代码应为 6 位数字", "A division code has 6 digits.")
        }
    }

    /// Chinese characters (CJK ideographs) and the middle dot, or Latin letters with spaces,
    /// hyphens and apostrophes, not mixed; 2 to 30 characters.
    static func validateName(_ value: String, chineseOnly: Bool) -> ValidationProblem? {
        func isHan(_ scalar: Unicode.Scalar) -> Bool {
            (0x3400...0x4DBF).contains(scalar.value) || (0x4E00...0x9FFF).contains(scalar.value)
                || (0x20000...0x2FA1F).contains(scalar.value) || scalar == "·" || scalar == "・"
        }
        func isLatin(_ scalar: Unicode.Scalar) -> Bool {
            (scalar.isASCII && (CharacterSet.letters.contains(scalar) || " -'".unicodeScalars.contains(scalar)))
                || ("À"..."ɏ").contains(scalar)
        }
        let scalars = value.unicodeScalars
        let han = scalars.allSatisfy(isHan)
        let latin = !chineseOnly && scalars.allSatisfy(isLatin) && scalars.contains { $0 != " " }
        guard han || latin else {
            return chineseOnly
                ? problem(
                    "chinese-name", "姓名只能使用汉字(少数民族姓名各部分之间可用 ·)",
                    "The name is written in Chinese characters only (a · may separate the parts of a minority name).")
                : problem(
                    "person-name", "姓名只能是汉字(可含 ·)或外文字母,不能混用,也不能含数字或符号",
                    "A name is Chinese characters (with ·) or Latin letters, not both, and no digits or symbols.")
        }
        let length = value.count
        guard (2...30).contains(length) else {
            return problem(
                "name-length", "姓名应为 2 至 30 个字", "A name has 2 to 30 characters.", arguments: ["2", "30"])
        }
        return nil
    }

    /// 12 to 19 digits (spaces allowed between groups); the Luhn check is a warning, as some
    /// older cards do not carry it.
    static func validateBankCard(_ value: String) -> ValidationProblem? {
        let digits = value.filter { $0 != " " }
        guard (12...19).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return problem(
                "bank-card-format", "银行卡号应为 12 至 19 位数字,请核对后重新输入",
                "A bank card number has 12 to 19 digits; check it and enter it again.")
        }
        var sum = 0
        for (index, character) in digits.reversed().enumerated() {
            var digit = Int(String(character)) ?? 0
            if index % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        guard sum % 10 == 0 else {
            return problem(
                "bank-card-check-digit", "银行卡号校验位不符,请核对卡号;确认无误可继续",
                "The card number fails its check digit; check it, and confirm it if it is as on the card.", .warning)
        }
        return nil
    }

    private static func validateIDNumber(_ value: String) -> ValidationProblem? {
        if let ascii = asciiBytes(value) { return validateIDNumber(ascii: ascii) }
        let characters = Array(value.uppercased())
        guard characters.count == 18,
            characters.prefix(17).allSatisfy({ $0.isASCII && $0.isNumber }),
            characters[17].isNumber || characters[17] == "X"
        else {
            return problem(
                "id-number-format", "身份证号应为 18 位,最后一位可以是 X,请核对后重新输入",
                "An ID number has 18 characters, the last may be X; check it and enter it again.")
        }
        let birth = String(characters[6..<14])
        let date = "\(birth.prefix(4))-\(birth.dropFirst(4).prefix(2))-\(birth.suffix(2))"
        guard isRealDate(date), (1800...2100).contains(Int(birth.prefix(4)) ?? 0) else {
            return problem(
                "id-number-birth-date", "身份证号中的出生日期不正确,请核对后重新输入",
                "The birth date inside the ID number is not a real date; check it and enter it again.")
        }
        guard IDNumber.checkCharacter(for: String(characters.prefix(17))) == characters[17] else {
            return problem(
                "id-number-check-digit", "身份证号校验位不正确,请核对后重新输入",
                "The ID number's check digit is wrong; check it and enter it again.")
        }
        return nil
    }

    /// The ID number checks on ASCII bytes (what a keyboard or card reader gives): the same answers
    /// as on characters, without building them; submissions check an ID number every time.
    private static func validateIDNumber(ascii bytes: [UInt8]) -> ValidationProblem? {
        let last = bytes.last.map(uppercased)
        guard bytes.count == 18, bytes.prefix(17).allSatisfy(isDigit), let last, isDigit(last) || last == 0x58
        else {
            return problem(
                "id-number-format", "身份证号应为 18 位,最后一位可以是 X,请核对后重新输入",
                "An ID number has 18 characters, the last may be X; check it and enter it again.")
        }
        func number(_ range: Range<Int>) -> Int { bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        let year = number(6..<10)
        let month = number(10..<12)
        let day = number(12..<14)
        guard (1800...2100).contains(year), (1...12).contains(month), (1...daysIn(month, of: year)).contains(day)
        else {
            return problem(
                "id-number-birth-date", "身份证号中的出生日期不正确,请核对后重新输入",
                "The birth date inside the ID number is not a real date; check it and enter it again.")
        }
        guard IDNumber.checkByte(for: bytes.prefix(17)) == last else {
            return problem(
                "id-number-check-digit", "身份证号校验位不正确,请核对后重新输入",
                "The ID number's check digit is wrong; check it and enter it again.")
        }
        return nil
    }

    /// The credit code checks on ASCII bytes; the same answers as on characters.
    private static func validateCreditCode(ascii bytes: [UInt8]) -> ValidationProblem? {
        let code = bytes.map(uppercased)
        guard code.count == 18, code.prefix(17).allSatisfy({ CreditCode.value(of: $0) != nil }),
            isDigit(code[17]) || (0x41...0x5A).contains(code[17])
        else {
            return problem(
                "credit-code-format", "统一社会信用代码应为 18 位数字或大写字母(不含 I、O、Z、S、V)",
                "A unified social credit code has 18 digits or capital letters (no I, O, Z, S or V).")
        }
        guard CreditCode.checkByte(for: code.prefix(17)) == code[17] else {
            return problem(
                "credit-code-check", "统一社会信用代码校验位不符,请核对;确属有效代码的由工作人员确认",
                "The credit code's check character does not match; check it, or have staff confirm a genuine code.",
                .warning)
        }
        return nil
    }

    /// The string's bytes if it is all ASCII.
    private static func asciiBytes(_ value: String) -> [UInt8]? {
        value.utf8.allSatisfy { $0 < 0x80 } ? Array(value.utf8) : nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    private static func uppercased(_ byte: UInt8) -> UInt8 { (0x61...0x7A).contains(byte) ? byte - 0x20 : byte }

    private static func daysIn(_ month: Int, of year: Int) -> Int {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    private static func validateCreditCode(_ value: String) -> ValidationProblem? {
        if let ascii = asciiBytes(value) { return validateCreditCode(ascii: ascii) }
        let characters = Array(value.uppercased())
        guard characters.count == 18, characters.prefix(17).allSatisfy({ CreditCode.alphabet.contains($0) }),
            characters[17].isASCII, characters[17].isLetter || characters[17].isNumber
        else {
            return problem(
                "credit-code-format", "统一社会信用代码应为 18 位数字或大写字母(不含 I、O、Z、S、V)",
                "A unified social credit code has 18 digits or capital letters (no I, O, Z, S or V).")
        }
        guard CreditCode.checkCharacter(for: String(characters.prefix(17))) == characters[17] else {
            return problem(
                "credit-code-check", "统一社会信用代码校验位不符,请核对;确属有效代码的由工作人员确认",
                "The credit code's check character does not match; check it, or have staff confirm a genuine code.",
                .warning)
        }
        return nil
    }

    private static func validateConstraints(
        _ value: String, type: ElementType, constraints: FieldConstraints
    )
        -> ValidationProblem?
    {
        let length = value.characterCount
        if let minimum = constraints.minLength, length < minimum {
            return problem(
                "min-length", "至少输入 \(minimum) 个字", "Enter at least \(minimum) characters.",
                arguments: [String(minimum)])
        }
        if let maximum = constraints.maxLength, length > maximum {
            return problem(
                "max-length", "最多输入 \(maximum) 个字", "Enter at most \(maximum) characters.", arguments: [String(maximum)]
            )
        }
        if type.isNumeric, let number = Double(value) {
            if let minimum = constraints.minimum, number < minimum {
                let text = ConditionLiteral.number(minimum).source
                return problem("minimum", "不能小于 \(text)", "Enter \(text) or more.", arguments: [text])
            }
            if let maximum = constraints.maximum, number > maximum {
                let text = ConditionLiteral.number(maximum).source
                return problem("maximum", "不能大于 \(text)", "Enter \(text) or less.", arguments: [text])
            }
        }
        if type == .choice, let choices = constraints.choices, !choices.contains(value) {
            return problem("choice", "请从列出的选项中选择", "Choose one of the listed options.")
        }
        return nil
    }

    /// Whether `value` is a real calendar date written `YYYY-MM-DD`.
    public static func isRealDate(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month)
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...lengths[month - 1]).contains(day)
    }
}

extension String {
    /// Whether the first and last bytes are visible ASCII: then there is nothing to trim (the common
    /// case, checked without walking the text).
    var hasNoOuterWhitespace: Bool {
        guard let first = utf8.first, let last = utf8.last else { return false }
        return first > 0x20 && first < 0x7F && last > 0x20 && last < 0x7F
    }

    /// The number of characters; ASCII text is counted by its bytes.
    var characterCount: Int {
        let asciiCount = utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            for byte in bytes where byte >= 0x80 { return nil }
            return bytes.count
        }
        return (asciiCount ?? nil) ?? count
    }

    /// The text without leading and trailing white space (what validation checks and stores).
    public var trimmingWhitespace: String {
        if hasNoOuterWhitespace { return self }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
