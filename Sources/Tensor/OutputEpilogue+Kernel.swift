import CDenseKernels

extension OutputEpilogue {
    /// The steps as Prune's sgemm applies them to each output tile in registers, for `body`'s duration, for an
    /// output of `channelCount` channels: nil when a step has no such form or there are more steps than the
    /// kernel holds (``PRUNE_EPILOGUE_MAX_STEPS``). The caller sets `channel0` and `origin` per product.
    public func withKernelEpilogue<R>(channelCount: Int, _ body: (prune_epilogue?) -> R) -> R {
        guard steps.count <= Int(PRUNE_EPILOGUE_MAX_STEPS) else { return body(nil) }
        func nest(_ index: Int, _ built: prune_epilogue) -> R {
            if index == steps.count { return body(built) }
            return steps[index].withKernelStep(channelCount: channelCount) { step in
                guard let step else { return body(nil) }
                var next = built
                withUnsafeMutablePointer(to: &next.steps) { tuple in
                    tuple.withMemoryRebound(to: prune_epilogue_step.self, capacity: steps.count) { $0[index] = step }
                }
                next.count = Int32(index + 1)
                return nest(index + 1, next)
            }
        }
        return nest(0, prune_epilogue())
    }
}
