import DecisionTrees
import XCTest

final class CSVTests: XCTestCase {
    func testParsesHeaderQuotesAndClasses() throws {
        let csv = "a,\"b, with comma\",label\r\n1,2,yes\r\n3,4.5,no\r\n\r\n5,-6e1,yes\r\n"
        let d = try TabularDataset.parseCSV(csv, target: "label")
        XCTAssertEqual(d.featureNames, ["a", "b, with comma"])
        XCTAssertEqual(d.rowCount, 3)
        XCTAssertEqual(d.columns[1], [2, 4.5, -60])
        XCTAssertEqual(d.target, .classes([1, 0, 1], names: ["no", "yes"]))
    }

    func testNumericTargetKinds() throws {
        let ints = try TabularDataset.parseCSV("x,y\n1,0\n2,1\n3,2\n", target: "y")
        XCTAssertTrue(ints.target.isClassification)
        XCTAssertEqual(ints.classNames, ["0", "1", "2"])
        let reals = try TabularDataset.parseCSV("x,y\n1,0.5\n2,1.25\n", target: "y")
        XCTAssertEqual(reals.target, .values([0.5, 1.25]))
        let forced = try TabularDataset.parseCSV("x,y\n1,0\n2,1\n", target: "y", kind: .regression)
        XCTAssertEqual(forced.target, .values([0, 1]))
    }

    func testBadInputNamesTheRowAndColumn() {
        func error(_ csv: String, target: String = "y") -> TabularDataError? {
            do { _ = try TabularDataset.parseCSV(csv, target: target); return nil } catch { return error as? TabularDataError }
        }
        XCTAssertEqual(error(""), .emptyFile)
        XCTAssertEqual(error("x,y\n"), .emptyFile)
        XCTAssertEqual(error("x,y\n1,a\n", target: "z"), .missingTargetColumn("z", available: ["x", "y"]))
        XCTAssertEqual(error("x,y\n1,a\n2,b\nthree,a\n"), .nonNumericCell(row: 4, column: "x", value: "three"))
        XCTAssertEqual(error("x,y\n1,a\n2,a\n"), .singleClass(column: "y", value: "a"))
        XCTAssertEqual(error("x,y\n1,a\n2,b,7\n"), .raggedRow(row: 3, expected: 2, found: 3))
        XCTAssertEqual(error("x,y\n1,a\n,b\n"), .missingCell(row: 3, column: "x"))
        XCTAssertEqual(error("x,y\n1,a\nnan,b\n"), .nonNumericCell(row: 3, column: "x", value: "nan"))
        let text = TabularDataError.nonNumericCell(row: 4, column: "x", value: "three").description
        XCTAssertTrue(text.contains("line 4") && text.contains("\"x\""), text)
    }

    func testBundledDatasets() throws {
        let expected: [String: (Int, Int, Int)] = ["iris": (150, 4, 3), "wine": (178, 13, 3), "breast-cancer": (569, 30, 2),
                                                   "digits": (1797, 64, 10), "diabetes": (442, 10, 0)]
        for (name, shape) in expected {
            let d = try BundledDatasets.load(name)
            XCTAssertEqual(d.rowCount, shape.0, name)
            XCTAssertEqual(d.featureCount, shape.1, name)
            XCTAssertEqual(d.classCount, shape.2, name)
        }
    }
}
