import ArgumentParser
import DecisionTrees
import Foundation
import PruneModelIO

/// Growth (pre-pruning) options shared by `prune tree` and `prune bench trees`.
struct TreeGrowthArguments: ParsableArguments {
    @Option(help: "Split criterion: gini, entropy (classification) or squared-error (regression). Default: gini / squared-error.")
    var criterion: String?
    @Option(help: "Pre-pruning: maximum depth.") var maxDepth: Int?
    @Option(help: "Pre-pruning: minimum rows to split a node.") var minSamplesSplit: Int = 2
    @Option(help: "Pre-pruning: minimum rows in each leaf.") var minSamplesLeaf: Int = 1
    @Option(help: "Pre-pruning: minimum weighted impurity decrease of a split.") var minImpurityDecrease: Double = 0
    @Option(help: "Pre-pruning: grow best-first up to this many leaves.") var maxLeafNodes: Int?
    @Option(name: .customLong("chi2"),
            help: "Pre-pruning: keep only splits significant at this level in a chi-squared test (e.g. 0.05).")
    var chiSquared: Double?

    func options() throws -> TreeGrowthOptions {
        var c: SplitCriterion?
        if let criterion {
            guard let v = SplitCriterion(rawValue: criterion) else {
                throw CLIError("tree: unknown criterion \(criterion); known: gini, entropy, squared-error")
            }
            c = v
        }
        return TreeGrowthOptions(criterion: c, maxDepth: maxDepth, minSamplesSplit: minSamplesSplit,
                                 minSamplesLeaf: minSamplesLeaf,
                                 minImpurityDecrease: minImpurityDecrease, maxLeafNodes: maxLeafNodes, chiSquaredSignificance: chiSquared)
    }
}

/// Post-pruning options shared by `prune tree` and `prune bench trees`.
struct TreeMethodArguments: ParsableArguments {
    @Option(help: "Cost-complexity: prune at this alpha (default: choose alpha by cross-validation).") var alpha: Double?
    @Option(help: "Cost-complexity: how CV chooses alpha: min (lowest error) or 1se (one-standard-error rule).")
    var select: String = "min"
    @Option(help: "Cost-complexity: folds of the cross-validation that chooses alpha.") var folds: Int = 5
    @Option(help: "Reduced-error: fraction of the training rows held out as the pruning set.") var validationFraction: Double = 0.25
    @Option(help: "Error-based (C4.5): confidence factor CF.") var confidence: Double = 0.25

    func validate() throws {
        try OptionBounds.atLeast(folds, 2, "--folds")
        guard validationFraction > 0, validationFraction < 1 else {
            throw ValidationError("--validation-fraction must be in (0, 1), got \(validationFraction)")
        }
        guard confidence > 0, confidence < 1 else {
            throw ValidationError("--confidence must be in (0, 1), got \(confidence)")
        }
        if let alpha, !(alpha >= 0 && alpha.isFinite) { throw ValidationError("--alpha must be ≥ 0, got \(alpha)") }
    }

    func method(_ name: String) throws -> TreePruningMethod {
        switch name {
        case "none": return .none
        case "ccp":
            guard let rule = AlphaSelectionRule(rawValue: select) else { throw CLIError("tree: --select must be min or 1se, got \(select)") }
            return .costComplexity(alpha: alpha, rule: rule, folds: folds)
        case "rep": return .reducedError(validationFraction: validationFraction)
        case "ebp": return .errorBased(confidence: confidence)
        case "pep": return .pessimistic
        default: throw CLIError("tree: unknown method \(name); known: none, ccp, rep, ebp, pep")
        }
    }
}

