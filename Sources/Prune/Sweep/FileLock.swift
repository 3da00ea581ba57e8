import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on a file (`flock`), held while `body` runs: shards of a sweep that start together
/// on one machine or a shared file system train a missing dense model once, the others wait for it.
public enum FileLock {
    public static func withLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let fd = open(path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw JobError("cannot open the lock file \(path) (errno \(errno))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw JobError("cannot lock \(path) (errno \(errno))") }
        }
        defer { _ = flock(fd, LOCK_UN) }
        return try body()
    }
}
