import PruneTensor

/// A small ResNet (He et al. 2016) for 28×28 inputs: a 3×3 stem, three stages of basic blocks
/// (conv-BN-ReLU-conv-BN plus a shortcut, then ReLU) at widths w, 2w, 4w with stride 2 between
/// stages (1×1 conv + BN shortcuts where the shape changes), global average pooling and a Linear head.
public enum ResNetSmall {
    public static func make(inChannels: Int = 1, classes: Int = 10, width: Int = 16, blocksPerStage: Int = 1,
                            rng: inout RandomGenerator) -> Sequential {
        func basicBlock(_ cin: Int, _ cout: Int, stride: Int, _ rng: inout RandomGenerator) -> Residual {
            let body = Sequential([
                Conv2d(cin, cout, kernel: 3, stride: stride, padding: 1, bias: false,
                       rng: &rng), BatchNorm(cout), ReLU(),
                Conv2d(cout, cout, kernel: 3, padding: 1, bias: false, rng: &rng), BatchNorm(cout),
            ])
            let shortcut: (any Module)? = (stride != 1 || cin != cout)
                ? Sequential([Conv2d(cin, cout, kernel: 1, stride: stride, bias: false, rng: &rng), BatchNorm(cout)])
                : nil
            return Residual(body: body, shortcut: shortcut)
        }
        var stages: [(String, any Module)] = [
            ("stem", Sequential([Conv2d(inChannels, width, kernel: 3, padding: 1, bias: false, rng: &rng),
                                 BatchNorm(width), ReLU()])),
        ]
        var cin = width
        for (s, mult) in [1, 2, 4].enumerated() {
            var blocks: [any Module] = []
            for b in 0..<blocksPerStage {
                let cout = width * mult
                blocks.append(basicBlock(cin, cout, stride: (b == 0 && s > 0) ? 2 : 1, &rng))
                cin = cout
            }
            stages.append(("layer\(s + 1)", Sequential(blocks)))
        }
        stages.append(("pool", GlobalAvgPool2d()))
        stages.append(("fc", Linear(cin, classes, rng: &rng)))
        return Sequential(named: stages)
    }
}
