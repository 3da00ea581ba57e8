import CSystem

/// A request to stop at the next safe point instead of dying where the process stands: while a job
/// that can checkpoint mid-way runs inside ``deferringSignals(_:)``, SIGTERM or SIGINT only sets
/// this flag (the handler is `TemporaryFiles.installSignalCleanup()`), the job saves its state at its
/// next step and ends; a second signal ends the process at once. Outside such a scope a signal ends
/// the process as before. Lock-free, so a signal handler may set it.
public enum StopRequest {
    /// [0]: how many deferring scopes are open; [1]: 1 once a stop was requested.
    nonisolated(unsafe) private static let cells: UnsafeMutablePointer<Int32> = {
        let p = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        p.initialize(repeating: 0, count: 2)
        return p
    }()

    /// Touches the storage so a signal handler never runs its lazy initializer.
    public static func prepare() { _ = cells }

    /// True once a stop was requested.
    public static var isRequested: Bool { prune_atomic_load(cells + 1) != 0 }

    /// Asks the running job to stop at its next safe point, as SIGTERM does inside a deferring scope.
    public static func request() { _ = prune_atomic_exchange(cells + 1, 1) }

    /// Runs `body` with SIGTERM and SIGINT turned into stop requests (when `enabled`: only a job that
    /// checks the request and saves may defer signals); the request is cleared after.
    public static func deferringSignals<T>(if enabled: Bool = true, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        prepare()
        _ = prune_atomic_add(cells, 1)
        defer {
            if prune_atomic_add(cells, -1) == 0 { _ = prune_atomic_exchange(cells + 1, 0) }
        }
        return try body()
    }

    /// For the signal handler: true when the signal became a stop request (the handler returns and the
    /// job stops at its next safe point); false when the process should end now (no deferring scope
    /// is open, or a stop was already requested).
    public static func deferSignal() -> Bool {
        guard prune_atomic_load(cells) > 0 else { return false }
        return prune_atomic_exchange(cells + 1, 1) == 0
    }
}
