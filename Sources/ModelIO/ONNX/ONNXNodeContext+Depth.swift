import ONNXProto
import PruneNN

/// A 3-D Conv or pooling node split into its depth window and its 2-D form over height and width
/// (``DepthSlicedOperator`` runs the 2-D form on depth slices).
extension ONNXNodeContext {
    /// This node with the depth entry dropped from kernel_shape, strides, dilations and pads.
    func planar() -> ONNXNodeContext {
        var node = self.node
        for i in node.attribute.indices {
            let values = node.attribute[i].ints
            switch node.attribute[i].name {
            case "kernel_shape", "strides", "dilations" where values.count == 3:
                node.attribute[i].ints = Array(values[1...])
            case "pads" where values.count == 6: node.attribute[i].ints = [values[1], values[2], values[4], values[5]]
            default: break
            }
        }
        return ONNXNodeContext(node: node, index: index, opset: opset, state: state)
    }

    /// The depth axis of a 3-D window of kernel depth `kernel` (0: read from the weight at run time).
    func depthWindow(kernel: Int) throws -> DepthWindow {
        let strides = ints("strides") ?? [1, 1, 1], dilations = ints("dilations") ?? [1, 1, 1]
        let pads = ints("pads") ?? [0, 0, 0, 0, 0, 0], autoPad = string("auto_pad") ?? "NOTSET"
        guard strides.count == 3, dilations.count == 3, pads.count == 6, kernel >= 0, strides[0] > 0, dilations[0] > 0,
              pads.allSatisfy({ $0 >= 0 }) else {
            throw fail("invalid 3-D strides \(strides), dilations \(dilations) or pads \(pads)")
        }
        let explicit = autoPad == "NOTSET" || autoPad.isEmpty
        return DepthWindow(kernel: kernel, stride: strides[0], dilation: dilations[0],
                           padBegin: explicit ? pads[0] : 0, padEnd: explicit ? pads[3] : 0,
                           autoPad: autoPad.hasPrefix("SAME") ? autoPad : nil, ceilMode: int("ceil_mode", 0) == 1)
    }
}
