import Foundation
import PruneNN
import Yams

/// A pruning recipe: a YAML file stating model, data, criterion, granularity, scope, schedule,
/// targets and fine-tuning (see `recipes/` for examples). Unknown keys, wrong types and impossible
/// values are errors that name the line.
///
/// ```yaml
/// model: lenet300
/// weights: runs/lenet300.safetensors   # trained first (train: section) when missing
/// train: {epochs: 12, seed: 0}
/// prune: {criterion: magnitude, granularity: unstructured, scope: global, sparsity: 0.9,
///         schedule: iterative, rate: 0.5}
/// finetune: {epochs: 2, lr_multiplier: 0.5}
/// out: runs/lenet300-90.safetensors
/// ```
public struct Recipe: Sendable {
    /// A built-in architecture, or an ONNX file (`model: exported/cnn.onnx`).
    public var model = "lenet300"
    /// Examples for an ONNX model: fashion-mnist, or a safetensors file of inputs `x` (and `labels`).
    public var calibration: String?
    public var data = "fashion-mnist"
    public var dataDirectory: String?
    /// Dense weights to prune; trained with `trainEpochs` when the file does not exist.
    public var weights: String?
    public var trainEpochs = 12
    public var trainSeed: UInt64 = 0
    public var trainLearningRate: Float = 1e-3
    public var trainLimit = 0
    public var testLimit = 0
    public var settings = PruneSettings()
    /// `train: {method: rigl, sparsity: 0.95}`: train a sparse network from scratch with a training-time
    /// method instead of pruning a trained one (then no `prune` or `finetune` section).
    public var trainingMethod: TrainingMethodSettings?
    public var out: String?
    /// Line of each pattern or layer name given in the recipe, to point at it when it matches nothing.
    public var patternLines: [String: Int] = [:]

    public init() {}

    /// Reads a recipe file.
    public static func load(path: String) throws -> Recipe {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data,
                                                                                       encoding: .utf8) else {
            throw RecipeError(line: nil, message: "cannot read \(path)")
        }
        return try parse(text)
    }

    /// Parses recipe text.
    public static func parse(_ text: String) throws -> Recipe {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let e as YamlError {
            throw RecipeError(line: Self.line(of: e), message: "not valid YAML: \(Self.problem(of: e))")
        }
        guard let root else { throw RecipeError(line: nil, message: "the recipe is empty") }
        var r = Recipe()
        let top = try RecipeReader.mapping(root, "the recipe", allowed: [
            "model", "calibration", "data", "data_dir", "weights", "train", "prune", "finetune", "seed", "out",
            "train_limit", "test_limit"])
        try r.readTop(top)
        if let t = top["train"] { try r.readTrain(t) }
        if let p = top["prune"] { try r.readPrune(p) }
        if let f = top["finetune"] { try r.readFinetune(f) }
        if r.trainingMethod != nil, let section = top["prune"] ?? top["finetune"] {
            throw RecipeError(line: section.mark?.line, message: "train.method trains a sparse network from "
                              + "scratch; a prune or finetune section does not apply to it")
        }
        return r
    }

    private mutating func readTop(_ top: [String: Node]) throws {
        if let n = top["model"] {
            model = try RecipeReader.string(n, "model")
            guard ModelZoo.entries.contains(where: { $0.name == model }) || model.lowercased().hasSuffix(".onnx") else {
                throw RecipeError(line: n.mark?.line, message: "unknown model \(model); known: "
                                  + "\(ModelZoo.entries.map(\.name).joined(separator: ", ")), or an .onnx file")
            }
        }
        if let n = top["data"] {
            data = try RecipeReader.string(n, "data")
            guard data == "fashion-mnist" else {
                throw RecipeError(line: n.mark?.line, message: "unknown data set \(data); known: fashion-mnist")
            }
        }
        if let n = top["calibration"] { calibration = try RecipeReader.string(n, "calibration") }
        if let n = top["data_dir"] { dataDirectory = try RecipeReader.string(n, "data_dir") }
        if let n = top["weights"] { weights = try RecipeReader.string(n, "weights") }
        if let n = top["out"] { out = try RecipeReader.string(n, "out") }
        if let n = top["seed"] { settings.seed = UInt64(try RecipeReader.int(n, "seed",
                                                                             min: 0)); trainSeed = settings.seed }
        if let n = top["train_limit"] { trainLimit = try RecipeReader.int(n, "train_limit", min: 0) }
        if let n = top["test_limit"] { testLimit = try RecipeReader.int(n, "test_limit", min: 0) }
    }

    private mutating func readTrain(_ node: Node) throws {
        let m = try RecipeReader.mapping(node, "train", allowed: ["epochs", "seed", "lr"]
                                         + TrainingMethodSettings.keys)
        if let n = m["epochs"] { trainEpochs = try RecipeReader.int(n, "train.epochs", min: 1) }
        if let n = m["seed"] { trainSeed = UInt64(try RecipeReader.int(n, "train.seed", min: 0)) }
        if let n = m["lr"] { trainLearningRate = Float(try RecipeReader.double(n, "train.lr", above: 0)) }
        trainingMethod = try TrainingMethodSettings.read(m)
        if trainingMethod != nil, m["lr"] == nil { trainLearningRate = TrainingMethodSettings.defaultLearningRate }
    }

    private mutating func readFinetune(_ node: Node) throws {
        let m = try RecipeReader.mapping(node, "finetune", allowed: ["epochs", "lr", "lr_multiplier", "distill",
                                                                     "batch_size",
                                                                    "skip_below_drop"])
        if let n = m["skip_below_drop"] {
            settings.skipFineTuningBelowDrop = try RecipeReader.fraction(n, "finetune.skip_below_drop", allowOne: true)
        }
        if let n = m["epochs"] { settings.finetuneEpochs = try RecipeReader.int(n, "finetune.epochs", min: 0) }
        if let n = m["lr"] { settings.learningRate = Float(try RecipeReader.double(n, "finetune.lr", above: 0)) }
        if let n = m["lr_multiplier"] {
            settings.learningRateMultiplier = Float(try RecipeReader.double(n, "finetune.lr_multiplier", above: 0))
        }
        if let n = m["batch_size"] { settings.batchSize = try RecipeReader.int(n, "finetune.batch_size", min: 1) }
        if let d = m["distill"] {
            let dm = try RecipeReader.mapping(d, "finetune.distill", allowed: ["weight", "temperature"])
            settings.distillWeight = 0.5
            if let n = dm["weight"] {
                settings.distillWeight = Float(try RecipeReader.fraction(n, "finetune.distill.weight", allowOne: true))
            }
            if let n = dm["temperature"] {
                settings.temperature = Float(try RecipeReader.double(n, "finetune.distill.temperature", above: 0))
            }
        }
    }

    /// Checks the recipe's layer names and patterns against a model: one that matches nothing is
    /// an error naming its line.
    public func validate(against model: any Module) throws {
        let targets = PruningTarget.all(in: model)
        for pattern in settings.include + settings.exclude + Array(settings.layers.keys) {
            if !targets.contains(where: { NamePattern.matches(pattern, $0.path) || NamePattern.matches(pattern,
                    $0.layerPath) }) {
                throw RecipeError(line: patternLines[pattern],
                                  message: "\"\(pattern)\" matches no prunable weight of \(self.model) (have: \(targets.map(\.path).joined(separator: ", ")))")
            }
        }
    }

    static func line(of e: YamlError) -> Int? {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    static func problem(of e: YamlError) -> String {
        switch e {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _): return problem
        default: return "\(e)"
        }
    }
}
