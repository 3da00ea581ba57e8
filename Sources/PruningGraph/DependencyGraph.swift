import PruneAutodiff
import PruneNN
import PruneTensor

/// Errors of structured pruning: each names the layer or group.
public enum StructuredPruningError: Error, CustomStringConvertible, Equatable {
    case unknownLayer(path: String, type: String)
    case invalid(String)
    /// Every channel is fixed (grouped convolutions with channel shuffles, normalizations across channels).
    case noRemovableChannels
    public var description: String {
        switch self {
        case .noRemovableChannels: return "the model has no channels that can be removed"
        case .unknownLayer(let p, let t):
            return "\(p.isEmpty ? "<root>" : p): layer type \(t) is unknown to structured pruning "
                + "(conform it to ChannelPrunable or ChannelPassThrough)"
        case .invalid(let m): return m
        }
    }
}

/// The channel dependencies of a model, found by tracing one forward pass through its modules.
public final class DependencyGraph {
    /// The groups that may be pruned (not the model's input or output channels, and with a producer).
    public private(set) var groups: [PruningGroup] = []

    /// A traced Linear or Conv2d layer, for counting parameters and multiply-accumulates at any widths.
    public struct TracedLayer {
        public let path: String
        /// The group feeding its input channels (nil when they cannot change), and the fixed count.
        public let inGroup: PruningGroup?
        public let inChannels: Int
        /// The group of its output channels (nil when they cannot change).
        public internal(set) var outGroup: PruningGroup?
        /// Outputs per channel of `outGroup` (an attention projection: the head size).
        public internal(set) var outExpansion = 1
        public let outChannels: Int
        public let expansion: Int
        /// kh·kw (1 for Linear), output positions per example (1 for Linear), whether depthwise, whether it
        /// has a bias.
        public let kernelArea: Int
        public let positions: Int
        public let depthwise: Bool
        public let hasBias: Bool
        /// A BatchNorm: 2 parameters (γ, β) per channel, no multiply-accumulates counted.
        public var normalization = false
        /// Input positions per example (the input's H·W for a convolution, 1 for a Linear; 0 when not traced).
        public internal(set) var inputPositions = 0
        /// A packed projection cut by a Split (GPT-2's q, k, v): each segment's group (nil when fixed),
        /// its outputs per channel, and its fixed output count; empty for other layers.
        public internal(set) var outSegments: [(group: PruningGroup?, expansion: Int, outputs: Int)] = []
    }
    public private(set) var layers: [TracedLayer] = []
    var pendingLayers: [(path: String, inSpace: Space, outSpace: Space?, inC: Int, outC: Int, expansion: Int, k: Int,
                         positions: Int, depthwise: Bool, bias: Bool)] = []
    var pendingNorms: [(path: String, space: Space, channels: Int)] = []
    /// Input positions per example of each traced layer, by path.
    var inputPositionsByPath: [String: Int] = [:]
    /// Layers whose outputs were regrouped into coarser channels (attention heads), by path.
    var outRegroupings: [String: (space: Space, expansion: Int)] = [:]
    /// The segments of packed projections cut by a Split, by layer path: each segment's space and
    /// outputs per channel (``ProjectionSegment``).
    var segmentOutputs: [String: [(space: Space, expansion: Int)]] = [:]
    /// Packed projections cut by a Split into equal parts with no sizes to rewrite (opset 18's
    /// `num_outputs`), by layer path: their segments must lose the same channels.
    var evenSplits = Set<String>()
    /// Flows decided ahead of their node (the Gathers that pick a packed projection's segments).
    var presetFlows: [String: Flow] = [:]
    /// Integer constants a Reshape rewrite already uses in this trace (a second user gets a copy).
    var claimedConstants = Set<String>()
    /// For each integer Concat output seen while tracing a graph: its inputs and their lengths.
    var concatPieces: [String: [(name: String, count: Int)]] = [:]
    /// Integer values computed while tracing a graph, with where each entry comes from (``ShapeRecord``).
    var shapeRecords: [String: ShapeRecord] = [:]
    /// Constant factors of computed target entries (`N · H`) rewritten for heads, with the spaces they follow.
    var factorClaims: [String: [Space]] = [:]
    /// Spaces that took over a projection's outputs from the space it made (its heads, its packed
    /// segments), by the replaced space: what a read of that space's extent depends on too.
    var splitSpaces: [ObjectIdentifier: [Space]] = [:]

    final class Space {
        var parent: Space?
        var group: PruningGroup
        var fixed = false
        /// A concatenation of other spaces (channel segments in order); consumers map into each part.
        var parts: [Space]?
        init(_ g: PruningGroup) { group = g }
        var root: Space { var s = self; while let p = s.parent { s = p }; return s }
        /// Some layer reads or writes these channels (their extent is fixed by weights).
        var hasLayer: Bool { !root.group.members.isEmpty }
    }
    var spaces: [Space] = []
    private var nextID = 0

