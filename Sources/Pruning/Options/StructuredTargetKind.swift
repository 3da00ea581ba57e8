/// What a structured target's ratio measures, as the CLI and recipes name it (see ``StructuredTarget``).
public enum StructuredTargetKind: String, OptionValue, CaseIterable {
    /// Fraction of the dense model's multiply-accumulates kept.
    case flops
    /// Fraction of the dense model's parameters kept.
    case parameters
    /// Fraction of every group's channels removed.
    case channels
    /// Fraction of the dense model's latency kept, as a latency lookup table predicts it (met by a ratio search).
    case latency
    /// Fraction of the dense model's estimated energy per inference kept (``EnergyModel``; met by a ratio search).
    case energy

    public static let optionName = "structured target"
}
