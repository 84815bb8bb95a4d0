import BundleKit
import WorkCalendar

/// Checks an application against the bundle compiled for its answers, and reports every problem
/// at once, by field and material (一次性告知).
struct ApplicationValidator {
    let library: BundleLibrary
    let today: CalendarDate
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
        if application.idempotencyKey.isEmpty {
            problem("idempotencyKey", "缺少提交标识", "The submission needs an idempotency key.")
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
        if applicant.name.trimmed.count < 2 {
            problem("applicant.name", "请填写申请人姓名", "Enter the applicant's name.")
        }
        if let issue = FieldValidator.validate(applicant.idNumber, type: .idNumber) {
            problems.append(ApplicationProblem(subject: "applicant.idNumber", message: issue.message))
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
            if let issue = FieldValidator.validate(value, type: field.type, constraints: field.constraints),
                issue.severity == .error
            {
                problems.append(
                    ApplicationProblem(
                        subject: field.element,
                        message: LocalizedText(
                            zh: "\(field.label.zh):\(issue.message.zh)", en: "\(field.label.en): \(issue.message.en)")))
            }
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
                }
            case nil:
                if !material.sharedData {
                    problem(material.material, "请提供\(material.name.zh)", "Provide the \(material.name.en).")
                }
            }
        }
        for attachment in application.attachments
        where !compiled.materials.contains(where: { $0.material == attachment.material }) {
            problem(attachment.material, "附件不属于本次申请的材料", "The attachment is not for a material of this application.")
        }
        return problems.isEmpty ? .success((bundle, compiled)) : .failure(.invalidApplication(problems))
    }
}

extension String {
    /// The text without leading and trailing white space, as the validators see it.
    var trimmed: String { trimmingWhitespace }
}
