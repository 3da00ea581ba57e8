import PruneTensor
import PruneAutodiff

/// A trainable tensor of a module: its value, its accumulated gradient, and an optional pruning mask.
///
/// The mask is an explicit field (not hidden state behind a renamed weight, as in PyTorch's
/// `weight_orig`/`weight_mask`): forward passes read the masked value, gradients are masked before
/// they accumulate, and ``bake()`` makes the pruning permanent.
public final class Parameter {
    /// The stored value (unmasked; see ``effectiveValue``).
    public var value: Tensor { didSet { valueIsMasked = nil; valueVersion &+= 1 } }
    /// Changes every time ``value`` is set or mutated, so layers can cache what they derive from it.
    public private(set) var valueVersion = 0
    /// The gradient accumulated by backward passes since the last ``zeroGrad()``.
    public var grad: Tensor?
    /// 1 where a weight is kept, 0 where it is pruned; same shape as ``value``.
    public var mask: Tensor? {
        didSet {
            maskVersion &+= 1
            valueIsMasked = nil
            if let mask { precondition(mask.shape == value.shape,
                                       "mask shape \(mask.shape) differs from parameter shape \(value.shape)") }
        }
    }
    /// Changes every time ``mask`` is set, so kernels can cache what they derive from the mask.
    public private(set) var maskVersion = 0
    /// False for frozen parameters, which take part in forward passes only.
    public var requiresGrad: Bool
    /// The optimizers' learning rate for this parameter is the schedule's times this (a parameter
    /// group's rate in PyTorch terms; learned-mask scores train faster than the weights).
    public var learningRateScale: Float = 1
    /// When true, pruned weights receive the gradient of the masked forward too (the straight-through
    /// update of dynamic network surgery, Guo et al. 2016, lets a pruned weight grow back).
    public var updatesPrunedWeights = false
    /// When true, backward passes also accumulate the gradient before masking into ``denseGradient``
    /// (RigL grows the pruned weights whose dense gradient is largest).
    public var recordsDenseGradient = false
    /// The unmasked gradient since the last ``zeroGrad()``, when ``recordsDenseGradient`` is set.
    public var denseGradient: Tensor?
    /// The function of the stored weight that forward passes use (learned-mask methods); nil: the weight.
    public var reparameterization: (any WeightReparameterization)?

    /// Whether ``value`` already equals value × mask bit for bit (a pruned weight stored as zero), so
    /// forward passes can skip the masking pass; nil until asked after the value or mask changed.
    private var valueIsMasked: Bool?

    public init(_ value: Tensor, requiresGrad: Bool = true) {
        self.value = value
        self.requiresGrad = requiresGrad
    }

    /// The value as forward passes see it: masked when a mask is set.
    public var effectiveValue: Tensor {
        guard let mask else { return value }
        if valueIsMasked == nil { valueIsMasked = value.isMasked(by: mask) }
        if valueIsMasked == true { return value }
        return try! value * mask   // shapes equal by the mask's invariant
    }

    /// A leaf variable for one forward pass; its gradient is masked and accumulated into ``grad``.
    /// With a ``reparameterization``, the variable is that function of the leaf.
    public func variable() throws -> Variable {
        let leaf = leafVariable()
        return try reparameterization?.apply(leaf) ?? leaf
    }

    /// The leaf itself, without the reparameterization.
    public func leafVariable() -> Variable {
        let v = effectiveValue
        guard requiresGrad && GradMode.isEnabled else { return Variable(v) }
        return Variable(v) { [unowned self] g in
            var g = g
            if self.recordsDenseGradient { self.denseGradient = try self.denseGradient.map { try $0 + g } ?? g }
            if let mask = self.mask, !self.updatesPrunedWeights { g = try g * mask }
            try self.accumulate(g)
        }
    }

    /// A leaf variable for a kernel that reads the kept weights itself and returns a gradient that is
    /// already zero off the mask: its value is the stored one (no masking pass) and its gradient is
    /// accumulated as it comes.
    public func preMaskedVariable() -> Variable {
        guard requiresGrad && GradMode.isEnabled else { return Variable(value) }
        return Variable(value) { [unowned self] g in
            try self.accumulate(g)
        }
    }

    /// Adds `g` to the gradient (in place when this parameter holds the only reference).
    func accumulate(_ g: Tensor) throws {
        if var existing = grad { grad = nil; try existing.add(g); grad = existing } else { grad = g }
    }

    /// Forgets the accumulated gradient.
    public func zeroGrad() { grad = nil; denseGradient = nil }

    /// Folds the mask into the value and removes it: pruned weights become stored zeros.
    public func bake() {
        value = effectiveValue
        mask = nil
    }

    /// The shape of the value.
    public var shape: [Int] { value.shape }
}

/// A non-trainable tensor a module keeps in its state (for example BatchNorm's running mean).
public final class Buffer {
    public var value: Tensor
    public init(_ value: Tensor) { self.value = value }
}
