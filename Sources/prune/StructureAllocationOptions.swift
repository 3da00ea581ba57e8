import ArgumentParser
import Prune

/// What `--remove` is a fraction of.
enum StructureTarget: String, ExpressibleByArgument, CaseIterable {
    case weights, flops

    func cost(context: Int) -> any StructureCost {
        self == .weights ? BlockWeightCost() : DecodingFLOPsCost(context: context)
    }
}

/// How `prune llm structured` and `prune bench generate` turn a fraction into a plan: what the
/// fraction counts, how unevenly a ranked spread may cut, and the MLP width granularity.
struct StructureAllocationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("What --remove counts: weights (the blocks' projection weights) or flops (decoding "
            + "FLOPs per token at --flops-context, attention over the context included)."))
    var target: StructureTarget = .weights

    @Option(name: .customLong("flops-context"), help: "Positions attended to per token for --target flops.")
    var flopsContext = 256

    @Option(name: .customLong("block-excess"), help: ArgumentHelp(
        "Ranked spread: no block loses more than --remove + this fraction of its own cost (OWL's λ; default "
            + "\(LlamaStructureAllocator.defaultBlockExcess)).",
        discussion: "Bounds how unevenly the ranking may cut; 1 leaves it unbounded (a block may keep only one "
            + "group and --round-to units)."))
    var blockExcess: Double?

    @Option(name: .customLong("round-to"), help: "Kept MLP widths are multiples of this.")
    var roundTo: Int = 1

    func validate() throws {
        try OptionBounds.atLeast(roundTo, 1, "--round-to")
        try OptionBounds.atLeast(flopsContext, 1, "--flops-context")
        if let blockExcess, !(blockExcess >= 0 && blockExcess.isFinite) {
            throw ValidationError("--block-excess must be a fraction ≥ 0, got \(blockExcess)")
        }
    }

    func configure(_ allocator: inout LlamaStructureAllocator) {
        allocator.cost = target.cost(context: flopsContext)
        allocator.roundTo = roundTo
        if let blockExcess { allocator.blockExcess = blockExcess }
    }
}
