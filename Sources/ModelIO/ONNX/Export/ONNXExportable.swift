import PruneNN

/// A module that can write itself as ONNX nodes: the extension point of ``NativeONNXExport``. A new layer
/// joins by conforming (one extension), no switch to edit.
public protocol ONNXExportable {
    /// Appends the nodes computing this module (in evaluation mode, masks applied) on the value named
    /// `input`, naming them after `path`, and returns the name of the output value.
    func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String
}
