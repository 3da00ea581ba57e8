import Foundation

/// onnxruntime as a ``LatencyMeasurer``: every distinct probe (module and input shape) is written once as
/// ONNX into a scratch folder — an imported graph by its own ``GraphModel/writer`` (the pruned ONNX file
/// the job would save), a model written in Swift by ``NativeONNXExport`` — and each probe in the list is
/// timed by python3 with onnxruntime in one process, one session after another (CPU provider, intra-op
/// threads = `threads`, inter-op 1; one warm-up run, then `rounds` rounds of runs lasting at least
/// `minSeconds`, the median per-run time — ``MedianTiming``'s rule). The probe's shape is the first
/// input's; a graph's other inputs get the neutral values ``GraphModel/feeds(for:)`` gives them (ones
/// for a mask, positions for position ids, zeros otherwise).
public struct OnnxRuntimeLatency: LatencyMeasurer {
    public var threads: Int
    public var rounds = 5
    public var minSeconds = 0.02
    public var name: String { "onnxruntime" }

    public init(threads: Int) { self.threads = threads }

    public func seconds(_ probes: [LayerProbe]) throws -> [Double] {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("prune-latency-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var items: [[String: Any]] = [], exported: [ObjectIdentifier: [[Int]: String]] = [:], files = 0
        for probe in probes {
            let id = ObjectIdentifier(probe.module)
            if exported[id]?[probe.inputShape] == nil {
                let path = scratch.appendingPathComponent("probe-\(files).onnx").path
                try Self.write(probe, to: path)
                exported[id, default: [:]][probe.inputShape] = path
                files += 1
            }
            items.append(["path": exported[id]![probe.inputShape]!, "shape": probe.inputShape])
        }
        let list = scratch.appendingPathComponent("probes.json"), script = scratch.appendingPathComponent("time.py")
        try JSONSerialization.data(withJSONObject: items).write(to: list)
        try Data(Self.script.utf8).write(to: script)
        let output = try run([script.path, list.path, String(threads), String(rounds), String(minSeconds)])
        let times = output.split(separator: "\n").compactMap { Double($0) }
        guard times.count == probes.count else {
            throw JobError("onnxruntime timed \(times.count) of \(probes.count) models")
        }
        return times
    }

    /// Writes the probe's module as ONNX to `path`, in evaluation mode.
    static func write(_ probe: LayerProbe, to path: String) throws {
        probe.module.eval()
        if let graph = probe.module as? GraphModel, let writer = graph.writer {
            try AtomicFile.write(try writer.serialized(graph), to: path)
        } else {
            try NativeONNXExport.write(probe.module, inputShape: probe.inputShape, to: path)
        }
    }

    /// Runs python3 with `arguments`; its standard output, or an error with the end of its standard error.
    func run(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { throw JobError("the onnxruntime latency engine needs python3: \(error)") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw JobError("the onnxruntime latency engine needs python3 with onnxruntime and numpy "
                           + "(pip install onnxruntime numpy); python3 said: \(stderr.suffix(600))")
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    static let script = """
        import json, statistics, sys, time
        import numpy as np
        import onnxruntime as ort
        items = json.load(open(sys.argv[1]))
        threads, rounds, least = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        kinds = {"tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(double)": np.float64,
                 "tensor(float16)": np.float16, "tensor(bool)": np.bool_}
        def neutral(arg, first):
            if len(arg.shape) == len(first):
                shape = [d if isinstance(d, int) else f for d, f in zip(arg.shape, first)]
            else:
                shape = [d if isinstance(d, int) else 1 for d in arg.shape]
            name = arg.name.lower()
            if "mask" in name:
                values = np.ones(shape)
            elif "position" in name:
                values = np.broadcast_to(np.arange(shape[-1] if shape else 1), shape)
            else:
                values = np.zeros(shape)
            return values.astype(kinds.get(arg.type, np.float32))
        for item in items:
            session = ort.InferenceSession(item["path"], options, providers=["CPUExecutionProvider"])
            args = session.get_inputs()
            feed = {args[0].name: np.zeros(item["shape"], kinds.get(args[0].type, np.float32))}
            for arg in args[1:]:
                feed[arg.name] = neutral(arg, item["shape"])
            session.run(None, feed)
            per_run = []
            for _ in range(rounds):
                n, start = 0, time.perf_counter()
                while True:
                    session.run(None, feed)
                    n += 1
                    elapsed = time.perf_counter() - start
                    if elapsed >= least:
                        break
                per_run.append(elapsed / n)
            print(statistics.median(per_run), flush=True)
            del session
        """
}
