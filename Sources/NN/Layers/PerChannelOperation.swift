/// An operation that transforms every channel on its own and keeps the channel layout: a per-channel
/// normalization (BatchNorm), an elementwise nonlinearity (ReLU, GELU, …), Dropout.
///
/// Activation-based pruning criteria read a layer's activation as the network applies it: the
/// layer's output after the chain of these operations that directly follows it (Conv2d → BatchNorm
/// → ReLU gives the ReLU's output; a logits layer with nothing after it gives its raw output). A new
/// layer type of this kind joins by conforming.
public protocol PerChannelOperation: Module {}

extension ReLU: PerChannelOperation {}
extension LeakyReLU: PerChannelOperation {}
extension GELU: PerChannelOperation {}
extension Tanh: PerChannelOperation {}
extension Sigmoid: PerChannelOperation {}
extension Dropout: PerChannelOperation {}
extension BatchNorm: PerChannelOperation {}
