/// Whether operations record themselves for the backward pass. Scoped, never global:
/// `withNoGrad { }` turns recording off for the calls inside its closure only.
public enum GradMode {
    /// True while operations are recorded (the default).
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` with gradient recording turned off (inference, evaluation, weight updates).
@discardableResult
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.$isEnabled.withValue(false) { try body() }
}
