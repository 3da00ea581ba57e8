import ArgumentParser
import Prune

/// Range checks for numeric command-line options: each failure is one line naming the option.
enum OptionBounds {
    static func atLeast(_ value: Int, _ minimum: Int, _ option: String) throws {
        guard value >= minimum else { throw ValidationError("\(option) must be ≥ \(minimum), got \(value)") }
    }

    static func atLeast(_ value: Double, _ minimum: Double, _ option: String) throws {
        guard value.isFinite, value >= minimum else {
            throw ValidationError("\(option) must be ≥ \(minimum), got \(value)")
        }
    }

    static func inRange(_ value: Int, _ range: ClosedRange<Int>, _ option: String) throws {
        guard range.contains(value) else {
            throw ValidationError("\(option) must be in \(range.lowerBound)–\(range.upperBound), got \(value)")
        }
    }

    /// A fraction in [0, 1) (or [0, 1] when `allowOne`).
    static func fraction(_ value: Double, _ option: String, allowOne: Bool = false) throws {
        guard value.isFinite, value >= 0, allowOne ? value <= 1 : value < 1 else {
            throw ValidationError("\(option) must be in [0, 1\(allowOne ? "]" : ")"), got \(value)")
        }
    }
}

/// Options written `--name -5` reach the parser as `--name=-5`, so a negative number after a space is
/// read as the option's value (and then range-checked) rather than reported as a missing value.
enum NegativeNumberArguments {
    static func attach(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a.hasPrefix("--"), !a.contains("="), i + 1 < arguments.count, isNegativeNumber(arguments[i + 1]) {
                out.append(a + "=" + arguments[i + 1])
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }

    static func isNegativeNumber(_ s: String) -> Bool {
        guard s.hasPrefix("-"), s.count > 1 else { return false }
        return Double(s) != nil || s.lowercased() == "-inf"
    }
}

/// The fingerprint of a command-line run for its checkpoints: the arguments that change the result
/// (not --resume, --quiet or --json) and the thread count.
enum CheckpointFingerprint {
    static func commandLine() -> String {
        let ignored: Set<String> = ["--resume", "--quiet", "--json"]
        let args = CommandLine.arguments.dropFirst().filter { !ignored.contains($0) }
        return args.joined(separator: " ") + " | threads \(ProcessInfoCores.count)"
    }
}

/// Comma-separated option values.
enum OptionLists {
    /// Sparsities like "0.9,0.95": each a number in (0, 1), else one error naming the option.
    static func sparsities(_ text: String, _ option: String) throws -> [Double] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return try parts.map { part in
            guard let v = Double(part), v.isFinite, v > 0, v < 1 else {
                throw ValidationError("\(option) takes sparsities in (0, 1) separated by commas; "
                                      + "\"\(part)\" is not one")
            }
            return v
        }
    }
}