    /// Traces `model` on `example` (one batch of inputs, e.g. shape [1, 1, 28, 28]).
    public init(tracing model: any Module, example: Tensor) throws {
        let input = newSpace(channels: example.rank >= 2 ? example.shape[1] : 1)
        input.fixed = true
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        let (_, out) = try withNoGrad { try trace(model, path: "", x: Variable(example), space: input, expansion: 1) }
        fix(out)
        var seen = Set<ObjectIdentifier>()
        defer {
            let prunable = Set(groups.map { ObjectIdentifier($0) })
            func resolve(_ s: Space?) -> PruningGroup? {
                guard let r = s?.root, prunable.contains(ObjectIdentifier(r.group)) else { return nil }
                return r.group
            }
            layers = pendingLayers.map {
                var l = TracedLayer(path: $0.path, inGroup: resolve($0.inSpace), inChannels: $0.inC,
                                    outGroup: $0.depthwise ? resolve($0.inSpace) : resolve($0.outSpace),
                                    outChannels: $0.outC, expansion: $0.expansion, kernelArea: $0.k,
                                    positions: $0.positions, depthwise: $0.depthwise, hasBias: $0.bias)
                if let r = outRegroupings[$0.path], let g = resolve(r.space) {
                    l.outGroup = g
                    l.outExpansion = r.expansion
                }
                l.inputPositions = inputPositionsByPath[$0.path] ?? 0
                l.outSegments = (segmentOutputs[$0.path] ?? []).map { seg in
                    (resolve(seg.space), seg.expansion, seg.space.root.group.channels * seg.expansion)
                }
                return l
            } + pendingNorms.map {
                var l = TracedLayer(path: $0.path, inGroup: resolve($0.space), inChannels: $0.channels,
                                    outGroup: resolve($0.space),
                                    outChannels: $0.channels, expansion: 1, kernelArea: 0, positions: 0,
                                    depthwise: false, hasBias: false)
                l.normalization = true
                return l
            }
        }
        fixUnevenSplits()
        for s in spaces {
            let r = s.root
            guard seen.insert(ObjectIdentifier(r)).inserted else { continue }
            if !r.fixed && !r.group.producers.isEmpty { groups.append(r.group) }
        }
    }

    /// A Split into equal parts stays equal only if its segments are pruned together (q, k and v of
    /// one attention, whose heads the products merge): otherwise their channels are fixed.
    private func fixUnevenSplits() {
        for path in evenSplits {
            let roots = (segmentOutputs[path] ?? []).map(\.space.root)
            guard let first = roots.first, !roots.allSatisfy({ $0 === first }) else { continue }
            for r in roots { fix(r) }
        }
    }

    func newSpace(channels: Int) -> Space {
        let s = Space(PruningGroup(id: nextID, channels: channels))
        nextID += 1
        spaces.append(s)
        return s
    }

    func merge(_ a: Space, _ b: Space) throws -> Space {
        if a.parts != nil || b.parts != nil {
            // Adding a concatenation to another tensor: leave those channels as they are.
            fix(a); fix(b)
            return a
        }
        let ra = a.root, rb = b.root
        if ra === rb { return ra }
        guard ra.group.channels == rb.group.channels else {
            throw StructuredPruningError.invalid(
                "a residual addition joins \(ra.group.channels) and \(rb.group.channels) channels")
        }
        rb.parent = ra
        ra.group.members += rb.group.members
        ra.fixed = ra.fixed || rb.fixed
        return ra
    }

    func add(_ space: Space, _ member: GroupMember) {
        if let parts = space.parts {
            guard member.role == .consumer else {
                // A per-channel follower of a concatenation (BatchNorm after it) is cut per part, as a consumer is.
                add(space, GroupMember(path: member.path, layer: FollowerOfConcatenation(member.layer), role: .consumer,
                                       expansion: member.expansion))
                return
            }
            let leaves = flatten(parts)
            for (i, p) in leaves.enumerated() {
                var m = member
                let r = p.root
                m.before = []; m.after = []; m.fixedBefore = 0; m.fixedAfter = 0
                for q in leaves[..<i] {
                    if q.root.fixed { m.fixedBefore += q.root.group.channels } else { m.before.append(q.root.group) }
                }
                for q in leaves[(i + 1)...] {
                    if q.root.fixed { m.fixedAfter += q.root.group.channels } else { m.after.append(q.root.group) }
                }
                r.group.members.append(m)
            }
            return
        }
        space.root.group.members.append(member)
    }

