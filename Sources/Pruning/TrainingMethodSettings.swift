import Yams

/// A recipe's training-time method (`train: {method: rigl, sparsity: 0.95, …}`): which method trains the
/// sparse network from scratch, to what sparsity, with SGD (momentum 0.9, cosine schedule; lr 0.05 unless
/// `train.lr` says otherwise), as `prune bench sparse-training` trains every method.
public struct TrainingMethodSettings: Sendable, Equatable {
    /// A name of the training-method catalog: dense, imp, set, rigl, dns, agp, str, l0, sparse-vd, gumbel,
    /// gumbel-st, snip, grasp, synflow, random, random-erk (checked when the recipe runs).
    public var method: String
    /// The fraction of the prunable weights removed (0 for dense).
    public var sparsity: Double
    public var batchSize = 64
    /// Dynamic methods: optimizer steps between mask updates (nil: the method's own).
    public var updateEvery: Int?
    /// Lottery tickets (`imp`): prune-rewind-retrain rounds.
    public var lotteryRounds = 3

    public init(method: String, sparsity: Double) { self.method = method; self.sparsity = sparsity }

    static let keys = ["method", "sparsity", "batch_size", "update_every", "imp_rounds"]
    public static let defaultLearningRate: Float = 0.05

    /// The settings in a `train` mapping, nil when it names no method; knobs without a method are errors.
    static func read(_ m: [String: Node]) throws -> TrainingMethodSettings? {
        guard let methodNode = m["method"] else {
            if let stray = keys.first(where: { m[$0] != nil }) {
                throw RecipeError(line: m[stray]?.mark?.line, message: "train.\(stray) goes with train.method "
                                  + "(e.g. method: rigl, sparsity: 0.95)")
            }
            return nil
        }
        let method = try RecipeReader.string(methodNode, "train.method").lowercased()
        let sparsity = try m["sparsity"].map { try RecipeReader.fraction($0, "train.sparsity", allowOne: false) }
        guard sparsity != nil || method == "dense" else {
            throw RecipeError(line: methodNode.mark?.line, message: "train.method \(method) needs train.sparsity "
                              + "(the fraction of the weights to remove)")
        }
        var s = TrainingMethodSettings(method: method, sparsity: sparsity ?? 0)
        if let n = m["batch_size"] { s.batchSize = try RecipeReader.int(n, "train.batch_size", min: 1) }
        if let n = m["update_every"] { s.updateEvery = try RecipeReader.int(n, "train.update_every", min: 1) }
        if let n = m["imp_rounds"] { s.lotteryRounds = try RecipeReader.int(n, "train.imp_rounds", min: 1) }
        return s
    }
}
