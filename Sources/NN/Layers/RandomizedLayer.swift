import PruneTensor

/// A layer that draws random numbers while training (dropout): its generator's state belongs in a
/// checkpoint, so a resumed run draws the same numbers an uninterrupted one would.
public protocol RandomizedLayer: AnyObject {
    var generator: RandomGenerator { get set }
}
