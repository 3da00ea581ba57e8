import PruneAutodiff
import PruneNN
import PruneTensor

/// Runs a forward pass while handing the input of every Linear and Conv2d layer to `record`, and
/// the layer's **activation** to `recordOutput`: its output after the chain of
/// ``PerChannelOperation``s (BatchNorm, activation functions, Dropout) that directly follows it,
/// which is what the network computes from that layer's channels. Per layer type:
/// - in a `Sequential`, the children that follow the layer and conform to `PerChannelOperation`
///   (Conv2d → BatchNorm → ReLU: after the ReLU; a last Linear producing logits: its raw output);
/// - in a `Residual` body, the chain ends with the body (the addition and the block's activation
///   mix in the shortcut, so they are not the layer's activation);
/// - in an imported graph, the chain of activation and BatchNormalization nodes each of which is
///   the only reader of the value before it.
///
/// Sequential containers, concatenations, residual blocks and imported graphs are opened; any other
/// module runs as a whole, so layers inside it are not seen (their statistics are reported missing,
/// not guessed).
public enum ActivationRecorder {
    public typealias Callback = (String, any Module, Tensor) throws -> Void

    public static func forward(_ module: any Module, _ x: Variable, path: String = "",
                               record: Callback, recordOutput: Callback? = nil) throws -> Variable {
        func child(_ n: String) -> String { path.isEmpty ? n : path + "." + n }
        if let s = module as? Sequential { return try sequential(s, x, path: path, record: record,
                                                                 recordOutput: recordOutput) }
        if let c = module as? Concatenate {
            let outs = try c.branches.map {
                try forward($0.module, x, path: child($0.name), record: record, recordOutput: recordOutput)
            }
            return try Variable.concat(outs, axis: 1)
        }
        if let r = module as? Residual {
            let body = try forward(r.body, x, path: child("body"), record: record, recordOutput: recordOutput)
            let shortcut = try r.shortcut.map {
                try forward($0, x, path: child("shortcut"), record: record, recordOutput: recordOutput)
            } ?? x
            let sum = try body + shortcut
            return try r.activation?.forward(sum) ?? sum
        }
        if let g = module as? GraphModel { return try graph(g, x, path: path, record: record,
                                                            recordOutput: recordOutput) }
        let isLayer = isRecorded(module)
        if isLayer { try record(path, module, x.value) }
        let y = try module.forward(x)
        if isLayer, let recordOutput { try recordOutput(path, module, y.value) }
        return y
    }

    static func isRecorded(_ m: any Module) -> Bool { m is any PrunableWeightLayer }

    /// Children one by one; a recorded layer's activation is taken after the per-channel
    /// operations that follow it.
    static func sequential(_ s: Sequential, _ x: Variable, path: String, record: Callback,
                           recordOutput: Callback?) throws -> Variable {
        func child(_ n: String) -> String { path.isEmpty ? n : path + "." + n }
        var h = x
        var i = 0
        while i < s.layers.count {
            let (name, layer) = s.layers[i]
            i += 1
            guard isRecorded(layer) else {
                h = try forward(layer, h, path: child(name), record: record, recordOutput: recordOutput)
                continue
            }
            try record(child(name), layer, h.value)
            h = try layer.forward(h)
            while i < s.layers.count, s.layers[i].module is any PerChannelOperation {
                h = try s.layers[i].module.forward(h)
                i += 1
            }
            try recordOutput?(child(name), layer, h.value)
        }
        return h
    }

    /// Runs an imported graph, following each recorded layer's output through the activation and
    /// per-channel nodes that are its only reader.
    static func graph(_ g: GraphModel, _ x: Variable, path: String, record: Callback,
                      recordOutput: Callback?) throws -> Variable {
        var paths: [ObjectIdentifier: String] = [:]
        for (p, m) in g.namedModules(prefix: path) { paths[ObjectIdentifier(m)] = p }
        var readers: [String: Int] = [:]
        for n in g.nodes { for name in n.inputs where !name.isEmpty { readers[name, default: 0] += 1 } }
        for name in g.outputNames { readers[name, default: 0] += 1 }
        var pending: [String: (path: String, layer: any Module, value: Tensor)] = [:]
        let out = try g.firstOutput(of: try g.run(try g.feeds(for: x)) { node, inputs, outputs in
            let source = node.inputs.first ?? ""
            let follows = node.op.isPerChannelOperation && readers[source] == 1 && pending[source] != nil
            // A layer's activation read by anything but its per-channel follower is final.
            for name in node.inputs where !(follows && name == source) {
                if let p = pending.removeValue(forKey: name) { try recordOutput?(p.path, p.layer, p.value) }
            }
            guard case .float(let y)? = outputs.first, let outName = node.outputs.first else { return }
            if let m = node.op.module, isRecorded(m), let p = paths[ObjectIdentifier(m)],
               case .float(let v)? = inputs.first ?? nil {
                try record(p, m, v.value)
                pending[outName] = (p, m, y.value)
            } else if follows, let p = pending.removeValue(forKey: source) {
                pending[outName] = (p.path, p.layer, y.value)
            }
        })
        for (_, p) in pending { try recordOutput?(p.path, p.layer, p.value) }
        return out
    }
}
