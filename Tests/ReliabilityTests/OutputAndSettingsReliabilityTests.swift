import Foundation
import Prune
import XCTest

/// Outputs go only to regular files or new paths; settings out of range are errors; schedules never
/// stop short of their target silently.
final class OutputAndSettingsReliabilityTests: XCTestCase {
    func testDevicesDirectoriesAndFIFOsAreRefusedAsOutputs() throws {
        let dir = try CraftedFiles.tempDir()
        XCTAssertEqual(mkfifo(dir + "/fifo", 0o600), 0)
        for (path, kind) in [("/dev/null", "a device"), (dir, "a directory"), (dir + "/fifo", "a FIFO")] {
            XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: path)) { error in
                XCTAssertTrue("\(error)".contains("is \(kind), not a regular file"), "\(error)")
            }
        }
        XCTAssertEqual(FileKind.of("/dev/null"), .device, "the device is untouched")
        XCTAssertEqual(FileKind.of(dir + "/fifo"), .fifo)
        try AtomicFile.write(Data([1, 2]), to: dir + "/new.bin")
        try AtomicFile.write(Data([3]), to: dir + "/new.bin")
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/new.bin"), Data([3]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["fifo", "new.bin"],
                       "no temporary file is left behind")
    }

    func testAnOverlongNameIsOneShortLine() throws {
        let dir = try CraftedFiles.tempDir()
        let path = dir + "/" + String(repeating: "n", count: 100_000)
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: path)) { error in
            let text = "\(error)"
            XCTAssertLessThan(text.count, 500, "a 100,000-character name gives a short error")
            XCTAssertTrue(text.contains("255"), text)
            XCTAssertFalse(text.contains("permission"), text)
        }
    }

    func testAMissingFolderIsFoundBeforeAnyWork() throws {
        XCTAssertThrowsError(try AtomicFile.checkDestination("/nonexistent-folder/m.safetensors")) {
            XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
        }
    }

    func testTemporaryFilesAreRemovedOnCleanup() throws {
        let dir = try CraftedFiles.tempDir()
        let tmp = dir + "/.partial"
        try Data([1]).write(to: URL(fileURLWithPath: tmp))
        TemporaryFiles.shared.add(tmp)
        XCTAssertEqual(TemporaryFiles.shared.removeAll(), 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp))
    }

    func testAnIterativeRateTooSmallForItsTargetIsAnErrorNotASilentStop() throws {
        XCTAssertThrowsError(try IterativeSchedule.targets(rate: 0.00005, target: 0.5)) { error in
            XCTAssertTrue("\(error)".contains("13863 rounds"), "\(error)")
        }
        let rounds = try IterativeSchedule.targets(rate: 0.2, target: 0.9)
        XCTAssertEqual(rounds.count, 11, "(0.8)^11 = 0.086 ≤ 0.1 < (0.8)^10")
        XCTAssertEqual(rounds.last, 0.9)
        var settings = PruneSettings()
        settings.schedule = try ScheduleName(parsing: "iterative")
        settings.sparsity = 0.5
        settings.rate = 0.00005
        XCTAssertThrowsError(try settings.plan(trainCount: 100).validate())
    }

    func testSettingsOutOfRangeNameTheOption() {
        func check(_ change: (inout PruneSettings) -> Void, mentions word: String) {
            var s = PruneSettings()
            change(&s)
            XCTAssertThrowsError(try s.validate()) { XCTAssertTrue("\($0)".contains(word), "\($0)") }
        }
        check({ $0.distillWeight = 0.5; $0.temperature = 0 }, mentions: "temperature")
        check({ $0.finetuneEpochs = -1 }, mentions: "finetune-epochs")
        check({ $0.sparsity = -0.1 }, mentions: "sparsity")
        check({ $0.protect = 1.5 }, mentions: "protect")
        check({ $0.calibrationBatches = 0 }, mentions: "calibration-batches")
        check({ $0.learningRate = .nan }, mentions: "lr")
        check({ $0.structured = StructuredSettings(); $0.structured?.roundTo = 0 }, mentions: "round-to")
        XCTAssertNoThrow(try PruneSettings().validate())
    }

    func testMemoryBudgetParsesSizes() {
        XCTAssertEqual(MemoryBudget.parse("8G"), 8 << 30)
        XCTAssertEqual(MemoryBudget.parse("512m"), 512 << 20)
        XCTAssertEqual(MemoryBudget.parse("1.5GB"), 3 << 29)
        XCTAssertEqual(MemoryBudget.parse("1000"), 1000)
        for bad in ["", "-1G", "0", "lots", "1e30"] { XCTAssertNil(MemoryBudget.parse(bad), bad) }
    }
}