    func flatten(_ parts: [Space]) -> [Space] { parts.flatMap { $0.parts.map(flatten) ?? [$0] } }

    /// Makes a space's channels unremovable: every concatenated part, at any depth, and the space itself.
    func fix(_ s: Space) {
        for p in (s.parts.map(flatten) ?? [s]) { p.root.fixed = true }
        s.root.fixed = true
    }

    func trace(_ m: any Module, path: String, x: Variable, space: Space, expansion: Int) throws -> (Variable, Space) {
        func child(_ name: String) -> String { path.isEmpty ? name : path + "." + name }
        if let s = m as? Sequential {
            var h = x, sp = space, e = expansion
            for (name, c) in s.layers {
                (h, sp) = try trace(c, path: child(name), x: h, space: sp, expansion: e)
                e = lastExpansion
            }
            lastExpansion = e
            return (h, sp)
        }
        if let r = m as? Residual {
            let (yb, sb) = try trace(r.body, path: child("body"), x: x, space: space, expansion: expansion)
            var ys = x, ss = space
            if let sc = r.shortcut { (ys, ss) = try trace(sc, path: child("shortcut"), x: x, space: space,
                                                          expansion: expansion) }
            let merged = try merge(sb, ss)
            var y = try yb + ys
            if let a = r.activation { y = try a.forward(y) }
            lastExpansion = 1
            return (y, merged)
        }
        if let c = m as? Concatenate {
            var outs: [Variable] = [], parts: [Space] = []
            for (name, b) in c.branches {
                let (yb, sb) = try trace(b, path: child(name), x: x, space: space, expansion: expansion)
                outs.append(yb); parts.append(sb)
            }
            let out = newSpace(channels: parts.reduce(0) { $0 + $1.root.group.channels })
            out.parts = parts
            lastExpansion = 1
            return (try Variable.concat(outs, axis: 1), out)
        }
        if let g = m as? GraphModel {
            return try traceGraph(g, path: path, x: x, space: space, expansion: expansion)
        }
        let y = try m.forward(x)
        if let layer = m as? any ChannelPrunable {
            inputPositionsByPath[path] = x.value.count / max(layer.prunableInChannels, 1)
            return try traceLayer(layer, path: path, y: y, space: space, expansion: expansion)
        }
        if m is Flatten {
            lastExpansion = x.value.rank == 4 ? x.shape[2] * x.shape[3] : expansion
            return (y, space)
        }
        if m is ChannelPassThrough {
            lastExpansion = expansion
            return (y, space)
        }
        throw StructuredPruningError.unknownLayer(path: path, type: String(describing: type(of: m)))
    }

    /// A ``ChannelPrunable`` layer by its ``ChannelTransform``: any conforming type is traced here.
    func traceLayer(_ layer: any ChannelPrunable, path: String, y: Variable, space: Space,
                    expansion: Int) throws -> (Variable, Space) {
        let outC = layer.prunableOutChannels
        let positions = y.value.count / max(outC, 1)   // per example: the example batch is one
        switch layer.channelTransform {
        case .mixing(let k, let bias):
            guard k == 1 || expansion == 1 else {
                throw StructuredPruningError.invalid("\(path): a convolution after a flatten")
            }
            add(space, GroupMember(path: path, layer: layer, role: .consumer, expansion: expansion))
            let out = newSpace(channels: outC)
            pendingLayers.append((path, space, out, layer.prunableInChannels / max(expansion, 1), outC, expansion, k,
                                  positions,
                                  false, bias))
            add(out, GroupMember(path: path, layer: layer, role: .producer, expansion: 1))
            lastExpansion = 1
            return (y, out)
        case .depthwise(let k, let bias):
            guard expansion == 1 else { throw StructuredPruningError.invalid("\(path): a convolution after a flatten") }
            add(space, GroupMember(path: path, layer: layer, role: .follower, expansion: 1))
            pendingLayers.append((path, space, nil, layer.prunableInChannels, outC, 1, k, positions, true, bias))
            lastExpansion = 1
            return (y, space)
        case .normalization where expansion == 1:
            add(space, GroupMember(path: path, layer: layer, role: .follower, expansion: 1))
            pendingNorms.append((path, space, outC))
            lastExpansion = expansion
            return (y, space)
        case .grouped(let perOutput, let k, let bias):
            space.root.fixed = true
            let out = newSpace(channels: outC)
            out.fixed = true
            pendingLayers.append((path, space, out, perOutput, outC, 1, k, positions, false, bias))
            lastExpansion = 1
            return (y, out)
        case .normalization, .fixed:
            space.root.fixed = true
            lastExpansion = expansion
            return (y, space)
        }
    }

    /// The expansion factor leaving the last traced module (Flatten sets it).
    var lastExpansion = 1
}