/// `prune tree`: grow a decision tree on a CSV file, prune it, report size and accuracy before and after.
struct TreeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tree",
        abstract: "Grow a CART decision tree and prune it (pre-pruning, ccp, rep, ebp, pep).",
        discussion: """
        --data takes a CSV file (header row; numeric features; --target names the target column) or a bundled set: \
        iris, wine, breast-cancer, digits, diabetes, fashion-mnist-7x7. The rows are split into training and test \
        (--test-fraction, stratified, seeded); --cv K reports K-fold cross-validation instead.
        """)

    @Option(help: "CSV file, or a bundled data set name.") var data: String
    @Option(help: "Target column (optional for bundled sets).") var target: String?
    @Option(help: "Target kind: auto, classification or regression.") var task: String = "auto"
    @Option(help: "Post-pruning method: none, ccp, rep, ebp or pep.") var method: String = "ccp"
    @OptionGroup var growth: TreeGrowthArguments
    @OptionGroup var methodOptions: TreeMethodArguments
    @Option(help: "Fraction of rows held out for testing (0: grow on every row, no test score).") var testFraction: Double = 0.3
    @Option(help: "Report K-fold cross-validation (mean ± std) instead of one train/test split.") var cv: Int?
    @Option(help: "Rows of fashion-mnist-7x7 to use.") var rows: Int = 10_000
    @OptionGroup var common: CommonOptions
    var seed: UInt64 { common.seed ?? 0 }
    @Option(help: "Write the pruned tree as Graphviz DOT to this file.") var dot: String?
    @Option(help: "Write the pruned tree as JSON (node arrays in pre-order) to this file.") var save: String?
    @Option(help: "Prune this saved tree (JSON from --save) instead of growing one; --data is then the data it was grown on (the pruning set for rep), and --test-fraction is ignored.")
    var tree: String?
    @Flag(help: "Print the cost-complexity path (alphas, total leaf impurities) of the grown tree.") var path = false
    @Flag(name: .customLong("print-tree"), help: "Print the pruned tree as indented text.") var printTree = false
    var json: Bool { common.json }

    struct Side: Encodable {
        var nodes: Int, leaves: Int, depth: Int
        var trainScore: Double
        var testScore: Double?
    }
    struct Report: Encodable {
        var data: String, rows: Int, features: Int, classes: Int, task: String
        var method: String, trainRows: Int, testRows: Int, score: String
        var before: Side, after: Side
        var alpha: Double?
        var candidates: [AlphaCandidate]?
        var path: [CostComplexityStep]?
    }
    struct CVReport: Encodable {
        var data: String, method: String, folds: Int, score: String
        var before: Summary, after: Summary
        struct Summary: Encodable { var meanScore: Double; var stdScore: Double; var meanLeaves: Double; var meanDepth: Double; var meanNodes: Double }
    }

    func validate() throws {
        try OptionBounds.fraction(testFraction, "--test-fraction")
        try OptionBounds.atLeast(rows, 1, "--rows")
        if let cv { try OptionBounds.atLeast(cv, 2, "--cv") }
    }

    func run() throws {
        guard let kind = TargetKind(rawValue: task) else { throw CLIError("tree: --task must be auto, classification or regression") }
        let console = Console(quiet: false, json: json)
        for out in [dot, save].compactMap({ $0 }) where cv == nil {
            do { try AtomicFile.checkDestination(out) } catch { throw CLIError("tree: \(error)") }
        }
        let dataset: TabularDataset
        do { dataset = try TreeData.load(data, target: target, kind: kind,
                                         rows: rows) } catch let e as TabularDataError {
            throw CLIError("tree: \(data): \(e)")
        }
        let pipeline = TreePruningPipeline(growth: try growth.options(), method: try methodOptions.method(method),
                                           seed: seed)
        if let k = cv { return try crossValidate(dataset, pipeline: pipeline, folds: k, console: console) }
        try fitAndPrune(dataset, pipeline: pipeline, console: console)
    }

    private func scoreName(_ dataset: TabularDataset) -> String { dataset.target.isClassification ? "accuracy" : "R²" }

    /// `--cv K`: mean and spread of the test score and tree size over K folds, unpruned and pruned.
    private func crossValidate(_ dataset: TabularDataset, pipeline: TreePruningPipeline, folds k: Int,
                               console: Console) throws {
        let scoreName = scoreName(dataset)
        let folds = try pipeline.crossValidate(dataset, folds: k, seed: seed) { console.progress("fold \($0)/\(k)") }
        console.endProgress()
        func summary(_ score: (FoldResult) -> Double, _ size: (FoldResult) -> TreeSize) -> CVReport.Summary {
            let s = folds.map(score)
            let m = s.reduce(0, +) / Double(s.count)
            let sd = (s.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(s.count - 1, 1))).squareRoot()
            let sizes = folds.map(size)
            func mean(_ f: (TreeSize) -> Int) -> Double { Double(sizes.map(f).reduce(0, +)) / Double(sizes.count) }
            return .init(meanScore: m, stdScore: sd, meanLeaves: mean(\.leaves), meanDepth: mean(\.depth),
                         meanNodes: mean(\.nodes))
        }
        let report = CVReport(data: data, method: method, folds: k, score: scoreName,
                              before: summary(\.unprunedTestScore, \.unprunedSize), after: summary(\.testScore, \.size))
        if json { try console.emitJSON(report); return }
        print("\(data): \(dataset.rowCount) rows, \(dataset.featureCount) features; \(k)-fold cross-validation, \(scoreName) mean ± std")
        for (name, s) in [("unpruned", report.before), (method, report.after)] {
            print(String(format: "%@: %.1f nodes, %.1f leaves, depth %.1f; test %@ %.4f ± %.4f",
                         name, s.meanNodes, s.meanLeaves, s.meanDepth, scoreName, s.meanScore, s.stdScore))
        }
    }

    /// Grows (or loads) a tree on the training split, prunes it, reports, saves.
    private func fitAndPrune(_ dataset: TabularDataset, pipeline: TreePruningPipeline, console: Console) throws {
        var train = dataset, test: TabularDataset?
        if tree == nil && testFraction > 0 {
            let split = try RandomSplits.holdout(dataset, fraction: testFraction, seed: seed)
            train = dataset.subset(split.kept); test = dataset.subset(split.heldOut)
        }
        let fit = try tree.map { try pipeline.prune(try loadTree($0), data: train) } ?? pipeline.fit(train)
        func side(_ t: DecisionTree) -> Side {
            let size = TreeSize(t)
            return Side(nodes: size.nodes, leaves: size.leaves, depth: size.depth, trainScore: t.score(train),
                        testScore: test.map { t.score($0) })
        }
        let report = Report(data: data, rows: dataset.rowCount, features: dataset.featureCount,
                            classes: dataset.classCount,
                            task: dataset.target.isClassification ? "classification" : "regression", method: method,
                            trainRows: train.rowCount, testRows: test?.rowCount ?? 0, score: scoreName(dataset),
                            before: side(fit.unpruned), after: side(fit.pruned), alpha: fit.alpha, candidates: fit.candidates,
                            path: path ? fit.path : nil)
        if let dot { try AtomicFile.write(Data(fit.pruned.renderDOT().utf8), to: dot) }
        if let save {
            try AtomicFile.write(try StableJSON.encode(fit.pruned), to: save)
        }
        if json { try console.emitJSON(report); return }
        printFit(report, fit: fit, dataset: dataset)
    }

    private func loadTree(_ file: String) throws -> DecisionTree {
        guard let bytes = FileManager.default.contents(atPath: file) else { throw CLIError("tree: cannot read \(file)") }
        do { return try JSONDecoder().decode(DecisionTree.self, from: bytes) } catch {
            throw CLIError("tree: \(file) is not a saved tree (JSON from `prune tree --save`): \(error)")
        }
    }

    private func printFit(_ report: Report, fit: TreeFit, dataset: TabularDataset) {
        let scoreName = report.score
        print("\(data): \(dataset.rowCount) rows, \(dataset.featureCount) features, "
              + (dataset.target.isClassification ? "\(dataset.classCount) classes" : "regression")
              + "; train \(report.trainRows), test \(report.testRows)")
        func line(_ name: String, _ s: Side) -> String {
            var l = "\(name): \(s.nodes) nodes, \(s.leaves) leaves, depth \(s.depth); train \(scoreName) \(String(format: "%.4f", s.trainScore))"
            if let t = s.testScore { l += ", test \(scoreName) \(String(format: "%.4f", t))" }
            return l
        }
        print(line("unpruned", report.before))
        var label = method
        if let a = fit.alpha {
            let cv = fit.candidates != nil ? ", chosen by \(methodOptions.folds)-fold CV, rule \(methodOptions.select)" : ""
            label += String(format: " (alpha %.6g%@)", a, cv)
        }
        print(line(label, report.after))
        if path {
            print("cost-complexity path of the grown tree (alpha, total leaf impurity, leaves):")
            for s in fit.path { print(String(format: "  %.10g  %.10g  %d", s.alpha, s.impurity, s.leaves)) }
        }
        if printTree { print(fit.pruned.renderText(), terminator: "") }
        if let dot { print("wrote \(dot)") }
        if let save { print("wrote \(save)") }
    }
}
