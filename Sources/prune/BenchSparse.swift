import ArgumentParser
import Foundation
import Prune

/// `prune bench sparse`: CSR kernels against dense OpenBLAS and PyTorch (dense and torch.sparse CSR) in one run.
struct BenchSparse: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sparse",
        abstract: "Sparse Linear kernels (CSR) vs dense OpenBLAS and PyTorch (dense, torch.sparse CSR) on the same shapes.")

    @Option(help: "Weight shapes out x in, comma-separated.") var shapes: String = "768x768,768x3072,3072x768,4096x4096"
    @Option(help: "Unstructured sparsities.") var sparsities: String = "0.5,0.7,0.8,0.9,0.95"
    @Option(help: "Batch sizes.") var batches: String = "1,64"
    @Flag(help: "Skip the PyTorch peer (needs python3 with torch).") var noTorch = false
    @Flag(help: "Print JSON instead of markdown.") var json = false

    struct Row: Encodable {
        var out: Int, inFeatures: Int, sparsity: Double, batch: Int
        var denseOpenBLAS: Double, csr: Double, csrSwiftSIMD: Double, torchDense: Double?, torchCSR: Double?
        var speedupVsOpenBLAS: Double { denseOpenBLAS / csr }
        var speedupVsTorchCSR: Double? { torchCSR.map { $0 / csr } }
        enum CodingKeys: String, CodingKey { case out, inFeatures, sparsity, batch, denseOpenBLAS, csr, csrSwiftSIMD, torchDense, torchCSR, speedupVsOpenBLAS, speedupVsTorchCSR }
        func encode(to e: Encoder) throws {
            var c = e.container(keyedBy: CodingKeys.self)
            try c.encode(out, forKey: .out); try c.encode(inFeatures, forKey: .inFeatures); try c.encode(sparsity, forKey: .sparsity)
            try c.encode(batch, forKey: .batch); try c.encode(denseOpenBLAS, forKey: .denseOpenBLAS); try c.encode(csr, forKey: .csr)
            try c.encode(csrSwiftSIMD, forKey: .csrSwiftSIMD)
            try c.encodeIfPresent(torchDense, forKey: .torchDense); try c.encodeIfPresent(torchCSR, forKey: .torchCSR)
            try c.encode(speedupVsOpenBLAS, forKey: .speedupVsOpenBLAS); try c.encodeIfPresent(speedupVsTorchCSR, forKey: .speedupVsTorchCSR)
        }
    }

    static func timed(_ body: () throws -> Void) rethrows -> Double {
        try body()
        var n = 0
        let start = monotonicSeconds()
        while true {
            try body()
            n += 1
            let el = monotonicSeconds() - start
            if el >= 0.2 && n >= 3 { return el / Double(n) }
        }
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
        var torch: [String: (Double, Double)] = [:]
        if !noTorch {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "Benchmarks/sparse_torch.py", shapes, sparsities, batches, String(ProcessInfoCores.count)]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            console.progress("measuring PyTorch …")
            if (try? p.run()) != nil {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                    guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                          let out = o["out"] as? Int, let inF = o["in"] as? Int, let s = o["sparsity"] as? Double, let b = o["batch"] as? Int,
                          let d = o["dense"] as? Double, let c = o["csr"] as? Double else { continue }
                    torch["\(out)x\(inF)@\(s)#\(b)"] = (d, c)
                }
            }
            if torch.isEmpty { console.info("PyTorch peer unavailable (python3 with torch, run from the repository root); its columns are empty") }
        }
        var rows: [Row] = []
        for (out, inF) in shapeList {
            for s in sparsityList {
                var rng = RandomGenerator(seed: 0)
                var w = Tensor.normal([out, inF], using: &rng)
                for i in w.scalars.indices where Double(rng.nextUniform()) < s { w.scalars[i] = 0 }
                let csr = try CSRMatrix(dense: w)
                for b in batchList {
                    console.progress("\(out)x\(inF) at \(s), batch \(b)")
                    let x = Tensor.normal([b, inF], using: &rng)
                    let dense = try Self.timed { _ = try Tensor.matmul(x, w, transposeB: true) }
                    let sparse = try Self.timed { _ = try SparseKernels.multiply(csr, batch: x) }
                    let swiftSIMD = b == 1 ? sparse : try Self.timed { _ = try SparseKernels.multiply(csr, batch: x, kernel: .swiftSIMD) }
                    let t = torch["\(out)x\(inF)@\(s)#\(b)"]
                    rows.append(Row(out: out, inFeatures: inF, sparsity: s, batch: b, denseOpenBLAS: dense, csr: sparse, csrSwiftSIMD: swiftSIMD, torchDense: t?.0, torchCSR: t?.1))
                }
            }
        }
        console.endProgress()
        if json { try console.emitJSON(rows); return }
        print("Linear y = x·Wᵀ, W out×in with random unstructured sparsity; times per call (best effort, \(ProcessInfoCores.count) threads)")
        print("Prune CSR uses the C intrinsics kernel (\(SpMMKernel.intrinsicsISA)); the Swift SIMD16 kernel is shown beside it (batch 1 uses one SpMV kernel)")
        print("| W (out×in) | sparsity | batch | dense OpenBLAS | Prune CSR | CSR speed-up vs OpenBLAS | Swift SIMD kernel | torch dense | torch.sparse CSR | Prune vs torch.sparse |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        func us(_ t: Double?) -> String { t.map { String(format: "%.1f µs", $0 * 1e6) } ?? "–" }
        for r in rows {
            print("| \(r.out)×\(r.inFeatures) | \(Int(r.sparsity * 100))% | \(r.batch) | \(us(r.denseOpenBLAS)) | \(us(r.csr)) | "
                  + String(format: "%.2f×", r.speedupVsOpenBLAS) + " | \(us(r.csrSwiftSIMD)) | \(us(r.torchDense)) | \(us(r.torchCSR)) | "
                  + (r.speedupVsTorchCSR.map { String(format: "%.2f×", $0) } ?? "–") + " |")
        }
    }
}
