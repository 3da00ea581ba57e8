/// An error reading or writing a model file; it names the file and the problem.
public struct ModelIOError: Error, CustomStringConvertible {
    public let file: String
    public let problem: String
    public init(file: String, _ problem: String) { self.file = file; self.problem = problem }
    public var description: String { "\(file): \(problem)" }
}
