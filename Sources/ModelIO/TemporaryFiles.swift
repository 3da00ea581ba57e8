import Foundation
import PruneTensor

/// The temporary files being written right now, removed when the process is stopped by SIGINT or
/// SIGTERM (after ``installSignalCleanup()``) so an interrupted save leaves nothing behind.
///
/// The signal handler only calls async-signal-safe functions (`unlink`, `rmdir`, `signal`, `raise`)
/// on C strings kept in a fixed table, then ends the process with the signal's usual status.
/// (A temporary folder is removed only when empty; its files are registered on their own.)
public final class TemporaryFiles: @unchecked Sendable {
    public static let shared = TemporaryFiles()

    static let capacity = 64
    private let lock = NSLock()
    private var paths: Set<String> = []
    private var installed = false

    public func add(_ path: String) {
        lock.withLock {
            paths.insert(path)
            SignalSafeTable.insert(path)
        }
    }

    public func remove(_ path: String) {
        lock.withLock {
            paths.remove(path)
            SignalSafeTable.remove(path)
        }
    }

    /// Removes every registered path (files or folders); returns how many existed.
    @discardableResult
    public func removeAll() -> Int {
        let current = lock.withLock { () -> Set<String> in
            let p = paths
            for path in p { SignalSafeTable.remove(path) }
            paths = []
            return p
        }
        var removed = 0
        for p in current where (try? FileManager.default.removeItem(atPath: p)) != nil { removed += 1 }
        return removed
    }

    /// Handles SIGINT and SIGTERM: removes the temporary files, then ends the process by the signal (or,
    /// the first time inside ``StopRequest/deferringSignals(_:)``, only asks the job to stop).
    public func installSignalCleanup() {
        lock.withLock {
            guard !installed else { return }
            installed = true
            SignalSafeTable.prepare()
            StopRequest.prepare()
            for sig in [SIGINT, SIGTERM] {
                signal(sig) { received in
                    // Inside a job that checkpoints mid-way, the first signal asks it to stop at a safe point.
                    if StopRequest.deferSignal() { return }
                    SignalSafeTable.unlinkAll()
                    signal(received, SIG_DFL)
                    raise(received)
                }
            }
        }
    }
}

/// A fixed table of C strings the signal handler can read without allocating or locking.
enum SignalSafeTable {
    nonisolated(unsafe) static var slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(
        capacity: TemporaryFiles.capacity)
    nonisolated(unsafe) static var ready = false

    /// Touches the table so the handler never runs its lazy initializer.
    static func prepare() {
        guard !ready else { return }
        slots.initialize(repeating: nil, count: TemporaryFiles.capacity)
        ready = true
    }

    static func insert(_ path: String) {
        prepare()
        for i in 0..<TemporaryFiles.capacity where slots[i] == nil {
            slots[i] = strdup(path)
            return
        }
    }

    static func remove(_ path: String) {
        guard ready else { return }
        for i in 0..<TemporaryFiles.capacity {
            guard let p = slots[i], String(cString: p) == path else { continue }
            slots[i] = nil
            free(p)
            return
        }
    }

    static func unlinkAll() {
        guard ready else { return }
        for i in 0..<TemporaryFiles.capacity {
            if let p = slots[i] {
                if unlink(p) != 0 { rmdir(p) }
            }
        }
    }
}
