/// Where a long job reports: running commentary, a live progress line, warnings. The CLI prints
/// them; a library user may collect or drop them (``SilentLog``).
public protocol JobLog {
    /// A line of commentary.
    func info(_ line: String)
    /// Replaces the live progress line.
    func progress(_ line: String)
    /// Ends the live progress line.
    func endProgress()
    /// Something the user should act on (printed even when commentary is off).
    func warning(_ line: String)
}

/// A log that drops everything.
public struct SilentLog: JobLog {
    public init() {}
    public func info(_ line: String) {}
    public func progress(_ line: String) {}
    public func endProgress() {}
    public func warning(_ line: String) {}
}

/// A failure of a job, in one line that names the problem.
public struct JobError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
