import BundleKit
import WorkCalendar

/// Checks an application against the bundle compiled for its answers, and reports every problem
/// at once, by field and material (一次性告知).
struct ApplicationValidator {
    let library: BundleLibrary
    let today: CalendarDate
    /// The working-day calendar: a material missing under 容缺 may be promised at most as far ahead
    /// as its items' promised limits.
    let calendar: WorkCalendar
    /// Compiles a bundle for answers (the engine passes its cache).
    let compile: (BundleDefinition, [String: String]) -> CompilationResult

    /// The compiled bundle when the application is valid; the problems otherwise.
    func validate(_ application: Application) -> Result<(BundleDefinition, CompiledBundle), CaseEngineError> {
        var problems: [ApplicationProblem] = []
        func problem(_ subject: String, _ zh: String, _ en: String) {
            problems.append(ApplicationProblem(subject: subject, message: LocalizedText(zh: zh, en: en)))
        }
        guard let bundle = library.bundle(application.bundle) else {
            problem("bundle", "本机不提供此事项", "This bundle is not offered here.")
            return .failure(.invalidApplication(problems))
        }
        let key = application.idempotencyKey
        if key.isEmpty {
            problem("idempotencyKey", "缺少提交标识", "The submission needs an idempotency key.")
        } else if key.count > Self.maximumKeyLength
            || key.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        {
            problem(
                "idempotencyKey", "提交标识最多 \(Self.maximumKeyLength) 个字符,且不含空格和控制字符",
                "The idempotency key is at most \(Self.maximumKeyLength) characters, without spaces or control characters."
            )
        }
        for situation in bundle.situations where application.answers[situation.id] == nil {
            problem(situation.id, "请回答:\(situation.question.zh)", "Answer: \(situation.question.en)")
        }
        let result = compile(bundle, application.answers)
        guard let compiled = result.compiled else {
            for diagnostic in result.diagnostics where diagnostic.severity == .error {
                problem("answers", "情形回答无效", "A situation answer is not valid: \(diagnostic.message).")
            }
            return .failure(.invalidApplication(problems))
        }
        // Applicant
        let applicant = application.applicant
        let name = applicant.name.trimmed
        if name.count < 2 {
            problem("applicant.name", "请填写申请人姓名", "Enter the applicant's name.")
        } else if name.count > Self.maximumNameLength {
            problem(
                "applicant.name", "姓名最多 \(Self.maximumNameLength) 个字",
                "A name is at most \(Self.maximumNameLength) characters.")
        } else if let issue = FieldValidator.validate(name, type: .personName) {
            problems.append(ApplicationProblem(subject: "applicant.name", message: issue.message))
        }
        for (subject, text) in [
            ("applicant.name", applicant.name), ("applicant.idNumber", applicant.idNumber),
            ("applicant.phone", applicant.phone), ("channel.id", application.channel.id),
        ] where TextSafety.hasControlCharacters(text) {
            problem(subject, "含有不可见的控制字符,请重新输入", "It contains invisible control characters; enter it again.")
        }
        if let issue = FieldValidator.validate(applicant.idNumber, type: .idNumber) {
            problems.append(ApplicationProblem(subject: "applicant.idNumber", message: issue.message))
        } else if let problem = futureBirth(applicant.idNumber, subject: "applicant.idNumber") {
            problems.append(problem)
        }
        if let issue = FieldValidator.validate(applicant.phone, type: .phone) {
            problems.append(ApplicationProblem(subject: "applicant.phone", message: issue.message))
        }
        // Fields
        let answers = application.answers
        let values = application.values
        let form = FormEvaluation(compiled, answers: answers, values: values)
        var asked = Set<String>()
        for field in compiled.fields {
            guard form.isActive(field) else { continue }
            asked.insert(field.element)
            let value = values[field.element]?.trimmed ?? ""
            if value.isEmpty {
                if form.isRequired(field) { problem(field.element, "请填写\(field.label.zh)", "Enter \(field.label.en).") }
                continue
            }
            if TextSafety.hasControlCharacters(value) {
                problem(
                    field.element, "\(field.label.zh):含有不可见的控制字符,请重新输入",
                    "\(field.label.en): it contains invisible control characters; enter it again.")
                continue
            }
            if field.type == .idNumber, FieldValidator.validate(value, type: .idNumber) == nil,
                let problem = futureBirth(value, subject: field.element)
            {
                problems.append(problem)
                continue
            }
            if let issue = FieldValidator.validate(
                value, type: field.type, constraints: field.constraints, today: today.description),
                issue.severity == .error || !application.confirmedWarnings.contains(field.element)
            {
                // A warning is asked once more, the same at the kiosk and the window: the value
                // stands only when the applicant or clerk confirms it as written.
                problems.append(
                    ApplicationProblem(
                        subject: field.element,
                        message: LocalizedText(
                            zh: "\(field.label.zh):\(issue.message.zh)", en: "\(field.label.en): \(issue.message.en)"),
                        confirmable: issue.severity == .warning))
            }
        }
        // The applicant is one of the people the form names by identity (the legal representative
        // applying in person, or the agent): their ID number must be one of those given.
        let identityNumbers = compiled.fields.filter { $0.identity == .idNumber && form.isActive($0) }.compactMap {
            field -> (CompiledField, String)? in
            guard let value = values[field.element], FieldValidator.validate(value, type: .idNumber) == nil else {
                return nil  // already reported as invalid
            }
            return (field, Application.normalizedIDNumber(value.trimmed))
        }
        if let first = identityNumbers.first,
            !identityNumbers.contains(where: { $0.1 == Application.normalizedIDNumber(applicant.idNumber.trimmed) })
        {
            problem(
                first.0.element, "申请人的身份证号与\(first.0.label.zh)不一致,请核对由谁办理",
                "The applicant's ID number differs from the \(first.0.label.en); check who is applying.")
        }
        for element in values.keys.sorted() where !asked.contains(element) {
            problem(element, "此项不属于本次申请", "This field is not part of this application.")
        }
        // Materials
        for material in compiled.materials {
            guard form.isNeeded(material) else { continue }
            switch application.materials[material.material] {
            case .provided:
                continue
            case .sharedData:
                if !material.sharedData {
                    problem(
                        material.material, "\(material.name.zh)无法通过数据共享获取,请提供",
                        "\(material.name.en) cannot come from shared data; provide it.")
                }
            case .missing(let promisedBy):
                if !material.acceptWithGaps {
                    problem(
                        material.material, "请提供\(material.name.zh)", "Provide the \(material.name.en).")
                } else if promisedBy < today {
                    problem(
                        material.material, "\(material.name.zh)的补交日期不能早于今天",
                        "The date to bring the \(material.name.en) cannot be in the past.")
                } else if let latest = GapPromise.latest(for: material, in: compiled, calendar: calendar, today: today),
                    promisedBy > latest
                {
                    problem(
                        material.material, "\(material.name.zh)最晚须在 \(latest) 前补交(所需事项的承诺时限)",
                        "The \(material.name.en) must be brought by \(latest) at the latest (the promised limit of the"
                            + " items that need it).")
                }
            case nil:
                if !material.sharedData {
                    problem(material.material, "请提供\(material.name.zh)", "Provide the \(material.name.en).")
                }
            }
        }
        // A material no item of the bundle asks for, whatever the answers, is a mistake (a typo, another
        // bundle's material); one the answers made unnecessary, or an item of the case makes, is
        // simply not needed.
        let everything = compile(bundle, [:]).compiled ?? compiled
        let known = Set(everything.materials.map(\.material) + everything.producedMaterials.map(\.material))
        for material in application.materials.keys.sorted() where !known.contains(material) {
            problem(material, "此材料不属于本次申请", "This material is not part of this application.")
        }
        for attachment in application.attachments
        where !compiled.materials.contains(where: { $0.material == attachment.material }) {
            problem(attachment.material, "附件不属于本次申请的材料", "The attachment is not for a material of this application.")
        }
        return problems.isEmpty ? .success((bundle, compiled)) : .failure(.invalidApplication(problems))
    }

