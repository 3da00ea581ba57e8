import Foundation

/// A recipe as a job: the data it reads and the pruning job it describes. `prune run` and the cells
/// of a sweep both go through here, so a recipe means the same thing in both.
public enum RecipeJob {
    /// The recipe's data: its folder, its batch size, its example limits.
    public static func data(_ recipe: Recipe) -> ImageDataSource {
        var data = ImageDataSource()
        data.name = recipe.data
        data.directory = recipe.dataDirectory
        data.batchSize = recipe.settings.batchSize
        data.trainLimit = recipe.trainLimit
        data.testLimit = recipe.testLimit
        return data
    }

    /// The dense weights the recipe prunes: `weights`, the ONNX file itself, or runs/<model>.safetensors.
    public static func weights(_ recipe: Recipe) -> String {
        recipe.weights ?? (PruningModelSource.isONNX(recipe.model) ? recipe.model : "runs/\(recipe.model).safetensors")
    }

    /// The pruning job of a recipe without `train.method` (the dense model trained first when missing).
    public static func pruningInputs(_ recipe: Recipe, resume: Bool) -> PruningJob.Inputs {
        var inputs = PruningJob.Inputs(model: recipe.model, weights: weights(recipe),
                                       trainIfMissing: denseTraining(recipe), settings: recipe.settings,
                                       out: recipe.out, validate: { try recipe.validate(against: $0) },
                                       calibration: recipe.calibration)
        inputs.resume = resume
        return inputs
    }

    /// How the recipe trains its dense model when the weights file is missing.
    public static func denseTraining(_ recipe: Recipe) -> (epochs: Int, seed: UInt64, learningRate: Float) {
        (recipe.trainEpochs, recipe.trainSeed, recipe.trainLearningRate)
    }
}
