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
    public var out: String?
    /// Line of each pattern or layer name given in the recipe, to point at it when it matches nothing.
    public var patternLines: [String: Int] = [:]

    public init() {}

    /// Reads a recipe file.
    public static func load(path: String) throws -> Recipe {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
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
        let top = try RecipeReader.mapping(root, "the recipe", allowed: ["model", "calibration", "data", "data_dir", "weights", "train", "prune", "finetune", "seed", "out", "train_limit", "test_limit"])
        if let n = top["model"] {
            r.model = try RecipeReader.string(n, "model")
            guard ModelZoo.entries.contains(where: { $0.name == r.model }) || r.model.lowercased().hasSuffix(".onnx") else {
                throw RecipeError(line: n.mark?.line, message: "unknown model \(r.model); known: \(ModelZoo.entries.map(\.name).joined(separator: ", ")), or an .onnx file")
            }
        }
        if let n = top["data"] {
            r.data = try RecipeReader.string(n, "data")
            guard r.data == "fashion-mnist" else { throw RecipeError(line: n.mark?.line, message: "unknown data set \(r.data); known: fashion-mnist") }
        }
        if let n = top["calibration"] { r.calibration = try RecipeReader.string(n, "calibration") }
        if let n = top["data_dir"] { r.dataDirectory = try RecipeReader.string(n, "data_dir") }
        if let n = top["weights"] { r.weights = try RecipeReader.string(n, "weights") }
        if let n = top["out"] { r.out = try RecipeReader.string(n, "out") }
        if let n = top["seed"] { r.settings.seed = UInt64(try RecipeReader.int(n, "seed", min: 0)); r.trainSeed = r.settings.seed }
        if let n = top["train_limit"] { r.trainLimit = try RecipeReader.int(n, "train_limit", min: 0) }
        if let n = top["test_limit"] { r.testLimit = try RecipeReader.int(n, "test_limit", min: 0) }
        if let t = top["train"] {
            let m = try RecipeReader.mapping(t, "train", allowed: ["epochs", "seed", "lr"])
            if let n = m["epochs"] { r.trainEpochs = try RecipeReader.int(n, "train.epochs", min: 1) }
            if let n = m["seed"] { r.trainSeed = UInt64(try RecipeReader.int(n, "train.seed", min: 0)) }
            if let n = m["lr"] { r.trainLearningRate = Float(try RecipeReader.double(n, "train.lr", above: 0)) }
        }
        if let p = top["prune"] {
            let m = try RecipeReader.mapping(p, "prune", allowed: ["criterion", "granularity", "scope", "protect", "layers", "include", "exclude",
                                                                 "keep_first_last", "sparsity", "schedule", "rate", "agp_frequency", "agp_ramp",
                                                                 "calibration_batches", "structured"])
            var s = r.settings
            if let n = m["criterion"] {
                s.criterion = try RecipeReader.string(n, "prune.criterion")
                guard ImportanceRegistry.names.contains(s.criterion) else {
                    throw RecipeError(line: n.mark?.line, message: "unknown criterion \(s.criterion); known: \(ImportanceRegistry.names.joined(separator: ", "))")
                }
            }
            if let n = m["granularity"] {
                s.granularity = try RecipeReader.string(n, "prune.granularity")
                do { _ = try SparsityPattern.parse(s.granularity) } catch { throw RecipeError(line: n.mark?.line, message: "\(error)") }
            }
            if let n = m["scope"] {
                let scope = try RecipeReader.string(n, "prune.scope")
                s.scope = scope
                guard ["global", "layerwise", "protected"].contains(scope) else {
                    throw RecipeError(line: n.mark?.line, message: "unknown scope \(scope); known: global, layerwise, protected")
                }
            }
            if let n = m["protect"] { s.protect = try RecipeReader.fraction(n, "prune.protect", allowOne: true) }
            if let n = m["sparsity"] { s.sparsity = try RecipeReader.fraction(n, "prune.sparsity", allowOne: false) }
            if let n = m["layers"] {
                let lm = try RecipeReader.mapping(n, "prune.layers", allowed: nil)
                for (k, v) in lm {
                    s.layers[k] = try RecipeReader.fraction(v, "prune.layers.\(k)", allowOne: false)
                    r.patternLines[k] = v.mark?.line
                }
            }
            for key in ["include", "exclude"] {
                guard let n = m[key] else { continue }
                let list = try RecipeReader.strings(n, "prune.\(key)")
                for (item, line) in list { r.patternLines[item] = line }
                if key == "include" { s.include = list.map(\.0) } else { s.exclude = list.map(\.0) }
            }
            if let n = m["keep_first_last"] { s.keepFirstLast = try RecipeReader.bool(n, "prune.keep_first_last") }
            if let n = m["schedule"] {
                s.schedule = try RecipeReader.string(n, "prune.schedule")
                guard ["oneshot", "one-shot", "iterative", "agp", "gradual"].contains(s.schedule) else {
                    throw RecipeError(line: n.mark?.line, message: "unknown schedule \(s.schedule); known: oneshot, iterative, agp")
                }
            }
            if let n = m["rate"] {
                s.rate = try RecipeReader.fraction(n, "prune.rate", allowOne: false)
                guard s.rate > 0 else { throw RecipeError(line: n.mark?.line, message: "prune.rate must be in (0, 1)") }
            }
            if let n = m["agp_frequency"] { s.agpFrequency = try RecipeReader.int(n, "prune.agp_frequency", min: 1) }
            if let n = m["agp_ramp"] { s.agpRamp = try RecipeReader.fraction(n, "prune.agp_ramp", allowOne: true) }
            if let n = m["calibration_batches"] { s.calibrationBatches = try RecipeReader.int(n, "prune.calibration_batches", min: 1) }
            if let n = m["structured"] {
                let sm = try RecipeReader.mapping(n, "prune.structured", allowed: ["target", "ratio", "importance", "aggregation", "minimum_kept", "remove_blocks", "round_to"])
                var st = StructuredSettings()
                if let v = sm["target"] {
                    st.target = try RecipeReader.string(v, "prune.structured.target")
                    guard ["flops", "parameters", "channels"].contains(st.target) else {
                        throw RecipeError(line: v.mark?.line, message: "unknown structured target \(st.target); known: flops, parameters, channels")
                    }
                }
                if let v = sm["ratio"] { st.ratio = try RecipeReader.fraction(v, "prune.structured.ratio", allowOne: true) }
                if let v = sm["importance"] {
                    st.importance = try RecipeReader.string(v, "prune.structured.importance")
                    guard ["l1", "l2", "bn", "fpgm", "random"].contains(st.importance) else {
                        throw RecipeError(line: v.mark?.line, message: "unknown channel importance \(st.importance); known: l1, l2, bn, fpgm, random")
                    }
                }
                if let v = sm["aggregation"] {
                    st.aggregation = try RecipeReader.string(v, "prune.structured.aggregation")
                    guard ["sum", "mean", "max"].contains(st.aggregation) else {
                        throw RecipeError(line: v.mark?.line, message: "unknown aggregation \(st.aggregation); known: sum, mean, max")
                    }
                }
                if let v = sm["remove_blocks"] { st.removeBlocks = try RecipeReader.int(v, "prune.structured.remove_blocks", min: 0) }
                if let v = sm["round_to"] { st.roundTo = try RecipeReader.int(v, "prune.structured.round_to", min: 1) }
                if let v = sm["minimum_kept"] { st.minimumKept = try RecipeReader.fraction(v, "prune.structured.minimum_kept", allowOne: true) }
                s.structured = st
            }
            if let n = m["sparsity"], case .nOfM(let nn, let mm)? = try? SparsityPattern.parse(s.granularity),
               let sp = s.sparsity, abs(sp - (1 - Double(nn) / Double(mm))) > 1e-9 {
                throw RecipeError(line: n.mark?.line, message: "the \(nn):\(mm) granularity fixes sparsity at \(1 - Double(nn) / Double(mm)), not \(sp)")
            }
            r.settings = s
        }
        if let f = top["finetune"] {
            let m = try RecipeReader.mapping(f, "finetune", allowed: ["epochs", "lr", "lr_multiplier", "distill", "batch_size", "skip_below_drop"])
            if let n = m["skip_below_drop"] { r.settings.skipFineTuningBelowDrop = try RecipeReader.fraction(n, "finetune.skip_below_drop", allowOne: true) }
            if let n = m["epochs"] { r.settings.finetuneEpochs = try RecipeReader.int(n, "finetune.epochs", min: 0) }
            if let n = m["lr"] { r.settings.learningRate = Float(try RecipeReader.double(n, "finetune.lr", above: 0)) }
            if let n = m["lr_multiplier"] { r.settings.learningRateMultiplier = Float(try RecipeReader.double(n, "finetune.lr_multiplier", above: 0)) }
            if let n = m["batch_size"] { r.settings.batchSize = try RecipeReader.int(n, "finetune.batch_size", min: 1) }
            if let d = m["distill"] {
                let dm = try RecipeReader.mapping(d, "finetune.distill", allowed: ["weight", "temperature"])
                r.settings.distillWeight = 0.5
                if let n = dm["weight"] { r.settings.distillWeight = Float(try RecipeReader.fraction(n, "finetune.distill.weight", allowOne: true)) }
                if let n = dm["temperature"] { r.settings.temperature = Float(try RecipeReader.double(n, "finetune.distill.temperature", above: 0)) }
            }
        }
        return r
    }

    /// Checks the recipe's layer names and patterns against a model: one that matches nothing is
    /// an error naming its line.
    public func validate(against model: any Module) throws {
        let targets = PruningTarget.all(in: model)
        for pattern in settings.include + settings.exclude + Array(settings.layers.keys) {
            if !targets.contains(where: { NamePattern.matches(pattern, $0.path) || NamePattern.matches(pattern, $0.layerPath) }) {
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

/// A recipe error: the line (when known) and what is wrong.
public struct RecipeError: Error, CustomStringConvertible, Equatable {
    public let line: Int?
    public let message: String
    public var description: String { line.map { "recipe line \($0): \(message)" } ?? "recipe: \(message)" }
}

/// Typed reads of YAML nodes with line-numbered errors.
enum RecipeReader {
    static func mapping(_ node: Node, _ what: String, allowed: [String]?) throws -> [String: Node] {
        guard let m = node.mapping else { throw RecipeError(line: node.mark?.line, message: "\(what) must be a mapping of keys to values") }
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let key = k.string else { throw RecipeError(line: k.mark?.line, message: "a key in \(what) is not a string") }
            if let allowed, !allowed.contains(key) {
                throw RecipeError(line: k.mark?.line, message: "unknown key \"\(key)\" in \(what) (known: \(allowed.joined(separator: ", ")))")
            }
            out[key] = v
        }
        return out
    }

    static func string(_ n: Node, _ key: String) throws -> String {
        guard let s = n.scalar?.string, !s.isEmpty else { throw RecipeError(line: n.mark?.line, message: "\(key) must be a non-empty string") }
        return s
    }

    static func strings(_ n: Node, _ key: String) throws -> [(String, Int?)] {
        if n.scalar != nil { return [(try string(n, key), n.mark?.line)] }
        guard let seq = n.sequence else { throw RecipeError(line: n.mark?.line, message: "\(key) must be a list of names") }
        return try seq.map { (try string($0, key), $0.mark?.line) }
    }

    static func double(_ n: Node, _ key: String, above low: Double? = nil) throws -> Double {
        guard let s = n.scalar?.string, let v = Double(s), v.isFinite else {
            throw RecipeError(line: n.mark?.line, message: "\(key) must be a number, got \(n.scalar?.string ?? "a collection")")
        }
        if let low, !(v > low) { throw RecipeError(line: n.mark?.line, message: "\(key) must be greater than \(low), got \(v)") }
        return v
    }

    static func fraction(_ n: Node, _ key: String, allowOne: Bool) throws -> Double {
        let v = try double(n, key)
        guard v >= 0, allowOne ? v <= 1 : v < 1 else {
            throw RecipeError(line: n.mark?.line, message: "\(key) = \(v) is impossible: it must be in [0, 1\(allowOne ? "]" : ")")\(v == 1 && !allowOne ? " (1 would remove every weight)" : "")")
        }
        return v
    }

    static func int(_ n: Node, _ key: String, min: Int) throws -> Int {
        guard let s = n.scalar?.string, let v = Int(s) else {
            throw RecipeError(line: n.mark?.line, message: "\(key) must be an integer, got \(n.scalar?.string ?? "a collection")")
        }
        guard v >= min else { throw RecipeError(line: n.mark?.line, message: "\(key) must be at least \(min), got \(v)") }
        return v
    }

    static func bool(_ n: Node, _ key: String) throws -> Bool {
        guard let b = n.bool else { throw RecipeError(line: n.mark?.line, message: "\(key) must be true or false") }
        return b
    }
}
