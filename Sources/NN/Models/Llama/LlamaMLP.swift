import PruneTensor
import PruneAutodiff

/// Llama's SwiGLU feed-forward block (Shazeer 2020): `down_proj(silu(gate_proj(x)) · up_proj(x))`.
public final class LlamaMLP: Module {
    public private(set) var gate: any LinearLayer
    public private(set) var up: any LinearLayer
    public private(set) var down: any LinearLayer
    public var isTraining = false

    public init(gate: any LinearLayer, up: any LinearLayer, down: any LinearLayer) {
        self.gate = gate; self.up = up; self.down = down
    }

    public var children: [(name: String, module: any Module)] { [("gate_proj", gate), ("up_proj", up), ("down_proj",
            down)] }

    public func replaceChild(named name: String, with module: any Module) throws {
        guard let l = module as? any LinearLayer else {
            throw ModuleError.invalidChild(container: "mlp", child: name, reason: "must be a Linear layer")
        }
        switch name {
        case "gate_proj": gate = l
        case "up_proj": up = l
        case "down_proj": down = l
        default: throw ModuleError.noSuchPath(name)
        }
    }

    public func forward(_ x: Variable) throws -> Variable { try forward(x, observer: nil) }

    public func forward(_ x: Variable, observer: LinearInputObserver?) throws -> Variable {
        try observer?.observe(x.value, paths: ["mlp.gate_proj", "mlp.up_proj"])
        let g = try gate.forward(x)
        let hidden = try g * g.sigmoid() * up.forward(x)
        try observer?.observe(hidden.value, paths: ["mlp.down_proj"])
        return try down.forward(hidden)
    }
}
