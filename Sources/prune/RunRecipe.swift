import ArgumentParser
import Foundation
import Prune

/// `prune run recipe.yaml`: runs a pruning recipe.
struct RunRecipe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run",
        abstract: "Run a pruning recipe (YAML): train or reuse the dense model, prune, fine-tune, report, save.",
        discussion: "Examples live in recipes/. Keys: model (a built-in name or an .onnx file), calibration (for ONNX: "
            + "fashion-mnist or inputs.safetensors), data, data_dir, weights, train {epochs, seed, lr}, prune "
            + "{criterion, granularity, scope, protect, layers, include, exclude, keep_first_last, sparsity, "
            + "schedule, rate, agp_frequency, agp_ramp, calibration_batches}, finetune {epochs, lr, lr_multiplier, "
            + "batch_size, distill {weight, temperature}}, seed, out, train_limit, test_limit. A recipe with "
            + "train.method (dense, imp, set, rigl, dns, agp, str, l0, sparse-vd, gumbel, gumbel-st, snip, grasp, "
            + "synflow, random, random-erk) and train.sparsity trains a sparse network from scratch instead (train "
            + "{method, sparsity, epochs, seed, lr, batch_size, update_every, imp_rounds}; SGD momentum 0.9, "
            + "cosine, lr 0.05 by default).")

    @Argument(help: "The recipe file.") var recipe: String
    @Flag(help: ArgumentHelp("Continue a killed or stopped run from its checkpoints (<weights>.resume while "
                             + "training the dense model, <out>.resume while pruning, <out>.resume/ for a "
                             + "train.method recipe)."))
    var resume = false
    @Option(help: "Also write the report as a self-contained HTML page with plots.") var report: String?
    @OptionGroup var common: CommonOptions
    var json: Bool { common.json }
    var quiet: Bool { common.quiet }

    func run() throws {
        let console = Console(quiet: quiet, json: json)
        let r: Recipe
        do { r = try Recipe.load(path: recipe) } catch { throw CLIError("\(recipe): \(error)") }
        if let report { try AtomicFile.checkDestination(report) }
        let data = RecipeJob.data(r)
        if r.trainingMethod != nil { return try runTrainingMethod(r, data: data, console: console) }
        do {
            let inputs = RecipeJob.pruningInputs(r, resume: resume)
            let result = try PruningJob.run(inputs, data: data, log: console)
            if json { try console.emitJSON(result) } else { print(result.table()) }
            if let report { try result.htmlReport(title: "Pruning report (\(recipe))").write(to: report) }
            if let out = r.out { console.info("saved \(out)") }
        } catch let e as RecipeError {
            throw CLIError("\(recipe): \(e)")
        } catch let e as CLIError {
            throw e
        } catch let e as JobError {
            throw CLIError("prune: \(e)")
        } catch let e as TrainingStopped {
            throw console.stoppedOnRequest("prune run: \(e)", checkpoint: PathText.short(
                e.checkpoint ?? (r.out ?? "") + JobCheckpoint.suffix))
        } catch {
            throw CLIError("\(recipe): \(error)")
        }
    }

    /// A `train: {method: …}` recipe: a sparse network trained from scratch.
    func runTrainingMethod(_ r: Recipe, data: ImageDataSource, console: Console) throws {
        if report != nil {
            throw CLIError("\(recipe): --report applies to pruning recipes; a train.method recipe prints its result "
                           + "(--json for a file)")
        }
        do {
            let report = try SparseTrainingJob.run(r, data: data, log: console, resume: resume)
            if json { try console.emitJSON(report) } else { print(report.text()) }
        } catch let e as JobError {
            throw CLIError("prune: \(e)")
        } catch let e as TrainingStopped {
            throw console.stoppedOnRequest("prune run: \(e)",
                                           checkpoint: PathText.short(r.out ?? "") + JobCheckpoint.suffix)
        } catch {
            throw CLIError("\(recipe): \(error)")
        }
    }
}
