import Foundation
import PruneTensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Float32 tensors kept on disk instead of in memory and read back by name: the pruned blocks of a
/// ``StreamedLlamaModel``. The file is unlinked as soon as it is created, so nothing is left behind
/// however the process ends; writing a name again appends the new value and forgets the old one.
public final class TensorSpillFile {
    private let fd: Int32
    private var index: [String: (offset: Int, shape: [Int])] = [:]
    private var end = 0
    private let lock = NSLock()

    /// A new spill file in `directory` (the system's temporary folder by default).
    public init(directory: String = NSTemporaryDirectory()) throws {
        var template = Array((directory + "/prune-spill-XXXXXX").utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw ModelIOError(file: directory, "cannot create a temporary file (errno \(errno))")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }

    deinit { close(fd) }

    /// Bytes written so far.
    public var byteCount: Int { lock.withLock { end } }

    public func write(_ name: String, _ t: Tensor) throws {
        let offset = lock.withLock { () -> Int in
            let o = end
            end += t.count * 4
            return o
        }
        try t.scalars.withUnsafeBytes { raw in
            try transfer(raw.count, what: "cannot write \(name) (disk full?)") { done in
                pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
            }
        }
        lock.withLock { index[name] = (offset, t.shape) }
    }

    /// The tensor last written as `name`, or nil.
    public func read(_ name: String) throws -> Tensor? {
        guard let (offset, shape) = lock.withLock({ index[name] }) else { return nil }
        var scalars = [Float](repeating: 0, count: shape.reduce(1, *))
        try scalars.withUnsafeMutableBytes { raw in
            try transfer(raw.count, what: "cannot read \(name) back") { done in
                pread(fd, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
            }
        }
        return Tensor(unchecked: shape, scalars)
    }

    /// Repeats a partial `pread`/`pwrite` (given the bytes done, it returns the bytes it moved) until
    /// `count` bytes are moved.
    private func transfer(_ count: Int, what: String, _ step: (Int) -> Int) throws {
        var done = 0
        while done < count {
            let n = step(done)
            guard n > 0 else { throw ModelIOError(file: "temporary spill file", "\(what) (errno \(errno))") }
            done += n
        }
    }
}
