import PruneAutodiff
import PruneNN
import PruneTensor

/// Measures what criteria need on a few batches of calibration data.
public enum Calibration {
    /// Collects the statistics `needs` asks for over the first `batches` batches of `loader`,
    /// for the given targets. The model's weights are unchanged afterwards.
    public static func collect(model: any Module, targets: [PruningTarget], needs: Set<CalibrationNeed>,
                               loader: DataLoader, batches: Int, seed: UInt64 = 0, probes: Int = 1,
                               epsilon: Float = 1e-3, movementLearningRate: Float = 1e-4) throws -> CalibrationStatistics {
        var stats = CalibrationStatistics()
        guard !needs.isEmpty else { return stats }
        guard batches > 0 else { throw PruningError.invalidOption("calibration needs at least one batch") }
        let wasTraining = model.isTraining
        model.eval()   // calibration measures the model as it predicts: dropout off, BatchNorm frozen
        defer { if wasTraining { model.train() } }
        let byPath = Dictionary(uniqueKeysWithValues: targets.map { ($0.path, $0) })
        let layerPaths = Set(targets.map(\.layerPath))
        var rng = RandomGenerator(seed: seed)
        if needs.contains(.movement) {
            stats.movementScores = try movement(model: model, targets: targets, loader: loader, steps: batches, learningRate: movementLearningRate)
            if needs == [.movement] { return stats }
        }
        var seen = 0
        for batch in loader {
            if seen == batches { break }
            seen += 1
            // Gradients (and input norms) from one forward/backward pass.
            for (_, p) in model.parameters() { p.zeroGrad() }
            let logits = try ActivationRecorder.forward(model, Variable(batch.images), record: { path, layer, input in
                guard needs.contains(.inputNorms), layerPaths.contains(path) else { return }
                let norms = inputSquareSums(input, layer: layer)
                if let old = stats.inputNormSquareSums[path] { stats.inputNormSquareSums[path] = zip(old, norms).map { $0 + $1 } }
                else { stats.inputNormSquareSums[path] = norms }
            }, recordOutput: { path, _, output in
                guard needs.contains(.outputActivations), layerPaths.contains(path) else { return }
                accumulateOutputs(output, path: path, into: &stats)
            })
            if needs.contains(.gradients) {
                let loss = try Loss.crossEntropy(logits, labels: batch.labels)
                try loss.backward()
                for t in targets {
                    let g = t.parameter.grad?.scalars ?? [Float](repeating: 0, count: t.count)
                    accumulate(&stats.gradientSums[t.path], g)
                    // B·ḡ²: the mini-batch gradient's square scaled by the batch size estimates the
                    // mean per-example squared gradient (the empirical Fisher's diagonal).
                    let size = Float(batch.labels.count)
                    accumulate(&stats.gradientSquareSums[t.path], g.map { size * $0 * $0 })
                }
                stats.gradientBatches += 1
            }
            if needs.contains(.hessianDiagonal) {
                for _ in 0..<probes {
                    var vectors: [String: [Float]] = [:]
                    for t in targets { vectors[t.path] = (0..<t.count).map { _ in rng.nextUniform() < 0.5 ? -1 : 1 } }
                    let plus = try gradients(model, batch: batch, targets: targets, shift: vectors, by: epsilon)
                    let minus = try gradients(model, batch: batch, targets: targets, shift: vectors, by: -epsilon)
                    for t in targets {
                        let v = vectors[t.path]!, gp = plus[t.path]!, gm = minus[t.path]!
                        var est = [Float](repeating: 0, count: t.count)
                        for i in 0..<t.count { est[i] = v[i] * (gp[i] - gm[i]) / (2 * epsilon) }
                        accumulate(&stats.hessianDiagonals[t.path], est)
                    }
                }
            }
        }
        guard seen > 0 else { throw PruningError.invalidOption("the calibration data has no batches") }
        if needs.contains(.hessianDiagonal) {
            let n = Float(seen * probes)
            for (k, v) in stats.hessianDiagonals { stats.hessianDiagonals[k] = v.map { $0 / n } }
        }
        if needs.contains(.gradients) {
            var total = 0.0
            for t in targets {
                let g = stats.gradientSums[t.path]!
                for (gi, w) in zip(g, t.parameter.value.scalars) { total += Double(abs(gi / Float(stats.gradientBatches) * w)) }
            }
            stats.sensitivityTotal = total
        }
        for (_, p) in model.parameters() { p.zeroGrad() }
        _ = byPath
        return stats
    }

