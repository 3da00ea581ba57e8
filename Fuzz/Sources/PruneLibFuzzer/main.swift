import Foundation
import Prune
import PruneFuzzTargets

// libFuzzer entry points. The target is chosen by $PRUNE_FUZZ_TARGET; mutations are libFuzzer's own
// plus, half of the time, Prune's size-field rewrites (LLVMFuzzerCustomMutator).

nonisolated(unsafe) var selectedTarget: (any FuzzTarget)?
nonisolated(unsafe) var customMutator: SizeFieldMutator?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    let name = ProcessInfo.processInfo.environment["PRUNE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.named(name) else {
        FileHandle.standardError.write(Data("set PRUNE_FUZZ_TARGET to one of \(FuzzTargets.names)\n".utf8))
        exit(2)
    }
    selectedTarget = target
    customMutator = SizeFieldMutator(seed: 1, encoding: target.encoding)
    if let budget = ProcessInfo.processInfo.environment["PRUNE_MAX_MEMORY"].flatMap(MemoryBudget.parse) {
        MemoryBudget.bytes = budget
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    _ = selectedTarget?.execute(bytes)
    return 0
}

@_silgen_name("LLVMFuzzerMutate")
func libFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

@_cdecl("LLVMFuzzerCustomMutator")
public func fuzzerCustomMutator(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int,
                                _ seed: CUnsignedInt) -> Int {
    guard seed % 2 == 0, var mutator = customMutator else { return libFuzzerMutate(data, size, maxSize) }
    mutator.rng = RandomGenerator(seed: UInt64(seed))
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let output = mutator.mutate(input).prefix(maxSize)
    output.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: output.count) }
    return output.count
}

// SwiftPM links an executable with `main` aliased to `<module>_main`; with -parse-as-library there is
// no such function, so this one hands the command line to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func libFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                        _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt) -> CInt

@_cdecl("PruneLibFuzzer_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return libFuzzerRunDriver(&count, &arguments) { fuzzerTestOneInput($0, $1) }
}
