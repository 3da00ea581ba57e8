import Foundation
import XCTest

/// What the parity tests share: reading a committed NumPy reference (snake_case JSON under `Fixtures/`)
/// and comparing arrays element by element with a relative tolerance (floored at 1e-3 of the largest).
extension XCTestCase {
    func parityFixture<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"),
                                "committed fixture \(name).json is missing")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: Data(contentsOf: url))
    }

    func assertClose(_ got: [Double], _ want: [Double], relative: Double, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, what, file: file, line: line)
        let scale = want.map(abs).max() ?? 1
        for (i, (g, w)) in zip(got, want).enumerated() where abs(g - w) > relative * max(abs(w), 1e-3 * scale) {
            return XCTFail("\(what)[\(i)]: \(g), reference \(w)", file: file, line: line)
        }
    }
}
