import PruneAutodiff
import PruneNN
import PruneTensor

/// Runs a forward pass while handing the input of every Linear and Conv2d layer to a callback.
///
/// Sequential containers are opened and their children run one by one; any other module runs as a
/// whole, so layers inside it are not seen (their statistics are reported missing, not guessed).
public enum ActivationRecorder {
    public static func forward(_ module: any Module, _ x: Variable, path: String = "",
                               record: (String, any Module, Tensor) throws -> Void) throws -> Variable {
        if let s = module as? Sequential {
            var h = x
            for (name, child) in s.layers {
                h = try forward(child, h, path: path.isEmpty ? name : path + "." + name, record: record)
            }
            return h
        }
        if module is Linear || module is Conv2d { try record(path, module, x.value) }
        return try module.forward(x)
    }
}
