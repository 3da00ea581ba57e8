import PruneTensor

/// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 60,000 training and 10,000 test 28×28 grey images
/// of 10 clothing classes, read from IDX files. Debian's `dataset-fashion-mnist` installs them under
/// `/usr/share/datasets/fashion-mnist/`; `PRUNE_FASHION_MNIST` may name another folder.
public enum FashionMNIST {
    /// Which half of the data set.
    public enum Split: String, Sendable { case train, test }

    /// The class names, by label.
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// The folder the files are read from.
    public static var defaultDirectory: String {
        if let env = getEnvironment("PRUNE_FASHION_MNIST"), !env.isEmpty { return env }
        return "/usr/share/datasets/fashion-mnist"
    }

    /// True when the four files are present.
    public static func isAvailable(in directory: String = defaultDirectory) -> Bool {
        ["train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"].allSatisfy { fileExists(resolve(directory, $0) ?? "") }
    }

    /// Loads one split. The error says how to install the data when the files are missing.
    public static func load(_ split: Split, directory: String = defaultDirectory) throws -> LabeledImages {
        let prefix = split == .train ? "train" : "t10k"
        guard let imagesPath = resolve(directory, "\(prefix)-images-idx3-ubyte"),
              let labelsPath = resolve(directory, "\(prefix)-labels-idx1-ubyte") else {
            throw DataError(file: directory,
                            "Fashion-MNIST \(split.rawValue) files not found; install them with `apt-get install dataset-fashion-mnist` or set PRUNE_FASHION_MNIST to their folder")
        }
        let img = try IDXFile.readImages(imagesPath)
        let lab = try IDXFile.readLabels(labelsPath)
        guard lab.count == img.count else {
            throw DataError(file: labelsPath, "\(lab.count) labels for \(img.count) images in \(imagesPath)")
        }
        if let bad = lab.first(where: { $0 > 9 }) { throw DataError(file: labelsPath,
                                                                    "label \(bad) is not a class 0–9") }
        let scalars = img.pixels.map { Float($0) / 255 }
        let images = Tensor(unchecked: [img.count, 1, img.rows, img.columns], scalars)
        return try LabeledImages(images: images, labels: lab.map(Int.init), classes: 10)
    }

    /// The path of `name` or `name.gz` in `directory`, whichever exists.
    static func resolve(_ directory: String, _ name: String) -> String? {
        for candidate in ["\(directory)/\(name).gz",
                          "\(directory)/\(name)"] where fileExists(candidate) { return candidate }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
func getEnvironment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
