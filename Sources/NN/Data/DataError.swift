/// An error reading a data file; it names the file and what is wrong with it.
public struct DataError: Error, CustomStringConvertible {
    public let file: String
    public let problem: String
    public init(file: String, _ problem: String) { self.file = file; self.problem = problem }
    public var description: String { "\(file): \(problem)" }
}
