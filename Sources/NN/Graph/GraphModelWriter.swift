import Foundation

/// Writes a ``GraphModel`` back in the format it was imported from, with its current parameters and the
/// changes structured pruning made (the ONNX importer sets one on every graph it builds). A pruned copy of
/// an imported model can so be written, or timed in another runtime, without its importer at hand.
public protocol GraphModelWriter: AnyObject {
    /// The file's bytes for `graph` as it is now.
    func serialized(_ graph: GraphModel) throws -> Data
}
