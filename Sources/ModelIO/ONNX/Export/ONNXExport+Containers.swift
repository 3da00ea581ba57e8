import PruneNN

// How the container modules are written as ONNX: their children's nodes, wired as their forward passes.

extension Sequential: ONNXExportable {
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        var value = input
        for (name, module) in layers {
            value = try NativeONNXExport.emit(module, into: &writer, input: value,
                                              path: NativeONNXExport.child(path, name))
        }
        return value
    }
}

extension Residual: ONNXExportable {
    /// body(x) + shortcut(x) (or x), then the activation.
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        let b = try NativeONNXExport.emit(body, into: &writer, input: input, path: NativeONNXExport.child(path, "body"))
        let s = try shortcut.map {
            try NativeONNXExport.emit($0, into: &writer, input: input, path: NativeONNXExport.child(path, "shortcut"))
        } ?? input
        let sum = writer.node("Add", [b, s], output: NativeONNXExport.child(path, "sum"))
        guard let activation else { return sum }
        return try NativeONNXExport.emit(activation, into: &writer, input: sum,
                                         path: NativeONNXExport.child(path, "activation"))
    }
}

extension Concatenate: ONNXExportable {
    /// Every branch on the same input, concatenated on the channel axis.
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        var outputs: [String] = []
        for (name, module) in branches {
            outputs.append(try NativeONNXExport.emit(module, into: &writer, input: input,
                                                     path: NativeONNXExport.child(path, name)))
        }
        return writer.node("Concat", outputs, output: path.isEmpty ? "concat" : path,
                           attributes: [ONNXGraphWriter.int("axis", 1)])
    }
}
