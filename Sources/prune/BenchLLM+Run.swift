import Foundation
import Prune

extension BenchLLM {
    struct Timing: Encodable { var method: String, sparsity: String, seconds: Double, torchSeconds: Double? }

    /// The calibration and evaluation windows as int64 safetensors for the peer.
    func writeWindows(evaluation: [Int], calibration: [TokenRows]) throws -> String {
        let starts = try Perplexity.windowStarts(count: evaluation.count, length: evalLength, stride: evalLength,
                                                 maxWindows: evalWindows)
        let eval = starts.flatMap { evaluation[$0..<($0 + evalLength)] }.map(Float.init)
        let cal = calibration.flatMap { $0.rows.flatMap { $0 } }.map(Float.init)
        var state = StateDict()
        state.tensors["evaluation"] = Tensor(unchecked: [starts.count, evalLength], eval)
        state.tensors["calibration"] = Tensor(unchecked: [calibration.count, calibrationLength], cal)
        let path = NSTemporaryDirectory() + "prune-llm-windows-\(UUID().uuidString).safetensors"
        try Safetensors.write(state, to: path)
        return path
    }

    /// One cell: Prune's pruning time and perplexity, then the peer's.
    func measure(_ method: String, _ sparsity: String?, _ evaluation: [Int], _ calibration: [TokenRows],
                 _ windows: String, _ console: Console) throws -> Cell {
        console.progress("\(method) \(sparsity ?? "") …")
        let (seconds, ppl) = try pruneOnce(method, sparsity, evaluation, calibration)
        var cell = Cell(method: method, sparsity: sparsity ?? "-", perplexity: ppl, seconds: seconds)
        if !noTorch, method != "alps", let peer = peer(method, sparsity ?? "0", windows) {
            cell.torchPerplexity = peer.perplexity; cell.torchSeconds = peer.seconds
        }
        console.endProgress()
        console.info(String(format: "%@ %@: perplexity %.3f (peer %@), %.1f s (peer %@)", method, sparsity ?? "", ppl,
                            cell.torchPerplexity.map { String(format: "%.3f", $0) } ?? "-", seconds,
                            cell.torchSeconds.map { String(format: "%.1f s", $0) } ?? "-"))
        return cell
    }

    /// Prune's clock covers the pruning only; the model is streamed as `prune llm prune` does it, so
    /// the clock includes decoding each block from the GGUF file (the peer's model is loaded first).
    func pruneOnce(_ method: String, _ sparsity: String?, _ evaluation: [Int],
                   _ calibration: [TokenRows]) throws -> (Double, Double) {
        let j = try job(method, sparsity)
        let model = try StreamedLlamaModel(LlamaSource.open(j.model))
        var seconds = 0.0
        if let s = j.sparsity { seconds = try j.prune(model, calibration: calibration, sparsity: s,
                                                      log: SilentLog()).seconds }
        let p = try Perplexity.evaluate(model, tokens: evaluation, length: evalLength, maxWindows: evalWindows)
        return (seconds, p.perplexity)
    }

    func peer(_ method: String, _ sparsity: String, _ windows: String) -> (perplexity: Double, seconds: Double)? {
        let out = PythonPeer.objects(["scripts/llm_peer.py", try! LLMCommand.modelPath(model), windows, method,
                                      sparsity,
                                      String(ProcessInfoCores.count)])
        guard let o = out.last, let p = o["perplexity"] as? Double,
              let s = o["prune_seconds"] as? Double else { return nil }
        return (p, s)
    }

    /// Wanda and SparseGPT at the first sparsity: the median of `repeats` timed jobs on each side.
    func timed(_ evaluation: [Int], _ calibration: [TokenRows], _ windows: String,
               _ console: Console) throws -> [Timing] {
        let s = sparsities.split(separator: ",").first.map(String.init) ?? "0.5"
        guard repeats > 0 else { return [] }
        return try ["wanda", "sparsegpt"].map { m in
            var ours: [Double] = [], theirs: [Double] = []
            for r in 0..<repeats {
                console.progress("timing \(m) \(s): run \(r + 1)/\(repeats)")
                ours.append(try pruneOnce(m, s, evaluation, calibration).0)
                if !noTorch, let p = peer(m, s, windows) { theirs.append(p.seconds) }
            }
            console.endProgress()
            return Timing(method: m, sparsity: s, seconds: median(ours),
                          torchSeconds: theirs.isEmpty ? nil : median(theirs))
        }
    }

    func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.isEmpty ? .nan : s[s.count / 2] }

    func printTable(_ cells: [Cell], timing: [Timing], console: Console) {
        console.result("| method | sparsity | Prune perplexity | PyTorch perplexity | Prune s | PyTorch s |")
        console.result("|---|---|---|---|---|---|")
        for c in cells {
            console.result(String(format: "| %@ | %@ | %.3f | %@ | %.1f | %@ |", c.method, c.sparsity, c.perplexity,
                                  c.torchPerplexity.map { String(format: "%.3f", $0) } ?? "-", c.seconds,
                                  c.torchSeconds.map { String(format: "%.1f", $0) } ?? "-"))
        }
        for t in timing {
            console.result(String(format: "timed %@ %@ (median of %d, %d threads): Prune %.1f s, PyTorch %@", t.method,
                                  t.sparsity,
                                  repeats, ProcessInfoCores.count, t.seconds,
                                  t.torchSeconds.map { String(format: "%.1f s (%.2f× Prune's time)", $0,
                                                              $0 / t.seconds) } ?? "-"))
        }
    }
}
