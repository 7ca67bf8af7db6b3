import Foundation
import Yams

/// A value of `deploy.yaml`, with the CloudFormation intrinsics `puntos` understands kept as such.
indirect enum TemplateValue: Sendable, Equatable {
    case string(String)
    case list([TemplateValue])
    case map([String: TemplateValue])
    case null
    /// `!Ref Name` / `{"Ref": Name}`
    case ref(String)
    /// `!GetAtt Resource.Attribute` / `{"Fn::GetAtt": [Resource, Attribute]}`
    case getAtt(String, String)
    /// `!Sub "text ${Name}"` / `!Sub ["text ${X}", {X: value}]`
    case sub(String, [String: TemplateValue])
    /// An intrinsic `puntos` has no use for (`!If`, `!Join`, …); an error only where it is needed.
    case unsupported(String)

    init(_ node: Node) throws(TemplateError) {
        let tag = node.tag.description
        switch node {
        case .scalar(let scalar):
            switch tag {
            case "!Ref": self = .ref(scalar.string)
            case "!GetAtt":
                let parts = scalar.string.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw TemplateError("!GetAtt \(scalar.string) needs Resource.Attribute") }
                self = .getAtt(parts[0], parts[1])
            case "!Sub": self = .sub(scalar.string, [:])
            case let other where other.hasPrefix("!"): self = .unsupported(other)
            default:
                let isNull = scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
                self = isNull ? .null : .string(scalar.string)
            }
        case .sequence(let sequence):
            let items = try sequence.map { (item: Node) throws(TemplateError) -> TemplateValue in try TemplateValue(item) }
            switch tag {
            case "!GetAtt":
                guard items.count == 2, case .string(let resource) = items[0], case .string(let attribute) = items[1] else {
                    throw TemplateError("!GetAtt needs [Resource, Attribute]")
                }
                self = .getAtt(resource, attribute)
            case "!Sub":
                guard items.count == 2, case .string(let text) = items[0], case .map(let variables) = items[1] else {
                    throw TemplateError("!Sub needs [text, {variables}]")
                }
                self = .sub(text, variables)
            case let other where other.hasPrefix("!"): self = .unsupported(other)
            default: self = .list(items)
            }
        case .mapping(let mapping):
            var fields: [String: TemplateValue] = [:]
            for (key, value) in mapping {
                guard let name = key.string else { throw TemplateError("a mapping key is not text") }
                fields[name] = try TemplateValue(value)
            }
            // The long forms: {"Ref": X}, {"Fn::GetAtt": [...]}, {"Fn::Sub": ...}.
            if fields.count == 1, let (key, value) = fields.first {
                switch (key, value) {
                case ("Ref", .string(let name)): self = .ref(name); return
                case ("Fn::GetAtt", .list(let items)) where items.count == 2:
                    if case .string(let resource) = items[0], case .string(let attribute) = items[1] {
                        self = .getAtt(resource, attribute); return
                    }
                case ("Fn::Sub", .string(let text)): self = .sub(text, [:]); return
                case ("Fn::Sub", .list(let items)) where items.count == 2:
                    if case .string(let text) = items[0], case .map(let variables) = items[1] {
                        self = .sub(text, variables); return
                    }
                case (let key, _) where key.hasPrefix("Fn::"): self = .unsupported(key); return
                default: break
                }
            }
            self = .map(fields)
        case .alias:
            throw TemplateError("YAML aliases are not supported in deploy.yaml")
        }
    }

    subscript(key: String) -> TemplateValue? {
        if case .map(let fields) = self { return fields[key] }
        return nil
    }

    var map: [String: TemplateValue] {
        if case .map(let fields) = self { return fields }
        return [:]
    }

    var list: [TemplateValue] {
        if case .list(let items) = self { return items }
        return []
    }
}

struct TemplateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Resolves intrinsics against parameter values and the resources `puntos` runs.
struct TemplateResolver: Sendable {
    /// Parameter values (defaults, then overrides from the environment).
    var parameters: [String: String]
    /// What `!Ref` and `!GetAtt` of a resource mean locally (a queue's name, a function's name).
    var resources: [String: String]

    func string(_ value: TemplateValue?, at path: String) throws(TemplateError) -> String? {
        guard let value else { return nil }
        switch value {
        case .null: return nil
        case .string(let text): return text
        case .ref(let name):
            if let parameter = parameters[name] { return parameter }
            if let resource = resources[name] { return resource }
            if name == "AWS::Region" { return "local" }
            if name == "AWS::AccountId" { return "000000000000" }
            if name == "AWS::StackName" { return "puntos" }
            throw TemplateError("\(path): !Ref \(name) names no parameter or resource")
        case .getAtt(let resource, let attribute):
            guard let local = resources[resource] else {
                throw TemplateError("\(path): !GetAtt \(resource).\(attribute): no such resource")
            }
            return attribute == "Arn" ? "arn:aws:local:local:000000000000:\(local)" : local
        case .sub(let text, let variables):
            var output = ""
            var rest = Substring(text)
            while let open = rest.range(of: "${") {
                output += rest[..<open.lowerBound]
                guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                    throw TemplateError("\(path): unclosed ${ in !Sub")
                }
                let name = String(rest[open.upperBound..<close])
                if name.hasPrefix("!") {
                    output += "${" + name.dropFirst() + "}"
                } else if let variable = variables[name] {
                    output += try string(variable, at: path) ?? ""
                } else if name.contains(".") {
                    let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
                    output += try string(.getAtt(parts[0], parts[1]), at: path) ?? ""
                } else {
                    output += try string(.ref(name), at: path) ?? ""
                }
                rest = rest[rest.index(after: close)...]
            }
            return output + rest
        case .unsupported(let name):
            throw TemplateError("\(path): \(name) is not understood by puntos")
        case .list, .map:
            throw TemplateError("\(path): expected a text value")
        }
    }

    func int(_ value: TemplateValue?, at path: String) throws(TemplateError) -> Int? {
        guard let text = try string(value, at: path) else { return nil }
        guard let number = Int(text) else { throw TemplateError("\(path): expected a whole number, got \(text)") }
        return number
    }

    func bool(_ value: TemplateValue?, at path: String) throws(TemplateError) -> Bool? {
        guard let text = try string(value, at: path) else { return nil }
        switch text.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw TemplateError("\(path): expected true or false, got \(text)")
        }
    }
}
