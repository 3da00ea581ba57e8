import ArgumentParser
import Foundation
import Prune

/// `prune bench gemm`: a GEMM-bound Linear layer (forward and backward) against OpenBLAS's own
/// sgemm on the same shapes, as a fraction of the library's throughput.
struct BenchGemm: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm",
        abstract: "Linear-layer throughput as a fraction of raw OpenBLAS sgemm on the same shapes.")

    @Option(help: "Shapes as batch x in x out, comma-separated.")
    var shapes: String = "256x1024x1024,512x784x300,64x4096x4096"

    @Option(help: "Repetitions per measurement.")
    var repeats: Int = 20

    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    struct Row: Encodable {
        let batch: Int, inFeatures: Int, outFeatures: Int
        let layerGflops: Double, sgemmGflops: Double, fraction: Double
    }

    func run() throws {
        var rows: [Row] = []
        for spec in shapes.split(separator: ",") {
            let d = spec.split(separator: "x").compactMap { Int($0) }
            guard d.count == 3 else { throw CLIError("bench gemm: shape '\(spec)' is not batch x in x out") }
            let (m, k, n) = (d[0], d[1], d[2])
            var rng = RandomGenerator(seed: 1)
            let layer = Linear(k, n, bias: true, rng: &rng)
            let x = Tensor.normal([m, k], using: &rng)
            let g = Tensor.normal([m, n], using: &rng)
            // Layer: forward + backward (3 GEMMs of m·k·n multiply-adds).
            func layerStep() throws {
                layer.zeroGrad()
                let xv = Variable(x, requiresGrad: true)
                let y = try layer.forward(xv)
                try y.backward(g)
            }
            try layerStep()
            var t0 = monotonicSeconds()
            for _ in 0..<repeats { try layerStep() }
            let layerTime = (monotonicSeconds() - t0) / Double(repeats)
            // Raw sgemm: the same three products.
            var y = [Float](repeating: 0, count: m * n), dx = [Float](repeating: 0,
                                                                      count: m * k), dw = [Float](repeating: 0,
                    count: n * k)
            let w = layer.weight.value.scalars
            func raw() {
                x.scalars.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in g.scalars.withUnsafeBufferPointer { gp in
                    y.withUnsafeMutableBufferPointer { yp in Tensor.gemm(xp.baseAddress!, wp.baseAddress!,
                                                                         yp.baseAddress!, m: m, n: n, k: k, transB: true) }
                    dx.withUnsafeMutableBufferPointer { dp in Tensor.gemm(gp.baseAddress!, wp.baseAddress!,
                                                                          dp.baseAddress!, m: m, n: k, k: n) }
                    dw.withUnsafeMutableBufferPointer { dp in Tensor.gemm(gp.baseAddress!, xp.baseAddress!,
                                                                          dp.baseAddress!, m: n, n: k, k: m, transA: true) }
                } } }
            }
            raw()
            t0 = monotonicSeconds()
            for _ in 0..<repeats { raw() }
            let rawTime = (monotonicSeconds() - t0) / Double(repeats)
            let flops = 3 * 2 * Double(m * k * n)
            rows.append(Row(batch: m, inFeatures: k, outFeatures: n, layerGflops: flops / layerTime / 1e9,
                            sgemmGflops: flops / rawTime / 1e9, fraction: rawTime / layerTime))
        }
        if json { try Console(quiet: false, json: true).emitJSON(rows); return }
        print("batch x in x out       Linear fwd+bwd GFLOP/s   OpenBLAS sgemm GFLOP/s   fraction (target ≥ 0.80)")
        for r in rows {
            print(String(format: "%-22@ %24.1f %24.1f   %.2f", "\(r.batch)x\(r.inFeatures)x\(r.outFeatures)",
                         r.layerGflops, r.sgemmGflops, r.fraction))
        }
    }
}
