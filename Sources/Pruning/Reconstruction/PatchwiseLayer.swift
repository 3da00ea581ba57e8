import PruneNN
import PruneTensor

/// A layer each of whose output values is one weight row times one input patch: a Linear (a patch is
/// one input row) and an ungrouped Conv2d (a patch is the C·kh·kw window under one output pixel, in
/// the weight's column order, zeros where the window covers padding). Channel selection by output
/// reconstruction (ThiNet, LASSO channel pruning) and the least-squares refit read these patches.
public protocol PatchwiseLayer: PrunableWeightLayer {
    /// Output positions of the whole input batch (examples × pixels, or rows of the input).
    func patchCount(of input: Tensor) throws -> Int
    /// Writes the patch under output `position` into `out[offset ..< offset + fanIn]`.
    func writePatch(_ position: Int, of input: Tensor, into out: inout [Float], at offset: Int)
}

extension Linear: PatchwiseLayer {
    public func patchCount(of input: Tensor) throws -> Int {
        guard input.rank >= 1, input.shape.last == inFeatures else {
            throw PruningError.incompatible(layer: "Linear(\(inFeatures) → \(outFeatures))",
                                            reason: "input \(input.shape) does not end in \(inFeatures) features")
        }
        return input.count / max(inFeatures, 1)
    }

    public func writePatch(_ position: Int, of input: Tensor, into out: inout [Float], at offset: Int) {
        let n = inFeatures
        input.scalars.withUnsafeBufferPointer { s in
            for j in 0..<n { out[offset + j] = s[position * n + j] }
        }
    }
}

extension Conv2d: PatchwiseLayer {
    public func patchCount(of input: Tensor) throws -> Int {
        guard geometry.groups == 1 else {
            throw PruningError.incompatible(layer: summary, reason: "a grouped convolution's outputs do not read "
                                            + "every input channel, so its output is not reconstructed channel by "
                                            + "channel")
        }
        guard input.rank == 4, input.shape[1] == inChannels else {
            throw PruningError.incompatible(layer: summary,
                                            reason: "input \(input.shape) is not [N, \(inChannels), H, W]")
        }
        let size = try geometry.outputSize(h: input.shape[2], w: input.shape[3], op: "Conv2d")
        return input.shape[0] * size.h * size.w
    }

    public func writePatch(_ position: Int, of input: Tensor, into out: inout [Float], at offset: Int) {
        let g = geometry, c = input.shape[1], h = input.shape[2], w = input.shape[3]
        guard let size = try? g.outputSize(h: h, w: w, op: "Conv2d") else { return }
        let n = position / (size.h * size.w), pixel = position % (size.h * size.w)
        let top = (pixel / size.w) * g.stride.h - g.padding.h, left = (pixel % size.w) * g.stride.w - g.padding.w
        var k = offset
        input.scalars.withUnsafeBufferPointer { s in
            for ch in 0..<c {
                let plane = (n * c + ch) * h * w
                for i in 0..<g.kernel.h {
                    let y = top + i * g.dilation.h
                    for j in 0..<g.kernel.w {
                        let x = left + j * g.dilation.w
                        out[k] = y >= 0 && y < h && x >= 0 && x < w ? s[plane + y * w + x] : 0
                        k += 1
                    }
                }
            }
        }
    }
}
