import Foundation

/// An input the test set-up (`make test`, `scripts/setup.sh --test`) provides is missing.
///
/// Thrown instead of `XCTSkip`: a test whose input the set-up installs must fail when that input is
/// absent, so a broken set-up cannot pass as a green run with skips.
public struct MissingTestInput: Error, CustomStringConvertible {
    /// What is missing and how the set-up provides it.
    public let description: String

    public init(_ description: String) {
        self.description = "missing test input: \(description) (make test installs it: scripts/setup.sh --test)"
        print(self.description)
    }
}

/// Throws `MissingTestInput` unless python3 can import every module named.
public func requirePythonModules(_ modules: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import " + modules.joined(separator: ", ")]
    p.standardError = FileHandle.nullDevice
    do { try p.run(); p.waitUntilExit() } catch { throw MissingTestInput("python3 cannot be started") }
    guard p.terminationStatus == 0 else {
        throw MissingTestInput("python3 cannot import \(modules.joined(separator: ", "))")
    }
}
