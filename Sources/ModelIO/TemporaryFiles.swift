import Dispatch
import Foundation

/// The temporary files and folders being written right now, removed when the process is stopped by
/// SIGINT or SIGTERM (after ``installSignalCleanup()``) so an interrupted save leaves nothing behind.
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()

    private let lock = NSLock()
    private var paths: Set<String> = []
    private var sources: [DispatchSourceSignal] = []

    public func add(_ path: String) { lock.withLock { _ = paths.insert(path) } }
    public func remove(_ path: String) { lock.withLock { _ = paths.remove(path) } }

    /// Removes every registered path (files or folders); returns how many existed.
    @discardableResult
    public func removeAll() -> Int {
        let current = lock.withLock { () -> Set<String> in
            let p = paths
            paths = []
            return p
        }
        var removed = 0
        for p in current where (try? FileManager.default.removeItem(atPath: p)) != nil { removed += 1 }
        return removed
    }

    /// Handles SIGINT and SIGTERM: removes the temporary files, then ends the process with the signal's
    /// usual status (128 + signal number).
    public func installSignalCleanup() {
        lock.withLock {
            guard sources.isEmpty else { return }
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { [weak self] in
                    self?.removeAll()
                    signal(sig, SIG_DFL)
                    raise(sig)
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}
