/// The fan-out plan (one sub-case per active item, its inputs and dependants, the critical path)
/// and each department's projection of the case.
extension CompilationRun {
    // MARK: - Fan-out plan

    mutating func plan(
        _ active: [(use: BundleItem, item: Item, condition: ConditionExpression)]
    ) -> [PlannedSubcase] {
        let activeIDs = active.map(\.item.id)
        var subcases = active.map { entry -> PlannedSubcase in
            var after = entry.use.after.filter { activeIDs.contains($0) }
            var inputs: [PlannedInput] = []
            for input in entry.item.inputs {
                for producer in active where producer.item.id != entry.item.id && producer.item.outputs.contains(input)
                {
                    if !after.contains(producer.item.id) { after.append(producer.item.id) }
                    if let index = inputs.firstIndex(where: { $0.from == producer.item.id }) {
                        inputs[index].elements.append(input)
                    } else {
                        inputs.append(PlannedInput(from: producer.item.id, elements: [input]))
                    }
                }
            }
            // A material another item of the case makes (the seal for the bank) is waited for like an input.
            for need in entry.item.materials {
                for producer in active
                where producer.condition == .constant(true) && producer.item.id != entry.item.id
                    && producer.item.producedMaterials.contains(need.material) && !after.contains(producer.item.id)
                {
                    after.append(producer.item.id)
                }
            }
            return PlannedSubcase(
                item: entry.item.id, name: entry.item.name, department: entry.item.department,
                departmentName: catalog.departments[entry.item.department]?.name
                    ?? LocalizedText(zh: entry.item.department, en: entry.item.department),
                kind: entry.item.kind, promisedDays: entry.item.promisedDays, legalDays: entry.item.legalDays,
                condition: entry.condition == .constant(true) ? nil : entry.condition, after: after, inputs: inputs,
                outputs: entry.item.outputs, earlyStart: entry.use.earlyStart)
        }
        if let cycle = findCycle(subcases) {
            // A cycle through items no answers make active together never forms in a real case.
            if canBeActiveTogether(cycle) {
                let location = bundle.items.first { $0.item == cycle[0] }?.location
                diagnostics.append(
                    Diagnostic(
                        .error, .dependencyCycle, "dependency cycle: " + cycle.joined(separator: " → "),
                        at: location, notes: ["each item waits for the next to be issued, so none can start"]))
            }
            for index in subcases.indices { subcases[index].after.removeAll { cycle.contains($0) } }
        }
        return subcases
    }

    /// A cycle in the `after` graph, as a path whose last entry repeats the first.
    func findCycle(_ subcases: [PlannedSubcase]) -> [String]? {
        let graph = Dictionary(subcases.map { ($0.item, $0.after) }) { a, _ in a }
        var state: [String: Int] = [:]
        var stack: [String] = []
        func visit(_ node: String) -> [String]? {
            state[node] = 1
            stack.append(node)
            for next in graph[node] ?? [] {
                if state[next] == 1, let start = stack.firstIndex(of: next) {
                    return Array(stack[start...]) + [next]
                }
                if state[next] == nil, let cycle = visit(next) { return cycle }
            }
            stack.removeLast()
            state[node] = 2
            return nil
        }
        for subcase in subcases where state[subcase.item] == nil {
            if let cycle = visit(subcase.item) { return cycle }
        }
        return nil
    }

    /// The longest chain of promised days, assuming the graph has no cycle.
    /// The longest chain of the plan, each item taking `days`, and its items.
    func criticalPath(_ subcases: [PlannedSubcase], days: (PlannedSubcase) -> Int) -> (Int, [String]) {
        let byID = Dictionary(subcases.map { ($0.item, $0) }) { a, _ in a }
        var finish: [String: Int] = [:]
        var previous: [String: String] = [:]
        func finishDay(_ id: String, depth: Int) -> Int {
            if let known = finish[id] { return known }
            guard let subcase = byID[id], depth <= subcases.count else { return 0 }
            var start = 0
            for before in subcase.after {
                let day = finishDay(before, depth: depth + 1)
                if day > start || previous[id] == nil {
                    start = max(start, day)
                    previous[id] = before
                }
            }
            finish[id] = start + days(subcase)
            return start + days(subcase)
        }
        var best: (days: Int, id: String)?
        for subcase in subcases {
            let day = finishDay(subcase.item, depth: 0)
            if best == nil || day > (best?.days ?? 0) { best = (day, subcase.item) }
        }
        guard let best else { return (0, []) }
        var path = [best.id]
        while let before = previous[path[0]], !path.contains(before) { path.insert(before, at: 0) }
        return (best.days, path)
    }

    // MARK: - Projections

    func projections(
        _ subcases: [PlannedSubcase],
        active: [(use: BundleItem, item: Item, condition: ConditionExpression)],
        fields: [CompiledField],
        materials: [CompiledMaterial]
    ) -> [DepartmentProjection] {
        var result: [DepartmentProjection] = []
        for subcase in subcases {
            var projection =
                result.first { $0.department == subcase.department }
                ?? DepartmentProjection(
                    department: subcase.department, items: [], fields: [], materials: [], inputs: [])
            projection.items.append(subcase.item)
            for field in fields where field.items.contains(subcase.item) && !projection.fields.contains(field.element) {
                projection.fields.append(field.element)
            }
            for material in materials
            where material.items.contains(subcase.item) && !projection.materials.contains(material.material) {
                projection.materials.append(material.material)
            }
            projection.inputs += subcase.inputs
            if let index = result.firstIndex(where: { $0.department == subcase.department }) {
                result[index] = projection
            } else {
                result.append(projection)
            }
        }
        return result
    }
}
