import Foundation
import PruneAutodiff
import PruneTensor

/// A one-input elementwise function with its derivative: each ONNX math or activation operator
/// beyond ``UnaryOperator`` is one entry of ``MathFunction/catalog``.
public struct MathFunction: Sendable {
    public let name: String
    let value: @Sendable (Float) -> Float
    /// The derivative at input x with output y.
    let derivative: @Sendable (Float, Float) -> Float
    /// An activation function (transforms each channel on its own, as activation criteria expect).
    public let isActivation: Bool
    /// The function on integers, for those defined there (Floor, Ceil, Round: identity; Sign).
    let integer: (@Sendable (Int) -> Int)?

    public init(_ name: String, activation: Bool = false, integer: (@Sendable (Int) -> Int)? = nil,
                _ value: @escaping @Sendable (Float) -> Float,
                derivative: @escaping @Sendable (Float, Float) -> Float) {
        self.name = name; self.value = value; self.derivative = derivative
        isActivation = activation; self.integer = integer
    }

    static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
    static func softplus(_ x: Float) -> Float { x > 20 ? x : Foundation.log1p(Foundation.exp(x)) }

    /// Functions without parameters, by ONNX operator name.
    public static let catalog: [String: MathFunction] = {
        let list: [MathFunction] = [
            .init("Sin", { Foundation.sin($0) }, derivative: { x, _ in Foundation.cos(x) }),
            .init("Cos", { Foundation.cos($0) }, derivative: { x, _ in -Foundation.sin(x) }),
            .init("Tan", { Foundation.tan($0) }, derivative: { _, y in 1 + y * y }),
            .init("Asin", { Foundation.asin($0) }, derivative: { x, _ in 1 / (1 - x * x).squareRoot() }),
            .init("Acos", { Foundation.acos($0) }, derivative: { x, _ in -1 / (1 - x * x).squareRoot() }),
            .init("Atan", { Foundation.atan($0) }, derivative: { x, _ in 1 / (1 + x * x) }),
            .init("Sinh", { Foundation.sinh($0) }, derivative: { x, _ in Foundation.cosh(x) }),
            .init("Cosh", { Foundation.cosh($0) }, derivative: { x, _ in Foundation.sinh(x) }),
            .init("Asinh", { Foundation.asinh($0) }, derivative: { x, _ in 1 / (x * x + 1).squareRoot() }),
            .init("Acosh", { Foundation.acosh($0) }, derivative: { x, _ in 1 / (x * x - 1).squareRoot() }),
            .init("Atanh", { Foundation.atanh($0) }, derivative: { x, _ in 1 / (1 - x * x) }),
            .init("Reciprocal", { 1 / $0 }, derivative: { _, y in -y * y }),
            .init("Floor", integer: { $0 }, { $0.rounded(.down) }, derivative: { _, _ in 0 }),
            .init("Ceil", integer: { $0 }, { $0.rounded(.up) }, derivative: { _, _ in 0 }),
            .init("Round", integer: { $0 }, { $0.rounded(.toNearestOrEven) }, derivative: { _, _ in 0 }),
            .init("Sign", integer: { $0.signum() }, { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }, derivative: { _, _ in 0 }),
            .init("Softplus", activation: true, softplus, derivative: { x, _ in sigmoid(x) }),
            .init("Softsign", activation: true, { $0 / (1 + Swift.abs($0)) },
                  derivative: { x, _ in 1 / ((1 + Swift.abs(x)) * (1 + Swift.abs(x))) }),
            .init("Mish", activation: true, { $0 * Foundation.tanh(softplus($0)) }, derivative: { x, _ in
                let t = Foundation.tanh(softplus(x))
                return t + x * (1 - t * t) * sigmoid(x)
            }),
            .init("HardSwish", activation: true, { $0 * Swift.max(0, Swift.min(1, $0 / 6 + 0.5)) },
                  derivative: { x, _ in
                x < -3 ? 0 : (x > 3 ? 1 : x / 3 + 0.5)
            }),
        ]
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }()

    /// Elu: α(eˣ − 1) for x < 0, x otherwise; Selu: γ·Elu.
    public static func elu(alpha: Float, gamma: Float = 1, name: String = "Elu") -> MathFunction {
        MathFunction(name, activation: true, { $0 > 0 ? gamma * $0 : gamma * alpha * (Foundation.exp($0) - 1) },
                     derivative: { x, y in x > 0 ? gamma : y + gamma * alpha })
    }

    public static func celu(alpha: Float) -> MathFunction {
        MathFunction("Celu", activation: true, { $0 > 0 ? $0 : alpha * (Foundation.exp($0 / alpha) - 1) },
                     derivative: { x, _ in x > 0 ? 1 : Foundation.exp(x / alpha) })
    }

    /// max(0, min(1, α·x + β)).
    public static func hardSigmoid(alpha: Float, beta: Float) -> MathFunction {
        MathFunction("HardSigmoid", activation: true, { Swift.max(0, Swift.min(1, alpha * $0 + beta)) },
                     derivative: { _, y in y > 0 && y < 1 ? alpha : 0 })
    }

    /// x for x > α, 0 otherwise.
    public static func thresholdedRelu(alpha: Float) -> MathFunction {
        MathFunction("ThresholdedRelu", activation: true, { $0 > alpha ? $0 : 0 },
                     derivative: { x, _ in x > alpha ? 1 : 0 })
    }

    /// `shrink`: x − bias for x > λ, x + bias for x < −λ, 0 otherwise.
    public static func shrink(lambda: Float, bias: Float) -> MathFunction {
        MathFunction("Shrink", { $0 < -lambda ? $0 + bias : ($0 > lambda ? $0 - bias : 0) },
                     derivative: { x, _ in x < -lambda || x > lambda ? 1 : 0 })
    }
}

/// Runs a ``MathFunction`` elementwise (differentiable; integers stay integers where the function allows).
public struct MathFunctionOperator: GraphOperator {
    public let function: MathFunction
    public init(_ function: MathFunction) { self.function = function }
    public var channelFlow: ChannelFlow { .elementwise }
    public var isPerChannelOperation: Bool { function.isActivation }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let v = try input(inputs, 0, "X")
        if case .integer(let t) = v {
            guard let f = function.integer else {
                throw GraphError.unsupported("\(function.name) of an integer tensor")
            }
            return [.integer(try IntegerTensor(shape: t.shape, values: t.values.map(f)))]
        }
        let x = try v.variable("X")
        return [.float(x.elementwise(x.value.map(function.value), derivative: function.derivative))]
    }
}
