import ArgumentParser
import Foundation
import Prune

/// `prune bench gemm`: a GEMM-bound Linear layer (forward and backward) against the same three products
/// through Prune's `Tensor.gemm` (its own AVX-512 or AVX2 kernels where the CPU has them), and those products
/// against the BLAS library's own sgemm on its own threads, same shapes and thread count.
struct BenchGemm: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm",
        abstract: "Linear-layer throughput vs its raw products, and Prune's products vs OpenBLAS sgemm.")

    @Option(help: "Shapes as batch x in x out, comma-separated.")
    var shapes: String = "256x1024x1024,512x784x300,64x4096x4096"

    @Option(help: "Repetitions per measurement.")
    var repeats: Int = 20

    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    struct Row: Encodable {
        let batch: Int, inFeatures: Int, outFeatures: Int
        let layerGflops: Double, productGflops: Double, blasGflops: Double, fraction: Double
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
            let t0 = monotonicSeconds()
            for _ in 0..<repeats { try layerStep() }
            let layerTime = (monotonicSeconds() - t0) / Double(repeats)
            // Raw sgemm: the same three products.
            let w = layer.weight.value.scalars
            let productTime = threeProducts(x: x.scalars, w: w, g: g.scalars, m: m, k: k, n: n) {
                Tensor.gemm($0, $1, $2, m: $3, n: $4, k: $5, transA: $6, transB: $7)
            }
            let blasTime = threeProducts(x: x.scalars, w: w, g: g.scalars, m: m, k: k, n: n) {
                Tensor.blasGemm($0, $1, $2, m: $3, n: $4, k: $5, transA: $6, transB: $7)
            }
            let flops = 3 * 2 * Double(m * k * n)
            rows.append(Row(batch: m, inFeatures: k, outFeatures: n, layerGflops: flops / layerTime / 1e9,
                            productGflops: flops / productTime / 1e9, blasGflops: flops / blasTime / 1e9,
                            fraction: productTime / layerTime))
        }
        if json { try Console(quiet: false, json: true).emitJSON(rows); return }
        print("\(ProcessInfoCores.count) threads; \(BLASThreads.kernels)")
        print("batch x in x out   Linear fwd+bwd GFLOP/s   Prune products GFLOP/s   OpenBLAS sgemm GFLOP/s   "
              + "layer/products   products/OpenBLAS")
        for r in rows {
            let shape = "\(r.batch)x\(r.inFeatures)x\(r.outFeatures)"
            print(String(format: "%-18@ %22.1f %24.1f %24.1f   %14.2f   %17.2f", shape,
                         r.layerGflops, r.productGflops, r.blasGflops, r.fraction, r.productGflops / r.blasGflops))
        }
    }

    /// Seconds per round of a Linear layer's three products (y = x·Wᵀ, dx = g·W, dW = gᵀ·x) through `gemm`.
    func threeProducts(x: [Float], w: [Float], g: [Float], m: Int, k: Int, n: Int,
                       gemm: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int, Int,
                              Bool, Bool) -> Void) -> Double {
        var y = [Float](repeating: 0, count: m * n), dx = [Float](repeating: 0, count: m * k)
        var dw = [Float](repeating: 0, count: n * k)
        func round() {
            x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in g.withUnsafeBufferPointer { gp in
                y.withUnsafeMutableBufferPointer { gemm(xp.baseAddress!, wp.baseAddress!, $0.baseAddress!, m, n, k,
                                                        false, true) }
                dx.withUnsafeMutableBufferPointer { gemm(gp.baseAddress!, wp.baseAddress!, $0.baseAddress!, m, k, n,
                                                         false, false) }
                dw.withUnsafeMutableBufferPointer { gemm(gp.baseAddress!, xp.baseAddress!, $0.baseAddress!, n, k, m,
                                                         true, false) }
            } } }
        }
        round()
        var times: [Double] = []
        for _ in 0..<3 {
            let t0 = monotonicSeconds()
            for _ in 0..<repeats { round() }
            times.append((monotonicSeconds() - t0) / Double(repeats))
        }
        return MedianTiming.median(times)
    }
}