    /// The longest idempotency key accepted, in characters.
    static let maximumKeyLength = 255
    /// The longest person's name accepted, in characters (a second-generation ID card holds 15
    /// Chinese characters; transliterated names run longer).
    static let maximumNameLength = 50

    /// A problem when a valid ID number's birth date (GB 11643: digits 7–14) lies after today.
    private func futureBirth(_ idNumber: String, subject: String) -> ApplicationProblem? {
        let digits = Array(idNumber.trimmed.utf8)
        guard digits.count == 18,
            let birth = CalendarDate(
                String(decoding: digits[6..<10], as: UTF8.self) + "-" + String(decoding: digits[10..<12], as: UTF8.self)
                    + "-" + String(decoding: digits[12..<14], as: UTF8.self)),
            birth > today
        else { return nil }
        return ApplicationProblem(
            subject: subject,
            message: LocalizedText(
                zh: "身份证号中的出生日期晚于今天,请核对", en: "The birth date in the ID number is after today; check it."))
    }
}

/// How far ahead a material missing under 容缺 may be promised: "the supplement deadline may not
/// exceed the item's promised time limit" (REFERENCE.md §1.6). The kiosk, the window and the
/// engine's validator ask the same question here.
public enum GapPromise {
    /// The last day a missing material may be promised for: `today` plus the shortest promised limit
    /// of the items that need it, in working days; `nil` when no item of the plan needs it.
    public static func latest(
        for material: CompiledMaterial, in compiled: CompiledBundle, calendar: WorkCalendar, today: CalendarDate
    ) -> CalendarDate? {
        let limits = compiled.subcases.filter { material.items.contains($0.item) }.map(\.promisedDays)
        guard let shortest = limits.min() else { return nil }
        return calendar.deadline(acceptedOn: today, workingDays: shortest).date
    }
}

/// Text that must not reach a screen as it is: control characters (C0, DEL, C1), the bidirectional
/// overrides and isolates that reorder what a terminal or browser shows, and zero-width characters
/// that hide inside names.
enum TextSafety {
    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            let value = scalar.value
            return value < 0x20 || (0x7F...0x9F).contains(value) || (0x202A...0x202E).contains(value)
                || (0x2066...0x2069).contains(value) || (0x200B...0x200F).contains(value) || value == 0x2060
                || value == 0xFEFF
        }
    }
}

extension String {
    /// The text without leading and trailing white space, as the validators see it.
    var trimmed: String { trimmingWhitespace }
}
