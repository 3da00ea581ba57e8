import ArgumentParser

extension Console {
    /// A job that stopped on request (SIGTERM or SIGINT inside a deferring scope) after saving its checkpoint:
    /// warns `<stop> in <checkpoint>; <continues>` and gives the exit status a SIGTERM gives (143).
    func stoppedOnRequest(_ stop: String, checkpoint: String,
                          continues: String = "the same command with --resume continues") -> ExitCode {
        warning("\(stop) in \(checkpoint); \(continues)")
        return ExitCode(143)
    }
}
