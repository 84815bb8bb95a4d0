import BundleKit
import CaseEngine
import Foundation
import Hummingbird
import WorkCalendar

/// Intake at the window (帮办代办): pick a bundle, answer its situation questions, fill the combined
/// form the compiled bundle asks (each field once), tick the materials (provided, from shared data,
/// or missing under 容缺 with the promised day), and submit for the citizen. The engine validates
/// exactly as for the kiosk; its messages stand next to the fields. The staff member is the channel.
struct IntakePages {
    let engine: CaseEngine
    let session: ConsoleSession

    /// `GET /console/intake`: the bundles.
    @Sendable func bundles(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: [.window])
        let l = viewer.language
        let rows = engine.library.bundles.sorted { $0.id < $1.id }.map { bundle -> HTML in
            "<li><a href=\"/console/intake/\(bundle.id)\">\(l(bundle.name))</a> <span class=\"muted\">\(bundle.id)</span></li>"
        }
        return ConsolePage.render(
            l("受理申请", "Take an application"), body: "<ul id=\"bundles\">\(rows)</ul>", viewer: viewer, language: l)
    }

    /// The answers in a request (`a.SITUATION=CHOICE`, from the query or the form).
    static func answers(_ pairs: [String: String]) -> [String: String] {
        var answers: [String: String] = [:]
        for (key, value) in pairs where key.hasPrefix("a.") && !value.isEmpty {
            answers[String(key.dropFirst(2))] = value
        }
        return answers
    }

    /// A bundle compiled for the answers given so far.
    private func compile(_ id: String, answers: [String: String]) throws -> (BundleDefinition, CompiledBundle) {
        guard let bundle = engine.library.bundle(id) else { throw Problem.unknownBundle(id) }
        guard let compiled = BundleCompiler(catalog: engine.library.catalog).compile(bundle, answers: answers).compiled
        else {
            throw Problem(
                .unprocessableContent, code: "invalid-answers",
                title: LocalizedText(zh: "情形选择无效;请重新选择", en: "these answers do not fit the bundle; choose again"))
        }
        return (bundle, compiled)
    }

    /// `GET /console/intake/{bundle}?a.…`: the questions still open, then the form.
    @Sendable func form(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: [.window])
        return try render(
            try context.parameters.require("bundle"), answers: Self.answers(request.queryValues), entered: [:],
            problems: [], viewer: viewer)
    }

    private func render(
        _ id: String, answers: [String: String], entered: [String: String], problems: [ApplicationProblem],
        viewer: ConsoleViewer
    ) throws -> Response {
        let l = viewer.language
        let (bundle, compiled) = try compile(id, answers: answers)
        let kept = HTML(
            answers.sorted { $0.key < $1.key }.map {
                "<input type=\"hidden\" name=\"a.\($0.key)\" value=\"\($0.value)\">"
            })
        if !compiled.openSituations.isEmpty {
            let questions = compiled.openSituations.map { situation -> HTML in
                let choices = situation.choices.map { choice -> HTML in
                    "<label><input type=\"radio\" name=\"a.\(situation.id)\" value=\"\(choice.value)\" required> \(l(choice.label))</label> "
                }
                return "<fieldset><legend>\(l(situation.question))</legend>\(choices)</fieldset>"
            }
            let body: HTML = """
                <form method="get" action="/console/intake/\(id)" id="situations">\(kept)\(questions)
                <p><button type="submit">\(l("下一步", "Next"))</button></p></form>
                """
            return ConsolePage.render(l(bundle.name), body: body, viewer: viewer, language: l)
        }
        let byField = Dictionary(grouping: problems, by: \.subject)
        func errors(_ subject: String) -> HTML {
            HTML((byField[subject] ?? []).map { "<span class=\"field-error\" role=\"alert\">\(l($0.message))</span>" })
        }
        let fields = compiled.fields.filter { $0.applicant == nil }.map { field -> HTML in
            let name = "v.\(field.element)"
            let input: HTML
            if field.choices.isEmpty {
                input =
                    "<input type=\"text\" id=\"\(name)\" name=\"\(name)\" value=\"\(entered[name] ?? "")\"\(field.required ? " required" : "" as HTML)>"
            } else {
                let options = field.choices.map { choice -> HTML in
                    "<option value=\"\(choice.value)\"\(entered[name] == choice.value ? " selected" : "" as HTML)>\(l(choice.label))</option>"
                }
                input = "<select id=\"\(name)\" name=\"\(name)\"><option value=\"\"></option>\(options)</select>"
            }
            return """
                <div class="field"><label for="\(name)">\(l(field.label))\(field.required ? " *" : "")</label>\(input)
                \(field.hint.map { "<span class=\"muted\">\(l($0))</span>" as HTML } ?? .empty)\(errors(field.element))</div>
                """
        }
        let materials = compiled.materials.map { material -> HTML in
            let name = "m.\(material.material)"
            let chosen = entered[name] ?? (material.sharedData ? "shared" : "provided")
            var options: [(String, String)] = [("provided", l("已收取", "handed in"))]
            if material.sharedData { options.append(("shared", l("共享获取(免提交)", "from shared data"))) }
            if material.acceptWithGaps { options.append(("missing", l("容缺(承诺补交)", "missing, promised (容缺)"))) }
            let select = HTML(
                options.map { value, label in
                    "<option value=\"\(value)\"\(chosen == value ? " selected" : "" as HTML)>\(label)</option>"
                })
            let promise: HTML =
                material.acceptWithGaps
                ? " \(l("承诺补交日期", "promised by")) <input type=\"text\" name=\"d.\(material.material)\" value=\"\(entered["d.\(material.material)"] ?? "")\" placeholder=\"YYYY-MM-DD\">"
                : .empty
            return """
                <tr><td>\(l(material.name))</td><td>\(Self.form(material.form, l))</td><td>\(material.copies)</td><td><select name="\(name)">\(select)</select>\(promise)\(errors(material.material))</td></tr>
                """
        }
        let confirmable = problems.filter(\.confirmable).map { problem -> HTML in
            "<label><input type=\"checkbox\" name=\"confirm\" value=\"\(problem.subject)\"> \(l("已核实:", "checked:")) \(l(problem.message))</label>"
        }
        let shown = Set(
            compiled.fields.filter { $0.applicant == nil }.map(\.element) + compiled.materials.map(\.material)
                + ["applicant.name", "applicant.idNumber", "applicant.phone"])
        let general = problems.filter { !shown.contains($0.subject) }
        let body: HTML = """
            \(problems.isEmpty ? .empty : "<p class=\"error\" role=\"alert\">\(l("申请未保存;请按提示修改后再提交", "the application was not saved; correct what is marked and send it again"))</p>" as HTML)
            \(HTML(general.map { "<p class=\"error\">\($0.subject): \(l($0.message))</p>" }))
            <p><a href="/console/intake/\(id)/notice?\(answers.sorted { $0.key < $1.key }.map { "a.\($0.key)=\($0.value)" }.joined(separator: "&"))">\(l("打印一次性告知单", "Print the one-time notice"))</a></p>
            <form method="post" action="/console/intake/\(id)" id="intake">
            <input type="hidden" name="csrf" value="\(viewer.csrf)">
            <input type="hidden" name="key" value="\(entered["key"] ?? "console-" + randomToken().prefix(16))">\(kept)
            <h2>\(l("申请人", "Applicant"))</h2>
            <div class="field"><label for="applicant.name">\(l("姓名", "Name")) *</label><input type="text" id="applicant.name" name="applicant.name" value="\(entered["applicant.name"] ?? "")" required>\(errors("applicant.name"))</div>
            <div class="field"><label for="applicant.idNumber">\(l("身份证号", "ID number")) *</label><input type="text" id="applicant.idNumber" name="applicant.idNumber" value="\(entered["applicant.idNumber"] ?? "")" required autocomplete="off">\(errors("applicant.idNumber"))</div>
            <div class="field"><label for="applicant.phone">\(l("手机号", "Phone")) *</label><input type="text" id="applicant.phone" name="applicant.phone" value="\(entered["applicant.phone"] ?? "")" required>\(errors("applicant.phone"))</div>
            <h2>\(l("申请信息(每项只填一次)", "The form (each field once)"))</h2>\(fields)
            <h2>\(l("材料", "Materials"))</h2>
            <table id="materials"><thead><tr><th>\(l("材料", "Material"))</th><th>\(l("形式", "Form"))</th><th>\(l("份数", "Copies"))</th><th>\(l("收取情况", "Status"))</th></tr></thead><tbody>\(materials)</tbody></table>
            \(confirmable.isEmpty ? .empty : "<fieldset><legend>\(l("需人工核实", "To check by hand"))</legend>\(confirmable)</fieldset>" as HTML)
            <p><button type="submit" id="submit-application">\(l("提交申请", "Submit"))</button></p>
            </form>
            """
        return ConsolePage.render(
            l(bundle.name), body: body, viewer: viewer, language: l,
            status: problems.isEmpty ? .ok : .unprocessableContent)
    }

    /// `POST /console/intake/{bundle}`: submits for the citizen; the receipt, or the form again.
    @Sendable func submit(_ request: Request, context: ServerContext) async throws -> Response {
        let (viewer, form) = try await session.postedForm(request, allowing: [.window])
        let id = try context.parameters.require("bundle")
        let answers = Self.answers(form)
        var values: [String: String] = [:]
        var materials: [String: MaterialStatus] = [:]
        for (key, value) in form {
            if key.hasPrefix("v."), !value.trimmingCharacters(in: .whitespaces).isEmpty {
                values[String(key.dropFirst(2))] = value
            }
            if key.hasPrefix("m.") {
                let material = String(key.dropFirst(2))
                switch value {
                case "shared": materials[material] = .sharedData
                case "missing":
                    // An unreadable day is the engine's to refuse, next to the material.
                    materials[material] = .missing(
                        promisedBy: CalendarDate(form["d.\(material)"] ?? "") ?? CalendarDate(dayNumber: 0))
                default: materials[material] = .provided
                }
            }
        }
        var application = Application(
            bundle: id, answers: answers, values: values, materials: materials,
            applicant: Applicant(
                name: form["applicant.name"] ?? "", idNumber: form["applicant.idNumber"] ?? "",
                phone: form["applicant.phone"] ?? ""),
            channel: Channel(kind: .window, id: viewer.caller.id), idempotencyKey: form["key"] ?? "")
        application.confirmedWarnings = Set((form["confirm"] ?? "").split(separator: "\n").map(String.init))
        application.origin = Application.Origin(via: viewer.caller.via, requestID: context.id)
        do throws(CaseEngineError) {
            let receipt = try await engine.submit(application)
            return ConsolePage.redirect(to: "/console/cases/\(receipt.caseNumber)/receipt")
        } catch {
            guard case .invalidApplication(let problems) = error else { throw error }
            return try render(id, answers: answers, entered: form, problems: problems, viewer: viewer)
        }
    }

    /// `GET /console/intake/{bundle}/notice?a.…`: the one-time notice (一次性告知单) to print.
    @Sendable func notice(_ request: Request, context: ServerContext) async throws -> Response {
        let viewer = try await session.viewer(request, allowing: [.window])
        let l = viewer.language
        let (bundle, compiled) = try compile(
            try context.parameters.require("bundle"), answers: Self.answers(request.queryValues))
        let text = OneTimeNotice(compiled: compiled, bundle: bundle, catalog: engine.library.catalog)
            .render(language: l)
        let body: HTML = """
            <p class="muted">\(viewer.caller.scope)</p><pre class="notice-text">\(text)</pre>
            <p><button type="button" data-print>\(l("打印", "Print"))</button></p>
            """
        return ConsolePage.render(l("一次性告知单", "One-time notice"), body: body, viewer: viewer, language: l)
    }
}

extension IntakePages {
    /// What the window takes: the original (checked and handed back), a copy, or the electronic file.
    static func form(_ form: MaterialForm, _ l: Language) -> String {
        switch form {
        case .original: return l("原件", "original")
        case .copy: return l("复印件", "copy")
        case .electronic: return l("电子件", "electronic")
        }
    }
}
