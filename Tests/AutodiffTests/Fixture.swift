import Foundation
import PruneTensor
import PruneModelIO

/// The PyTorch-generated op fixture (see scripts/parity/make_op_fixtures.py).
struct OpFixture {
    struct Case {
        let name: String
        let inputs: [Tensor]
        let differentiable: [Int]
        let output: Tensor
        let upstream: Tensor
        let grads: [Int: Tensor]
    }

    let cases: [Case]

    static func load() throws -> OpFixture {
        guard let url = Bundle.module.url(forResource: "ops", withExtension: "safetensors", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        let state = try Safetensors.read(url.path)
        var cases: [Case] = []
        for (name, json) in state.metadata where name != "torch_version" {
            let info = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
            let n = info["inputs"] as! Int
            let diff = info["diff"] as! [Int]
            cases.append(Case(name: name, inputs: (0..<n).map { state["\(name).in\($0)"]! }, differentiable: diff,
                              output: state["\(name).out"]!, upstream: state["\(name).upstream"]!,
                              grads: Dictionary(uniqueKeysWithValues: diff.map { ($0, state["\(name).grad\($0)"]!) })))
        }
        return OpFixture(cases: cases.sorted { $0.name < $1.name })
    }
}

/// Largest violation of |a − b| ≤ tol · max(1, |b|), or nil when every element passes.
func worstMismatch(_ a: Tensor, _ b: Tensor, tolerance: Float) -> String? {
    guard a.shape == b.shape else { return "shape \(a.shape) vs \(b.shape)" }
    var worst: (Int, Float)? = nil
    for i in 0..<a.count {
        let err = abs(a.scalars[i] - b.scalars[i]) / max(1, abs(b.scalars[i]))
        if !(err <= tolerance), worst == nil || err > worst!.1 || err.isNaN { worst = (i, err) }
    }
    guard let (i, e) = worst else { return nil }
    return "element \(i): \(a.scalars[i]) vs \(b.scalars[i]) (relative error \(e))"
}
