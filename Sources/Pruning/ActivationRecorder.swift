import PruneAutodiff
import PruneNN
import PruneTensor

/// Runs a forward pass while handing the input of every Linear and Conv2d layer to a callback.
///
/// Sequential containers, residual blocks and imported graphs are opened and their children run one by one; any
/// other module runs as a whole, so layers inside it are not seen (their statistics are reported
/// missing, not guessed).
public enum ActivationRecorder {
    public static func forward(_ module: any Module, _ x: Variable, path: String = "",
                               record: (String, any Module, Tensor) throws -> Void,
                               recordOutput: ((String, any Module, Tensor) throws -> Void)? = nil) throws -> Variable {
        if let s = module as? Sequential {
            var h = x
            for (name, child) in s.layers {
                h = try forward(child, h, path: path.isEmpty ? name : path + "." + name, record: record, recordOutput: recordOutput)
            }
            return h
        }
        if let c = module as? Concatenate {
            let outs = try c.branches.map { try forward($0.module, x, path: path.isEmpty ? $0.name : path + "." + $0.name, record: record, recordOutput: recordOutput) }
            return try Variable.concat(outs, axis: 1)
        }
        if let r = module as? Residual {
            func child(_ n: String) -> String { path.isEmpty ? n : path + "." + n }
            let body = try forward(r.body, x, path: child("body"), record: record, recordOutput: recordOutput)
            let shortcut = try r.shortcut.map { try forward($0, x, path: child("shortcut"), record: record, recordOutput: recordOutput) } ?? x
            let sum = try body + shortcut
            return try r.activation?.forward(sum) ?? sum
        }
        if let g = module as? GraphModel {
            var paths: [ObjectIdentifier: String] = [:]
            for (p, m) in g.namedModules(prefix: path) { paths[ObjectIdentifier(m)] = p }
            return try g.firstOutput(of: try g.run(try g.feeds(for: x)) { node, inputs, outputs in
                guard let m = node.op.module, m is Linear || m is Conv2d, let p = paths[ObjectIdentifier(m)],
                      case .float(let v)? = inputs.first ?? nil else { return }
                try record(p, m, v.value)
                if let recordOutput, case .float(let y)? = outputs.first { try recordOutput(p, m, y.value) }
            })
        }
        let isLayer = module is Linear || module is Conv2d
        if isLayer { try record(path, module, x.value) }
        let y = try module.forward(x)
        if isLayer, let recordOutput { try recordOutput(path, module, y.value) }
        return y
    }
}
