import WeightKitCore

/// Templates parsed once per text rather than once per tensor.
struct TemplateCache {
    private var parsed: [String: NameTemplate] = [:]

    mutating func expand(_ text: String, _ captures: [String]) throws(WeightKitError) -> String {
        if let template = parsed[text] { return try template.expand(captures) }
        let template = try NameTemplate(text: text)
        parsed[text] = template
        return try template.expand(captures)
    }
}
