import PruneTensor
import PruneAutodiff

/// Max pooling over `[N, C, H, W]`.
public final class MaxPool2d: Module {
    public var isTraining = true
    public let geometry: Conv2dGeometry
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        geometry = Conv2dGeometry(kernel: (kernel, kernel), stride: (stride ?? kernel, stride ?? kernel),
                                  padding: (padding, padding))
    }
    public func forward(_ x: Variable) throws -> Variable { try Variable.maxPool2d(x, geometry: geometry) }
    public var summary: String { "MaxPool2d(\(geometry.kernel.h))" }
}

/// Average pooling over `[N, C, H, W]`.
public final class AvgPool2d: Module {
    public var isTraining = true
    public let geometry: Conv2dGeometry
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        geometry = Conv2dGeometry(kernel: (kernel, kernel), stride: (stride ?? kernel, stride ?? kernel),
                                  padding: (padding, padding))
    }
    public func forward(_ x: Variable) throws -> Variable { try Variable.avgPool2d(x, geometry: geometry) }
    public var summary: String { "AvgPool2d(\(geometry.kernel.h))" }
}

/// Global average pooling: `[N, C, H, W]` → `[N, C]`.
public final class GlobalAvgPool2d: Module {
    public var isTraining = true
    public init() {}
    public func forward(_ x: Variable) throws -> Variable { try Variable.globalAvgPool2d(x) }
}
