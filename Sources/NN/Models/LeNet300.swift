import PruneTensor

/// LeNet-300-100: a 784-300-100-10 multilayer perceptron with ReLU, the classic subject of
/// unstructured pruning (LeCun et al. 1998; Han et al. 2015). Input `[N, 1, 28, 28]` or `[N, 784]`.
public enum LeNet300 {
    public static func make(inputSize: Int = 784, classes: Int = 10, rng: inout RandomGenerator) -> Sequential {
        Sequential(named: [
            ("flatten", Flatten()),
            ("fc1", Linear(inputSize, 300, rng: &rng)), ("relu1", ReLU()),
            ("fc2", Linear(300, 100, rng: &rng)), ("relu2", ReLU()),
            ("fc3", Linear(100, classes, rng: &rng)),
        ])
    }
}
