import ArgumentParser
import Foundation
import Prune

/// `prune bench sparse`: Prune's sparse kernels against the fastest dense Linear measured on this
/// machine for each shape and batch (Prune's own dense product or PyTorch's, whichever wins), against torch.sparse
/// CSR, and, for the int8 formats, against PyTorch's int8 dynamic-quantized Linear. Every time on both
/// sides is the median of five rounds (``MedianTiming``), same threads.
struct BenchSparse: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sparse",
        abstract: "Sparse Linear kernels vs the fastest dense Linear on this machine, torch.sparse CSR and torch int8.")

    @Option(help: "Weight shapes out x in, comma-separated.") var shapes: String = "768x768,768x3072,3072x768,4096x4096"
    @Option(help: "Unstructured sparsities.") var sparsities: String = "0.5,0.7,0.8,0.9,0.95"
    @Option(help: "Batch sizes.") var batches: String = "1,64"
    @Flag(help: "Skip the PyTorch peer (needs python3 with torch).") var noTorch = false
    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }

    struct Row: Encodable {
        var out: Int, inFeatures: Int, pattern: String, format: String, sparsity: Double, batch: Int
        var densePrune: Double, sparse: Double, csrSwiftSIMD: Double?
        var torchDense: Double?, torchCSR: Double?, torchInt8: Double?
        /// The fastest float32 dense Linear measured for this shape and batch, and whose it is.
        var fastestDense: Double { min(densePrune, torchDense ?? .infinity) }
        var fastestDenseName: String { (torchDense ?? .infinity) < densePrune ? "PyTorch" : "Prune dense" }
        var speedupVsFastestDense: Double { fastestDense / sparse }
        var speedupVsTorchCSR: Double? { torchCSR.map { $0 / sparse } }
        var speedupVsTorchInt8: Double? { torchInt8.map { $0 / sparse } }
        enum CodingKeys: String, CodingKey {
            case out, inFeatures, pattern, format, sparsity, batch, densePrune, sparse, csrSwiftSIMD, torchDense
            case torchCSR
            case torchInt8, fastestDense, fastestDenseName, speedupVsFastestDense, speedupVsTorchCSR, speedupVsTorchInt8
        }
        func encode(to e: Encoder) throws {
            var c = e.container(keyedBy: CodingKeys.self)
            try c.encode(out, forKey: .out); try c.encode(inFeatures, forKey: .inFeatures); try c.encode(pattern,
                    forKey: .pattern)
            try c.encode(format, forKey: .format); try c.encode(sparsity, forKey: .sparsity); try c.encode(batch,
                    forKey: .batch)
            try c.encode(densePrune, forKey: .densePrune); try c.encode(sparse, forKey: .sparse)
            try c.encodeIfPresent(csrSwiftSIMD, forKey: .csrSwiftSIMD)
            try c.encodeIfPresent(torchDense, forKey: .torchDense); try c.encodeIfPresent(torchCSR, forKey: .torchCSR)
            try c.encodeIfPresent(torchInt8, forKey: .torchInt8)
            try c.encode(fastestDense, forKey: .fastestDense); try c.encode(fastestDenseName, forKey: .fastestDenseName)
            try c.encode(speedupVsFastestDense, forKey: .speedupVsFastestDense)
            try c.encodeIfPresent(speedupVsTorchCSR, forKey: .speedupVsTorchCSR)
            try c.encodeIfPresent(speedupVsTorchInt8, forKey: .speedupVsTorchInt8)
        }
    }

    struct Roofline: Encodable { var sgemmGFLOPS: Double; var readGBps: Double }
    struct BenchReport: Encodable { var roofline: Roofline; var rows: [Row] }

    /// Peak dense throughput (a 1024³ sgemm) and memory read bandwidth (summing 256 MB on all cores).
    static func roofline() -> Roofline {
        var rng = RandomGenerator(seed: 1)
        let a = Tensor.normal([1024, 1024], using: &rng)
        let t = (try? timed { _ = try Tensor.matmul(a, a) }) ?? 1
        let big = [Float](repeating: 1, count: 64 << 20)
        let read = (try? timed {
            big.withUnsafeBufferPointer { p in
                nonisolated(unsafe) let base = p.baseAddress!
                parallelChunks(p.count / 16, grain: 1 << 16) { range in
                    var acc = SIMD16<Float>()
                    for i in range { acc += UnsafeRawPointer(base + i * 16).loadUnaligned(as: SIMD16<Float>.self) }
                    if acc.sum() == -1 { print("") }
                }
            }
        }) ?? 1
        return Roofline(sgemmGFLOPS: 2 * 1024 * 1024 * 1024 / t / 1e9, readGBps: Double(big.count * 4) / read / 1e9)
    }

    static func timed(_ body: () throws -> Void) rethrows -> Double { try MedianTiming().seconds(body) }

    /// PyTorch's times keyed `OUTxIN@SPARSITY#BATCH` (dense, CSR) and `OUTxIN#BATCH` (int8).
    struct PeerTimes { var float32: [String: (dense: Double, csr: Double)] = [:]; var int8: [String: Double] = [:] }

    func runPeer(_ sparsityList: [Double], console: Console) -> PeerTimes {
        var peer = PeerTimes()
        let torchSparsities = sparsityList.contains(0.5) ? sparsities : sparsities + ",0.5"   // 0.5 for the 2:4 rows
        console.progress("measuring PyTorch …")
        for o in PythonPeer.objects(["Benchmarks/sparse_torch.py", shapes, torchSparsities, batches,
                                     String(ProcessInfoCores.count)]) {
            guard let out = o["out"] as? Int, let inF = o["in"] as? Int, let b = o["batch"] as? Int else { continue }
            if let t = o["int8"] as? Double { peer.int8["\(out)x\(inF)#\(b)"] = t }
            if let s = o["sparsity"] as? Double, let d = o["dense"] as? Double, let c = o["csr"] as? Double {
                peer.float32["\(out)x\(inF)@\(s)#\(b)"] = (d, c)
            }
        }
        return peer
    }

    func run() throws {
        let console = Console(quiet: false, json: json)
        let shapeList = try shapes.split(separator: ",").map { s -> (Int, Int) in
            let d = s.split(separator: "x").compactMap { Int($0) }
            guard d.count == 2 else { throw CLIError("bench sparse: shape '\(s)' is not out x in") }
            return (d[0], d[1])
        }
        let sparsityList = sparsities.split(separator: ",").compactMap { Double($0) }
        let batchList = batches.split(separator: ",").compactMap { Int($0) }
        let peer = noTorch ? PeerTimes() : runPeer(sparsityList, console: console)
        if !noTorch && peer.float32.isEmpty {
            console.info("PyTorch peer unavailable (python3 with torch, run from the repository root); "
                         + "its columns are empty")
        }
        console.progress("measuring this machine's roofline …")
        let roofline = Self.roofline()
        var rows: [Row] = []
        for (out, inF) in shapeList {
            for c in Self.cases(sparsityList) {
                var rng = RandomGenerator(seed: 0)
                let w = Self.weight(out, inF, c.format, sparsity: c.sparsity, rng: &rng)
                let sparse = try c.format.make(w)
                for b in batchList {
                    console.progress("\(out)x\(inF) \(c.pattern) at \(c.sparsity), batch \(b)")
                    let x = Tensor.normal([b, inF], using: &rng)
                    let dense = try Self.timed { _ = try Tensor.matmul(x, w, transposeB: true) }
                    let time = try Self.timed { _ = try sparse.multiply(batch: x) }
                    var swiftSIMD: Double? = nil
                    if case .csr = c.format, b > 1, let csr = sparse as? CSRMatrix {
                        swiftSIMD = try Self.timed { _ = try SparseKernels.multiply(csr, batch: x, kernel: .swiftSIMD) }
                    }
                    // The float32 dense and CSR peers of the int8 rows are the unpruned (dense int8) or
                    // same-sparsity (CSR int8) float32 matrices; the int8 peer is torch's int8 Linear.
                    let isInt8 = c.format.isInt8
                    let t = peer.float32["\(out)x\(inF)@\(isInt8 && c.sparsity == 0 ? 0.5 : c.sparsity)#\(b)"]
                    rows.append(Row(out: out, inFeatures: inF, pattern: c.pattern, format: sparse.formatName,
                                    sparsity: c.sparsity,
                                    batch: b, densePrune: dense, sparse: time, csrSwiftSIMD: swiftSIMD,
                                    torchDense: t?.dense,
                                    torchCSR: c.sparsity == 0 ? nil : t?.csr,
                                    torchInt8: isInt8 ? peer.int8["\(out)x\(inF)#\(b)"] : nil))
                }
            }
        }
        console.endProgress()
        if json { try console.emitJSON(BenchReport(roofline: roofline, rows: rows)); return }
        printTable(rows, roofline)
    }

    /// Unstructured weights in CSR at every sparsity, 4×1-block-sparse weights in BSR 4×1 at the
    /// sparsities from 70%, 2:4 weights in the packed 2:4 format, and int8 weights (per-row scales,
    /// dequantized on the fly): dense, and CSR at 90%.
    static func cases(_ sparsityList: [Double]) -> [(format: SparseFormat, pattern: String, sparsity: Double)] {
        var cases: [(format: SparseFormat, pattern: String, sparsity: Double)] = sparsityList.map { (.csr,
                "unstructured", $0) }
        cases += sparsityList.filter { $0 >= 0.7 }.map { (.blocks(rows: 4, columns: 1), "4x1 blocks", $0) }
        cases.append((.nOfM(n: 2, m: 4), "2:4", 0.5))
        cases.append((.int8, "dense int8", 0))
        if sparsityList.contains(0.9) { cases.append((.csrInt8, "unstructured int8", 0.9)) }
        return cases
    }

    /// A seeded normal `out × inF` weight with the format's pattern of zeros.
    static func weight(_ out: Int, _ inF: Int, _ format: SparseFormat, sparsity: Double,
                       rng: inout RandomGenerator) -> Tensor {
        var w = Tensor.normal([out, inF], using: &rng)
        switch format {
        case .csr, .csrInt8:
            for i in w.scalars.indices where Double(rng.nextUniform()) < sparsity { w.scalars[i] = 0 }
        case .int8:
            break
        case .blocks(let br, _):
            for r0 in stride(from: 0, to: out, by: br) {
                for j in 0..<inF where Double(rng.nextUniform()) < sparsity {
                    for r in r0..<min(r0 + br, out) { w.scalars[r * inF + j] = 0 }
                }
            }
        case .nOfM(let n, let m):
            for r in 0..<out {
                for g in stride(from: 0, to: inF, by: m) {
                    // Keep n random positions of each run of m.
                    var keep = Array(0..<m)
                    for i in stride(from: m - 1, to: 0, by: -1) { keep.swapAt(i, rng.nextInt(below: i + 1)) }
                    for j in keep.dropFirst(n) where g + j < inF { w.scalars[r * inF + g + j] = 0 }
                }
            }
        }
        return w
    }

    func printTable(_ rows: [Row], _ roofline: Roofline) {
        print("Linear y = x·Wᵀ, W out×in; median time per call of 5 rounds on both sides, "
              + "\(ProcessInfoCores.count) threads. "
              + "Prune's kernels: C with \(SpMMKernel.intrinsicsISA); \(BLASThreads.kernels).")
        print("\"fastest dense\" is the faster float32 dense Linear measured here for that shape and batch (Prune's "
              + "dense Tensor.matmul, or PyTorch x @ W.T); the speed-up is against it. torch.sparse CSR is float32, "
              + "holding a random matrix of "
              + "the same sparsity; torch int8 is PyTorch's int8 dynamic-quantized Linear (per-row scales).")
        print(String(format: "Roofline of this machine: dense sgemm %.0f GFLOP/s (1024³), "
                     + "memory read bandwidth %.1f GB/s",
                     roofline.sgemmGFLOPS, roofline.readGBps))
        print("| W (out×in) | pattern | sparsity | batch | Prune | format | fastest dense | speed-up vs fastest dense "
              + "| Prune dense | torch dense | torch.sparse CSR (f32) | Prune vs torch.sparse | torch int8 "
              + "| Prune vs torch int8 |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        func us(_ t: Double?) -> String { t.map { String(format: "%.1f µs", $0 * 1e6) } ?? "–" }
        func x(_ r: Double?) -> String { r.map { String(format: "%.2f×", $0) } ?? "–" }
        for r in rows {
            print("| \(r.out)×\(r.inFeatures) | \(r.pattern) | \(Int(r.sparsity * 100))% | \(r.batch) "
                  + "| \(us(r.sparse)) | \(r.format) "
                  + "| \(r.fastestDenseName) \(us(r.fastestDense)) | \(x(r.speedupVsFastestDense)) "
                  + "| \(us(r.densePrune)) "
                  + "| \(us(r.torchDense)) | \(us(r.torchCSR)) | \(x(r.speedupVsTorchCSR)) | \(us(r.torchInt8)) "
                  + "| \(x(r.speedupVsTorchInt8)) |")
        }
    }
}
