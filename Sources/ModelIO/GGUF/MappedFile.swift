import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file: pages are read when touched, so a large model file
/// costs address space, not memory, until its tensors are decoded.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let count: Int
    private let base: UnsafeRawPointer?
    /// Whether `base` is a heap copy (``init(copying:name:)``) rather than a mapping.
    private let ownsCopy: Bool

    public init(path: String) throws {
        self.path = path
        ownsCopy = false
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ModelIOError(file: path, "cannot open the file (missing or unreadable)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ModelIOError(file: path, "not a regular file")
        }
        count = Int(info.st_size)
        guard count > 0 else { base = nil; return }
        let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw ModelIOError(file: path,
                                                                         "cannot map the file into memory") }
        base = UnsafeRawPointer(mapped)
    }

    /// Bytes already in memory (a fuzzer's input, a download), read through the same interface.
    public init(copying bytes: [UInt8], name: String) {
        path = name
        count = bytes.count
        ownsCopy = true
        guard !bytes.isEmpty else { base = nil; return }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        base = UnsafeRawPointer(copy)
    }

    deinit {
        guard let base else { return }
        if ownsCopy { UnsafeMutableRawPointer(mutating: base).deallocate() } else {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        }
    }

    /// The mapped bytes; valid while this object lives.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
