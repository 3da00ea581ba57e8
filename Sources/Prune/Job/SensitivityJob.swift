import Foundation

/// `prune sensitivity`: a built-in or ONNX model's per-layer sensitivity curves on Fashion-MNIST test
/// accuracy, without and (for a model with BatchNorm) with a recalibration of the BatchNorm statistics
/// on a few training batches, the allocation they give for a largest accuracy drop, and a plot.
public enum SensitivityJob {
    public struct Inputs {
        public var model: String
        public var weights: String
        public var analysis: SensitivityAnalysis
        /// Training batches for the BatchNorm recalibration (0: none).
        public var recalibrationBatches: Int
        public var seed: UInt64
        /// When set, curves per dependency group (channels removed structurally by this pruner's criterion)
        /// instead of per layer.
        public var groupPruner: StructuredPruner?
        public init(model: String, weights: String, analysis: SensitivityAnalysis, recalibrationBatches: Int = 10,
                    seed: UInt64 = 0, groupPruner: StructuredPruner? = nil) {
            self.model = model; self.weights = weights; self.analysis = analysis
            self.recalibrationBatches = recalibrationBatches; self.seed = seed; self.groupPruner = groupPruner
        }
    }

    public struct Report: Codable {
        public let model: String
        public let criterion: String
        /// "group" when channels were removed per dependency group; nil (or "layer") for weights masked per layer.
        public var unit: String?
        /// Accuracy of each layer pruned alone, BatchNorm statistics as trained.
        public let plain: SensitivityReport
        /// The same after recalibrating the BatchNorm statistics (models with BatchNorm only).
        public let recalibrated: SensitivityReport?
    }

    public static func run(_ inputs: Inputs, data: ImageDataSource, log: any JobLog = SilentLog()) throws -> Report {
        let source = PruningModelSource.isONNX(inputs.model) ? try PruningModelSource.onnx(inputs.model, log: log)
            : try PruningModelSource.zoo(inputs.model, weights: inputs.weights, trainIfMissing: nil, data: data,
                                         log: log)
        if let pruner = inputs.groupPruner { return try runGroups(inputs, pruner: pruner, source: source, data: data,
                                                                  log: log) }
        let model = source.module, test = try data.load(.test)
        let targets = PruningTarget.all(in: model)
        guard !targets.isEmpty else { throw JobError("\(inputs.model) has no prunable weights") }
        let evaluate = { () throws -> Double in
            let result = try Trainer.evaluate(model, loader: data.loader(test, shuffle: false, seed: 0))
            return Double(result.accuracy)
        }
        log.info("\(targets.count) layers × \(inputs.analysis.sparsities.count) sparsities on \(test.count) images")
        let (plain, recalibrated) = try asTrainedAndRecalibrated(inputs, model: model, data: data, log: log) { r in
            var analysis = inputs.analysis
            if let r { analysis.recalibration = r }
            return try analysis.run(model, targets: targets, evaluate: evaluate) { log.progress($0) }
        }
        return Report(model: inputs.model, criterion: inputs.analysis.criterion.name, unit: "layer", plain: plain,
                      recalibrated: recalibrated)
    }

    /// Curves per dependency group, each point from a fresh copy of the model.
    static func runGroups(_ inputs: Inputs, pruner: StructuredPruner, source: PruningModelSource,
                          data: ImageDataSource, log: any JobLog) throws -> Report {
        let test = try data.load(.test)
        let example = Tensor.zeros([1] + Array(test.images.shape.dropFirst()))
        let evaluate = { (model: any Module) throws -> Double in
            Double(try Trainer.evaluate(model, loader: data.loader(test, shuffle: false, seed: 0)).accuracy)
        }
        let analysis = try GroupSensitivityAnalysis(levels: inputs.analysis.sparsities, pruner: pruner)
        log.info("dependency groups × \(analysis.levels.count) channel fractions on \(test.count) images")
        let (plain, recalibrated) = try asTrainedAndRecalibrated(inputs, model: source.module, data: data,
                                                                 log: log) { r in
            var withRecalibration = analysis
            withRecalibration.recalibration = r
            return try withRecalibration.run(reload: source.reload, example: example, evaluate: evaluate) {
                log.progress($0)
            }
        }
        return Report(model: inputs.model, criterion: pruner.criterion.name, unit: "group", plain: plain,
                      recalibrated: recalibrated)
    }

    /// The curves as trained (`curves(nil)`), and again with the BatchNorm statistics re-estimated on the
    /// asked training batches when there are any and the model has BatchNorm.
    static func asTrainedAndRecalibrated(_ inputs: Inputs, model: any Module, data: ImageDataSource, log: any JobLog,
                                         curves: (BatchNormRecalibration?) throws -> SensitivityReport) throws
        -> (SensitivityReport, SensitivityReport?) {
        let plain = try curves(nil)
        log.endProgress()
        guard inputs.recalibrationBatches > 0, BatchNormRecalibration.applies(to: model) else { return (plain, nil) }
        let recalibration = BatchNormRecalibration(batches: try trainingBatches(inputs.recalibrationBatches, data: data,
                                                                                 seed: inputs.seed))
        log.info("again with the BatchNorm statistics re-estimated on \(inputs.recalibrationBatches) batches")
        let recalibrated = try curves(recalibration)
        log.endProgress()
        return (plain, recalibrated)
    }

    /// The first `count` normalized batches of a shuffled training loader.
    static func trainingBatches(_ count: Int, data: ImageDataSource, seed: UInt64) throws -> [Tensor] {
        var out: [Tensor] = []
        for batch in try data.loader(try data.load(.train), shuffle: true, seed: seed) {
            out.append(batch.images)
            if out.count == count { break }
        }
        return out
    }
}

extension SensitivityJob.Report {
    /// Accuracy against sparsity, one line per layer (the recalibrated ones marked "BN recal.").
    public func plot() -> LinePlot {
        let unit = self.unit ?? "layer"
        var plot = LinePlot(title: "Per-\(unit) sensitivity of \(model) (\(criterion))",
                            xLabel: unit == "group" ? "fraction of the group's channels removed"
                                : "sparsity of the layer",
                            yLabel: "test accuracy (%)")
        let colors = LinePlot.palette
        for (report, suffix) in [(plain, ""), (recalibrated, " (BN recal.)")] {
            guard let report else { continue }
            for (i, c) in report.curves.enumerated() {
                let points = [(x: 0.0, y: report.baseline * 100, error: 0.0)]
                    + c.points.map { (x: $0.sparsity, y: $0.metric * 100, error: 0.0) }
                plot.series.append(LinePlot.Series(name: c.layer + suffix, color: colors[i % colors.count],
                                                   points: points))
            }
        }
        return plot
    }
}
