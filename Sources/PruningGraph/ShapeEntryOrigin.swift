import PruneNN

/// What one entry of an integer value that a graph computes from tensor shapes depends on. PyTorch's
/// TorchScript exporter builds Reshape targets from the input's shape (`nn.MultiheadAttention`:
/// `[T, N·H, E / H]` as `Concat(Unsqueeze(Gather(Shape(x), 0)), …)`): an entry that reads only
/// constants and channel extents (which the weights fix) is the same for every input, so it may be
/// stored as a constant and rewritten when channels go; an entry the input decides (a batch or
/// sequence extent) may not.
struct ShapeEntryOrigin {
    /// The input decides it (it reads a batch, sequence or spatial extent, or a value the input computes).
    var dynamic = false
    /// Channel extents it holds as read (moved, not computed on).
    var copies: [DependencyGraph.Space] = []
    /// Channel extents it computes on (`E / H`): pruning those channels would change it wrongly.
    var derived: [DependencyGraph.Space] = []

    static var constant: ShapeEntryOrigin { ShapeEntryOrigin() }
    static var input: ShapeEntryOrigin { ShapeEntryOrigin(dynamic: true) }

    /// The origin of a value computed from several entries: every extent it reads becomes derived.
    static func combining(_ origins: [ShapeEntryOrigin]) -> ShapeEntryOrigin {
        ShapeEntryOrigin(dynamic: origins.contains { $0.dynamic }, copies: [],
                         derived: origins.flatMap { $0.copies + $0.derived })
    }
}

/// The traced value of an integer tensor computed in a graph and each entry's origin. Values of more
/// than `maxEntries` entries (masks, positions) keep one origin for all their entries and no value.
struct ShapeRecord {
    static let maxEntries = 256
    let value: IntegerTensor?
    private let origins: [ShapeEntryOrigin]
    let count: Int

    init(value: IntegerTensor, origins: [ShapeEntryOrigin]) {
        count = value.values.count
        if count <= Self.maxEntries, origins.count == count {
            self.value = value; self.origins = origins
        } else {
            self.value = nil; self.origins = [ShapeEntryOrigin.combining(origins)]
        }
    }

    subscript(_ i: Int) -> ShapeEntryOrigin { origins.count == 1 ? origins[0] : origins[i] }

    /// Every entry, for values of up to `maxEntries` entries (one combined origin otherwise).
    var entries: [ShapeEntryOrigin] { origins }

    /// The same record with entries `range` replaced (they became constants).
    func replacing(_ range: Range<Int>, with new: [ShapeEntryOrigin]) -> ShapeRecord {
        guard let value, origins.count == count else { return self }
        var o = origins
        o.replaceSubrange(range, with: new)
        return ShapeRecord(value: value, origins: o)
    }
}
