/// The name of a built-in schedule of ``ScheduleRegistry`` (`oneshot`, `iterative`, `agp`; also
/// spelled `one-shot`, `gradual`).
public struct ScheduleName: OptionValue, Hashable {
    public let name: String

    public init(parsing text: String) throws {
        guard let type = ScheduleRegistry.type(named: text), let canonical = type.names.first else {
            throw PruningError.invalidOption("unknown schedule \(text); known: \(ScheduleRegistry.names.joined(separator: ", "))")
        }
        name = canonical
    }

    public static let optionName = "schedule"
    public static var knownValues: [String] { ScheduleRegistry.names }
    public var description: String { name }

    public static let oneShot = try! ScheduleName(parsing: "oneshot")
}
