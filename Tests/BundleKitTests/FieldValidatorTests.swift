import BundleKit
import Testing

@Suite("Field validators")
struct FieldValidatorTests {
    @Test(
        "ID numbers from GB 11643 test vectors",
        arguments: [
            ("11010519491231002X", nil),
            ("440524188001010014", nil),
            ("370101190102039973", nil),
            ("11010519491231002x", nil),
            ("340524198001010013", "身份证号校验位不正确,请核对后重新输入"),
            ("34052419800101001", "身份证号应为 18 位,最后一位可以是 X,请核对后重新输入"),
            ("340524198002300013", "身份证号中的出生日期不正确,请核对后重新输入"),
        ] as [(String, String?)])
    func idNumbers(value: String, message: String?) {
        #expect(FieldValidator.validate(value, type: .idNumber)?.message.zh == message)
    }

    @Test(
        "credit codes from GB 32100 test vectors; a failed check is only a warning",
        arguments: [
            ("91512081MA62K0260E", nil),
            ("11320000MB151840XJ", nil),
            ("9131000063159284XQ", nil),
            ("91350100M000100Y4Z", Severity.warning),
            ("91350211M0000XUF46", Severity.warning),
            ("91350100M000100Y4", Severity.error),
            ("91350100M000100YIZ", Severity.error),
        ] as [(String, Severity?)])
    func creditCodes(value: String, severity: Severity?) {
        #expect(FieldValidator.validate(value, type: .creditCode)?.severity == severity)
    }

    @Test("the check character of the standard's worked example is 3")
    func creditCodeCheckCharacter() async {
        #expect(CreditCode.checkCharacter(for: "91350100M000100Y4") == "3")
    }

    @Test(
        "mobile numbers, dates and division codes",
        arguments: [
            ("13812345678", ElementType.phone, true),
            ("12812345678", .phone, false),
            ("1381234567", .phone, false),
            ("2024-02-29", .date, true),
            ("2025-02-29", .date, false),
            ("2026-13-01", .date, false),
            ("410502", .divisionCode, true),
            ("990502", .divisionCode, false),
            ("12", .integer, true),
            ("1.5", .integer, false),
            ("1.5", .decimal, true),
        ])
    func formats(value: String, type: ElementType, valid: Bool) {
        #expect((FieldValidator.validate(value, type: type) == nil) == valid)
    }

    @Test("merged limits are enforced with a message in both languages")
    func constraints() async throws {
        let problem = try #require(
            FieldValidator.validate("3", type: .decimal, constraints: FieldConstraints(minimum: 5, maximum: 12)))
        #expect(problem.message == LocalizedText(zh: "不能小于 5", en: "Enter 5 or more."))
        #expect(FieldValidator.validate("八个字的公司名称", type: .text, constraints: FieldConstraints(maxLength: 8)) == nil)
    }

    @Test("ID numbers are masked as first 6, eight stars, last 4")
    func masking() async {
        #expect(IDNumber.masked("11010519491231002X") == "110105********002X")
    }

    @Test("names are Chinese characters (with ·) or Latin letters, not mixed, 2 to 30 long (issue 16.7)")
    func names() {
        for valid in ["张三", "阿沛·阿旺晋美", "Zhang San", "Mary-Jane O'Neil"] {
            #expect(FieldValidator.validate(valid, type: .personName) == nil, "\(valid)")
        }
        #expect(FieldValidator.validate("张A", type: .personName)?.code == "person-name")
        #expect(FieldValidator.validate("张三3", type: .personName)?.code == "person-name")
        #expect(FieldValidator.validate(String(repeating: "张", count: 134), type: .personName)?.code == "name-length")
        #expect(FieldValidator.validate("张小明", type: .chineseName) == nil)
        #expect(FieldValidator.validate("Zhang Xiaoming", type: .chineseName)?.code == "chinese-name")
        #expect(
            FieldValidator.validate("张Xiao", type: .chineseName)?.message.zh == "姓名只能使用汉字(少数民族姓名各部分之间可用 ·)")
    }

    @Test("bank card numbers: 12 to 19 digits; a failed Luhn check is a warning the citizen can confirm (issue 16.7)")
    func bankCards() {
        #expect(FieldValidator.validate("6222020200112233446", type: .bankCard) == nil)
        #expect(FieldValidator.validate("6222 0202 0011 2233 446", type: .bankCard) == nil)
        let luhn = FieldValidator.validate("6222020200112233445", type: .bankCard)
        #expect(luhn?.code == "bank-card-check-digit" && luhn?.severity == .warning)
        #expect(FieldValidator.validate("62220202", type: .bankCard)?.code == "bank-card-format")
        #expect(FieldValidator.validate("6222abcd00112233446", type: .bankCard)?.severity == .error)
    }

    @Test("a past date is refused when after today; without a today only its form is checked")
    func pastDates() {
        #expect(FieldValidator.validate("2026-11-23", type: .pastDate, today: "2026-11-23") == nil)
        #expect(
            FieldValidator.validate("2026-11-24", type: .pastDate, today: "2026-11-23")?.message.en
                == "The date cannot be after today (2026-11-23); check it.")
        #expect(FieldValidator.validate("2026-11-24", type: .pastDate) == nil)
        #expect(FieldValidator.validate("2026-02-30", type: .pastDate, today: "2026-11-23")?.code == "date")
    }
}
