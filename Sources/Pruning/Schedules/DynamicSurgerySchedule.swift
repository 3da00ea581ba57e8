/// Dynamic network surgery on a trained network, the setting of Guo, Yao & Chen ("Dynamic Network
/// Surgery for Efficient DNNs", NIPS 2016): the run first prunes to the target (its criterion and scope
/// give each layer's density), then fine-tunes with every weight, pruned ones too, updated by the masked
/// network's gradient; every `frequency` steps until `endFraction` of the fine-tuning steps each layer's
/// mask drops |w| < 0.9·t and splices back |w| ≥ 1.1·t around the magnitude t of its density
/// (``DynamicNetworkSurgery`` without the from-scratch ramp); then the masks are made exact and the pruned
/// weights stop training. `--schedule dns` reads `--agp-frequency` and `--agp-ramp` as the update
/// interval and span.
public struct DynamicSurgerySchedule: PruningSchedule, Equatable {
    public var frequency: Int
    public var endFraction: Double

    public init(frequency: Int, endFraction: Double) { self.frequency = frequency; self.endFraction = endFraction }

    public var description: String { "dns(frequency: \(frequency), endFraction: \(endFraction))" }

    public func run(_ run: PruningRun) throws -> ScheduleOutcome {
        let epochs = run.plan.fineTuning.epochs
        guard epochs > 0 else {
            throw PruningError.invalidOption("dynamic network surgery happens during fine-tuning: give it epochs")
        }
        try run.prune(to: run.targetSparsity)
        var outcome = ScheduleOutcome(afterPruning: try run.evaluate())
        run.model.train()
        let densities = run.targets.map { t in Double(t.maskScalars.filter { $0 != 0 }.count) / Double(t.count) }
        let endStep = max(1, Int(Double(run.stepsPerEpoch * epochs) * endFraction))
        let updates = try MaskUpdateSchedule(interval: frequency, endStep: endStep, cosineDecay: false)
        let surgery = DynamicNetworkSurgery(targets: run.targets, densities: densities, schedule: updates,
                                            ramp: false)
        try run.fineTune(epochs: epochs) { step in try surgery.didStep(step) }
        if run.targets.contains(where: \.parameter.updatesPrunedWeights) { surgery.finish() }
        outcome.afterFineTuning = try run.evaluate()
        return outcome
    }
}

extension DynamicSurgerySchedule: RegisteredSchedule {
    public static let names = ["dns", "surgery"]
    public static func make(_ s: ScheduleSettings) throws -> any PruningSchedule {
        guard s.agpFrequency > 0, s.agpRamp > 0, s.agpRamp <= 1 else {
            throw PruningError.invalidOption("dynamic network surgery needs an update interval > 0 and a span "
                                             + "in (0, 1]")
        }
        return DynamicSurgerySchedule(frequency: s.agpFrequency, endFraction: s.agpRamp)
    }
}
