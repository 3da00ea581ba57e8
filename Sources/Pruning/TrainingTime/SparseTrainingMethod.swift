import PruneNN
import PruneTensor

/// What a training-time method needs to set itself up: the weights it prunes, the target, the
/// training's length and the update knobs, the seed.
public struct SparseTrainingContext {
    public var targets: [PruningTarget]
    /// Fraction of the in-scope weights pruned by the end of training.
    public var sparsity: Double
    /// Per-layer densities; nil: the method's default allocation.
    public var allocation: (any DensityAllocation)?
    /// Optimizer steps of the whole training.
    public var totalSteps: Int
    /// Steps between mask updates (ΔT); nil: the method's default.
    public var interval: Int?
    /// The update fraction α (RigL's drop fraction; SET's ζ).
    public var fraction: Double
    /// Mask updates stop after this fraction of the steps (T_end / T).
    public var until: Double
    public var seed: UInt64

    public init(targets: [PruningTarget], sparsity: Double, allocation: (any DensityAllocation)? = nil,
                totalSteps: Int, interval: Int? = nil, fraction: Double = 0.3, until: Double = 0.75, seed: UInt64 = 0) {
        self.targets = targets; self.sparsity = sparsity; self.allocation = allocation; self.totalSteps = totalSteps
        self.interval = interval; self.fraction = fraction; self.until = until; self.seed = seed
    }

    /// The update schedule: every `interval` (or `defaultInterval`) steps until `until`·`totalSteps`.
    func schedule(cosineDecay: Bool, defaultInterval: Int = 100) throws -> MaskUpdateSchedule {
        guard until.isFinite, until > 0, until <= 1 else {
            throw PruningError.invalidOption("the mask updates must stop within training: --update-until in (0, 1], "
                                             + "got \(until)")
        }
        return try MaskUpdateSchedule(interval: interval ?? defaultInterval,
                                      endStep: Int((until * Double(totalSteps)).rounded()),
                                      fraction: fraction, cosineDecay: cosineDecay)
    }

    /// Per-target densities from the allocation (or `fallback`).
    func densities(_ fallback: any DensityAllocation) throws -> [Double] {
        guard sparsity.isFinite, sparsity > 0, sparsity < 1 else {
            throw PruningError.impossibleTarget("sparse training needs a sparsity in (0, 1) (a density above 0), "
                                                + "got \(sparsity)")
        }
        return try (allocation ?? fallback).densities(targets.map(\.shape), density: 1 - sparsity)
    }
}

/// A method that prunes while a network trains from scratch; a new one is one conforming type added
/// to ``SparseTraining/methods``.
public protocol SparseTrainingMethod: Sendable {
    /// The name the CLI uses.
    var name: String { get }
    /// Sets the masks the method starts from and returns the hook that updates them during training.
    func makeHook(_ context: SparseTrainingContext) throws -> any TrainingHook
}

/// SET (Mocanu et al. 2018): random masks at ER densities, drop by magnitude and grow at random with a
/// constant fraction ζ.
public struct SETMethod: SparseTrainingMethod {
    public let name = "set"
    public init() {}
    public func makeHook(_ c: SparseTrainingContext) throws -> any TrainingHook {
        DropAndGrow(targets: c.targets, densities: try c.densities(ErdosRenyiDensity(includesKernel: false)),
                    growth: RandomRegrowth(), schedule: try c.schedule(cosineDecay: false), seed: c.seed)
    }
}

/// RigL (Evci et al. 2020): random masks at ERK densities, drop by magnitude and grow by dense gradient
/// magnitude with the cosine-decayed fraction.
public struct RigLMethod: SparseTrainingMethod {
    public let name = "rigl"
    public init() {}
    public func makeHook(_ c: SparseTrainingContext) throws -> any TrainingHook {
        DropAndGrow(targets: c.targets, densities: try c.densities(ErdosRenyiDensity(includesKernel: true)),
                    growth: GradientRegrowth(), schedule: try c.schedule(cosineDecay: true), seed: c.seed)
    }
}

/// Dynamic network surgery (Guo et al. 2016), layer-wise uniform densities unless an allocation is given;
/// masks revised every 10 steps by default (the paper revises them almost every step early in training;
/// with updates 100 steps apart the straight-through weights drift too far between revisions).
public struct DNSMethod: SparseTrainingMethod {
    public let name = "dns"
    public init() {}
    public func makeHook(_ c: SparseTrainingContext) throws -> any TrainingHook {
        DynamicNetworkSurgery(targets: c.targets, densities: try c.densities(UniformDensity()),
                              schedule: try c.schedule(cosineDecay: false, defaultInterval: 10))
    }
}

/// AGP from scratch (Zhu & Gupta 2017): 0 → the target sparsity by the cubic ramp, every `interval`
/// steps (or once, at the end of the ramp, when training is shorter) until `until` of training, layer-wise.
public struct AGPFromScratchMethod: SparseTrainingMethod {
    public let name = "agp"
    public init() {}
    public func makeHook(_ c: SparseTrainingContext) throws -> any TrainingHook {
        let s = try c.schedule(cosineDecay: false)
        _ = try c.densities(UniformDensity())
        let frequency = max(1, min(s.interval, s.endStep))
        let schedule = GradualSchedule(initialSparsity: 0, startStep: 0, frequency: frequency,
                                       pruningSteps: max(1, s.endStep / frequency))
        return GradualMagnitudeHook(targets: c.targets, schedule: schedule, finalSparsity: c.sparsity)
    }
}

/// The training-time methods by name.
public enum SparseTraining {
    public static let methods: [any SparseTrainingMethod] = [SETMethod(), RigLMethod(), DNSMethod(),
                                                             AGPFromScratchMethod()]

    /// The method called `name`, or an error listing the known ones.
    public static func method(named name: String) throws -> any SparseTrainingMethod {
        try NamedChoice.find(name, in: methods, kind: "sparse-training method") { $0.name }
    }
}