    /// Σ A, Σ |A|, Σ A², zeros per output channel of an activation A ([N, C], [N, C, H, W], or
    /// [N, L, C] token features of an imported transformer, channels last).
    static func accumulateOutputs(_ y: Tensor, path: String, into stats: inout CalibrationStatistics) {
        let channelsLast = y.rank == 3
        let c = channelsLast ? y.shape[2] : y.shape[1]
        let n = y.shape[0] * (channelsLast ? y.shape[1] : 1)
        let hw = y.rank == 4 ? y.shape[2] * y.shape[3] : 1
        var sum = stats.outputSums[path] ?? [Double](repeating: 0, count: c)
        var absolute = stats.outputAbsoluteSums[path] ?? [Double](repeating: 0, count: c)
        var sq = stats.outputSquareSums[path] ?? [Double](repeating: 0, count: c)
        var zeros = stats.outputZeros[path] ?? [Double](repeating: 0, count: c)
        let s = y.scalars
        for b in 0..<n { for ch in 0..<c { for i in 0..<hw {
            let a = Double(s[(b * c + ch) * hw + i])
            sum[ch] += a; absolute[ch] += Swift.abs(a); sq[ch] += a * a
            if a == 0 { zeros[ch] += 1 }
        } } }
        stats.outputSums[path] = sum; stats.outputAbsoluteSums[path] = absolute
        stats.outputSquareSums[path] = sq; stats.outputZeros[path] = zeros
        stats.outputCounts[path, default: 0] += Double(n * hw)
    }

    /// Runs `steps` Adam steps on the training loss, accumulating −w·g before each update
    /// (Sanh, Wolf & Rush, "Movement Pruning", NeurIPS 2020). The updates stay: this is fine-tuning.
    static func movement(model: any Module, targets: [PruningTarget], loader: DataLoader, steps: Int,
                         learningRate: Float) throws -> [String: [Float]] {
        model.train()
        let params = model.parameters().map(\.parameter)
        let optimizer = Adam(params, learningRate: learningRate)
        var scores: [String: [Float]] = [:]
        var done = 0
        for batch in loader {
            if done == steps { break }
            done += 1
            for p in params { p.zeroGrad() }
            let loss = try Loss.crossEntropy(try model.forward(Variable(batch.images)), labels: batch.labels)
            try loss.backward()
            for t in targets {
                let g = t.parameter.grad?.scalars ?? [Float](repeating: 0, count: t.count)
                let w = t.parameter.value.scalars
                var s = scores[t.path] ?? [Float](repeating: 0, count: t.count)
                for i in s.indices { s[i] -= w[i] * g[i] }
                scores[t.path] = s
            }
            optimizer.step()
        }
        model.eval()
        guard done > 0 else { throw PruningError.invalidOption("movement scores need at least one training batch") }
        return scores
    }

    private static func accumulate(_ slot: inout [Float]?, _ values: [Float]) {
        if var s = slot { for i in s.indices { s[i] += values[i] }; slot = s } else { slot = values }
    }

    /// Loss gradients with every target weight moved by `by`·v.
    private static func gradients(_ model: any Module, batch: (images: Tensor, labels: [Int]), targets: [PruningTarget],
                                  shift: [String: [Float]], by eps: Float) throws -> [String: [Float]] {
        var saved: [String: Tensor] = [:]
        for t in targets {
            saved[t.path] = t.parameter.value
            let v = shift[t.path]!
            var moved = t.parameter.value
            for i in moved.scalars.indices { moved.scalars[i] += eps * v[i] }
            t.parameter.value = moved
        }
        defer { for t in targets { t.parameter.value = saved[t.path]! } }
        for (_, p) in model.parameters() { p.zeroGrad() }
        let loss = try Loss.crossEntropy(try model.forward(Variable(batch.images)), labels: batch.labels)
        try loss.backward()
        var out: [String: [Float]] = [:]
        for t in targets { out[t.path] = t.parameter.grad?.scalars ?? [Float](repeating: 0, count: t.count) }
        return out
    }

    /// Σ x² per input feature (Linear, input [N, in]) or per channel (Conv2d, input [N, C, H, W]).
    static func inputSquareSums(_ x: Tensor, layer: any Module) -> [Float] {
        let s = x.scalars
        if x.rank == 4 {
            let n = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3]
            var out = [Float](repeating: 0, count: c)
            for b in 0..<n { for ch in 0..<c {
                var acc: Float = 0
                let base = (b * c + ch) * hw
                for i in 0..<hw { acc += s[base + i] * s[base + i] }
                out[ch] += acc
            } }
            return out
        }
        let f = x.shape.last ?? 1, rows = s.count / max(f, 1)
        var out = [Float](repeating: 0, count: f)
        for r in 0..<rows { for j in 0..<f { out[j] += s[r * f + j] * s[r * f + j] } }
        return out
    }
}
